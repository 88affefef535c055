import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The tree keeps its formatter and linter (biome.json, `npm run lint`): a finding fails
// this test, so `.ci/run` fails on it too. `npm run format` fixes what can be fixed.
const ROOT = resolve(import.meta.dirname, '../..');

describe('habits', () => {
  it('biome finds nothing to format or lint (npm run lint)', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/biome'), ['ci', '--colors=off', '.'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}\nrun \`npm run format\`, then fix what it cannot`).toBe(0);
  }, 60_000);
});
