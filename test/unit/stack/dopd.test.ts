import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quote } from '../../../src/core/shell.js';
import { DOPD_SETUID, dopdOverrideCommand, dopdOverrideSet } from '../../../src/stack/heartbeat.js';

// issue #18: dopd (Heartbeat's DRBD peer outdater) runs as hacluster and outdates its own
// disk with drbdsetup/drbdmeta: they must be setuid root, group haclient, through dpkg's
// statoverride so an upgrade keeps it. Run for real with dpkg-statoverride on a private
// admin dir and a scratch file; this host has no haclient group, so root stands in for it.
describe('dopd: drbdsetup-84 and drbdmeta setuid root, group haclient, through dpkg-statoverride', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-dopd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'admin', 'updates'), { recursive: true });
  writeFileSync(join(dir, 'admin', 'statoverride'), '');
  const file = join(dir, "drbd meta's");
  writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  const sh = (cmd: string): { status: number | null; stderr: string } =>
    spawnSync('sh', ['-c', cmd.replaceAll('haclient', 'root')], {
      encoding: 'utf8',
      env: { ...process.env, DPKG_ADMINDIR: join(dir, 'admin') },
    });
  const hasDpkg = spawnSync('sh', ['-c', 'command -v dpkg-statoverride']).status === 0;

  it("names dpkg's own paths of the two tools", () => {
    expect(DOPD_SETUID).toEqual(['/lib/drbd/drbdsetup-84', '/sbin/drbdmeta']);
    expect(dopdOverrideCommand('/sbin/drbdmeta')).toContain('dpkg-statoverride --add --update root haclient 4750 /sbin/drbdmeta');
  });

  it.skipIf(!hasDpkg)('sets the override and the mode once; an override that differs is replaced', () => {
    expect(sh(dopdOverrideSet(file)).status).not.toBe(0);
    expect(sh(dopdOverrideCommand(file))).toMatchObject({ status: 0 });
    expect(sh(dopdOverrideSet(file)).status).toBe(0);
    expect(statSync(file).mode & 0o7777).toBe(0o4750);
    // an operator's different override: not ours, replaced (and the file's mode follows)
    expect(sh(`dpkg-statoverride --remove ${quote(file)} && dpkg-statoverride --add --update root root 0755 ${quote(file)}`).status).toBe(
      0,
    );
    expect(sh(dopdOverrideSet(file)).status).not.toBe(0);
    expect(sh(dopdOverrideCommand(file))).toMatchObject({ status: 0 });
    expect(readFileSync(join(dir, 'admin', 'statoverride'), 'utf8').trim()).toBe(`root root 4750 ${file}`);
    expect(statSync(file).mode & 0o7777).toBe(0o4750);
  });
});
