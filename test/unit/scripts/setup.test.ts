import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// scripts/setup.sh never exits silently: a failure ends with one line naming what failed
// and how to fix it (the bare-root lab test proves the success path on a bare Debian).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const setup = join(ROOT, 'scripts/setup.sh');
const isRoot = process.getuid?.() === 0;

describe('scripts/setup.sh failures', () => {
  it.skipIf(!isRoot)('as a user that is not root: exit 2 and one line saying to run it as root', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', setup], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^setup: FAILED: not root — run as root .*\n$/);
  });

  it.skipIf(!isRoot)('without node on PATH: exit 2 and one line saying what to install', () => {
    // a PATH with the few tools the script needs before its node check, and no node or npm
    const bin = mkdtempSync(join(tmpdir(), 'hactl-setup-path-'));
    for (const tool of ['dirname', 'id', 'dpkg-query', 'apt-get']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const r = spawnSync('/bin/bash', [setup], { encoding: 'utf8', env: { PATH: bin, HOME: '/tmp' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^setup: FAILED: node not found — install Node\.js >= 20\.19 .*\n$/);
  });
});
