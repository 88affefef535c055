/**
 * Import direction, checked on every relative import in src/ and playbooks/: a layer may
 * import its own directory and the layers below it, never one above or beside it. The
 * layers and where each kind of change goes are drawn in docs/architecture.md; a failure
 * here names the file, the line and the rule it breaks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Rank of each layer: imports must point to a lower rank (or the same directory). */
const LAYERS: Record<string, number> = {
  'src/core': 0,
  'src/inventory': 1,
  'src/transport': 2,
  'src/render': 2,
  'src/facts': 3,
  'src/tasks': 4,
  'src/stack': 4,
  'src/runtime': 5,
  'src/checks': 6,
  'src/lab': 6,
  'src/operate': 7,
  playbooks: 7,
  'src/cli': 8,
  'src/index.ts': 8,
};

/** Who may import the lab (it needs root and drives this machine): only the CLI. */
const LAB_IMPORTERS = new Set(['src/cli', 'src/lab']);

function layerOf(file: string): string | undefined {
  const rel = relative(ROOT, file).split('\\').join('/');
  if (rel === 'src/index.ts') return rel;
  if (rel.startsWith('playbooks/')) return 'playbooks';
  const m = /^src\/([^/]+)\//.exec(rel);
  return m ? `src/${m[1]}` : undefined;
}

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

interface Violation {
  at: string;
  rule: string;
}

function violations(): Violation[] {
  const out: Violation[] = [];
  for (const file of [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'playbooks'))]) {
    const from = layerOf(file)!;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = /^(?:import|export)\b.*\bfrom '(\.[^']+)'/.exec(line) ?? /^\s*\} from '(\.[^']+)'/.exec(line);
      if (!m) return;
      const to = layerOf(normalize(join(dirname(file), m[1]!)));
      const at = `${relative(ROOT, file)}:${i + 1}`;
      if (!to || to === from) return;
      if (to === 'src/lab' && !LAB_IMPORTERS.has(from)) {
        out.push({ at, rule: `${from} imports the lab (only the CLI may: hand lab objects in from src/cli)` });
        return;
      }
      const [a, b] = [LAYERS[from], LAYERS[to]];
      if (a === undefined || b === undefined) out.push({ at, rule: `${from} → ${to}: a layer docs/architecture.md does not name` });
      else if (b >= a) out.push({ at, rule: `${from} (layer ${a}) imports ${to} (layer ${b}): only lower layers may be imported` });
    });
  }
  return out;
}

describe('module boundaries', () => {
  it('every import points down the layers; only the CLI imports the lab', () => {
    expect(violations().map((v) => `${v.at}: ${v.rule}`)).toEqual([]);
  });

  it('the check itself sees imports (a sanity check against a silently empty scan)', () => {
    const scanned = [...tsFiles(join(ROOT, 'src'))].length;
    expect(scanned).toBeGreaterThan(100);
    expect(layerOf(join(ROOT, 'src/checks/failover/index.ts'))).toBe('src/checks');
    expect(layerOf(join(ROOT, 'playbooks/bootstrap.ts'))).toBe('playbooks');
  });

  it("only src/stack/ decides by the stack's name: everything else asks the driver or a table typed over the names", () => {
    const found: string[] = [];
    for (const file of [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'playbooks'))]) {
      if (layerOf(file) === 'src/stack' || file.endsWith('.generated.ts')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bstack\s*[!=]==?\s*['"]|['"](pacemaker|heartbeat)['"]\s*[!=]==?\s*\w*\.?stack\b/.test(line))
            found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
