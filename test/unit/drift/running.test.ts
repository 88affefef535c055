import { describe, expect, it } from 'vitest';
import {
  corosyncRunningItems,
  drbdRunningItems,
  hbMillis,
  heartbeatRunningItems,
  totemFileKeys,
} from '../../../src/checks/drift/running.js';

// The daemons' running values against their files (what a handler that never ran leaves).
describe('running values versus files', () => {
  it('heartbeat: cl_status hbparameter against ha.cf, in the same units', () => {
    expect(hbMillis('10')).toBe(10_000);
    expect(hbMillis('500ms')).toBe(500);
    expect(hbMillis('2s')).toBe(2000);
    expect(hbMillis('x')).toBeUndefined();
    const out =
      'run keepalive 1\nrun warntime 5\nrun deadtime 10\nrun initdead 30\nfile keepalive 1000ms\nfile warntime 5\nfile deadtime 12\nfile initdead 30\n';
    expect(heartbeatRunningItems('slave', out)).toEqual([
      expect.objectContaining({
        kind: 'cluster',
        host: 'slave',
        subject: 'running heartbeat deadtime',
        message: 'heartbeat runs with deadtime 10 s, /etc/ha.d/ha.cf says 12 s: the file was changed without a restart',
      }),
    ]);
    // heartbeat not running: only the file lines, nothing to compare
    expect(heartbeatRunningItems('slave', 'file deadtime 12\n')).toEqual([]);
  });

  it('corosync: corosync-cmapctl totem. against the top-level numbers of totem {} (interface blocks skipped)', () => {
    const conf =
      'totem {\n  version: 2\n  cluster_name: lab\n  token: 1000 # ms\n  consensus: 1200\n  interface {\n    linknumber: 0\n  }\n}\n';
    expect([...totemFileKeys(conf)]).toEqual([
      ['version', '2'],
      ['token', '1000'],
      ['consensus', '1200'],
    ]);
    const run =
      'run totem.token (u32) = 3000\nrun totem.consensus (u32) = 1200\nrun totem.version (u32) = 2\nrun totem.cluster_name (str) = lab\n';
    const items = corosyncRunningItems('master', `${run}@@file\n${conf}`);
    expect(items.map((i) => i.message)).toEqual([
      'corosync runs with totem.token 3000, /etc/corosync/corosync.conf says 1000: the file was changed without a reload',
    ]);
    expect(corosyncRunningItems('master', `@@file\n${conf}`)).toEqual([]); // not running
  });

  it('drbd: a dry-run adjust that would do something is drift; no module, nothing to say', () => {
    expect(drbdRunningItems('master', 'no-drbd-module\n')).toEqual([]);
    expect(drbdRunningItems('master', '@@rc 0\n')).toEqual([]);
    const items = drbdRunningItems('master', 'drbdsetup net-options r0 1 --ping-timeout=10\n@@rc 0\n');
    expect(items[0]).toMatchObject({
      subject: 'running drbd',
      message: expect.stringMatching(/adjust would run 1 command\(s\): drbdsetup net-options r0 1 --ping-timeout=10$/),
    });
    expect(drbdRunningItems('master', '@@rc 124\n')[0]!.message).toMatch(/timed out/);
  });
});
