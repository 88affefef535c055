import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTHKEYS_VALIDATE, HARESOURCES_VALIDATE } from '../../../src/stack/heartbeat.js';

// The validators hactl runs for Heartbeat's files (which Heartbeat itself cannot check
// without starting), run here by sh exactly as the file task runs them: `%s` = the staged file.
const dir = mkdtempSync(join(tmpdir(), 'hactl-validators-'));
function validate(validator: string, content: string, mode = 0o600): { code: number | null; out: string } {
  const file = join(dir, 'staged');
  writeFileSync(file, content);
  chmodSync(file, mode);
  const r = spawnSync('sh', ['-c', validator.split('%s').join('"$tmp"')], { env: { ...process.env, tmp: file }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('heartbeat validators', () => {
  it('authkeys: 0600 with a key line for the number auth names', () => {
    expect(validate(AUTHKEYS_VALIDATE, 'auth 1\n1 sha1 0123abcd\n').code).toBe(0);
    expect(validate(AUTHKEYS_VALIDATE, 'auth 3\n1 crc\n3 md5 k\n').code).toBe(0);
  });
  it('authkeys: refuses what heartbeat refuses at start, without printing the key', () => {
    const open = validate(AUTHKEYS_VALIDATE, 'auth 1\n1 sha1 s3cret\n', 0o644);
    expect(open).toEqual({ code: 1, out: 'authkeys must be mode 0600 (heartbeat refuses to start otherwise)\n' });
    for (const bad of ['auth 2\n1 sha1 s3cret\n', 'auth 1\n1 rot13 s3cret\n', '1 sha1 s3cret\n', 'auth 1\n1 sha1\n']) {
      const r = validate(AUTHKEYS_VALIDATE, bad);
      expect(r.code, bad).toBe(1);
      expect(r.out).not.toContain('s3cret');
    }
  });
  it('haresources: every resource needs its script where ResourceManager looks', () => {
    const r = validate(HARESOURCES_VALIDATE, '# managed\nmaster IPaddr2::10.0.0.1/24/eth0 nosuchagent::x\n', 0o644);
    expect(r.code).toBe(1);
    // IPaddr2 is checked first: on a machine without heartbeat it is the one named
    expect(r.out).toMatch(/^haresources: resource (IPaddr2|nosuchagent) has no script in \/etc\/ha\.d\/resource\.d or \/etc\/init\.d\n$/);
    expect(validate(HARESOURCES_VALIDATE, '# comments and blank lines only\n\n', 0o644).code).toBe(0);
  });
});
