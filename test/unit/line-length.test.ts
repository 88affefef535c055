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
