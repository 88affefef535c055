/**
 * Line length, checked on every line of src/ and playbooks/ (generated files aside): at most
 * 140 characters, the `lineWidth` of biome.json. Biome's formatter keeps code to it but
 * never splits a string or a comment, so this test holds those to it; a failure names
 * each file:line and its length.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX = 140;

/**
 * Temporary (issue #22): files other branches were rewriting while the long lines elsewhere
 * were split; their lines over 140 characters are split once those branches are merged, and
 * this list is then emptied.
 */
const ALLOWED_FOR_NOW: readonly string[] = [
  'src/checks/drift/check.ts',
  'src/checks/drift/cron.ts',
  'src/checks/drift/from-run.ts',
  'src/checks/drift/live.ts',
  'src/checks/drift/pacemaker-rules.ts',
  'src/checks/drift/running.ts',
  'src/checks/drift/timer.ts',
  'src/checks/drift/timing.ts',
  'src/cli/commands/drift.ts',
  'src/stack/declared.ts',
  'src/stack/heartbeat.ts',
  'src/stack/pacemaker.ts',
];

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.generated.ts')) yield p;
  }
}

function longLines(): string[] {
  const out: string[] = [];
  for (const file of [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'playbooks'))]) {
    const rel = relative(ROOT, file).split('\\').join('/');
    if (ALLOWED_FOR_NOW.includes(rel)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.length > MAX) out.push(`${rel}:${i + 1} (${line.length} characters)`);
      });
  }
  return out;
}

describe('line length', () => {
  it(`keeps every line of src/ and playbooks/ to ${MAX} characters`, () => {
    expect(longLines(), `split these lines (at most ${MAX} characters)`).toEqual([]);
  });

  it('keeps the limit biome.json formats to', () => {
    const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
    expect(biome.formatter.lineWidth).toBe(MAX);
  });
});
