import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './built.js';

// bin/hactl exits once its command is done and its output has left the process: a document
// larger than a pipe's buffer (64 KiB) to a reader that starts late arrives whole.
describe('the CLI exits once its output is out', () => {
  beforeAll(() => ensureBuilt());
  it('an 80 KiB JSON document through a slow pipe arrives whole', () => {
    const bin = join(ROOT, 'bin/hactl');
    const r = spawnSync('sh', ['-c', `node ${bin} inventory schema | { sleep 0.5; cat; }`], { encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(65536);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});
