import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { problemsIn } from './helpers.js';

/** A two-node inventory (plus an arbitrator when asked) with `stonith:` as given, indented under cluster:. */
function inv(stonith: string, o: { stack?: string; arbitrator?: boolean; extra?: string } = {}): string {
  return [
    'cluster:',
    '  name: mini',
    `  stack: ${o.stack ?? 'pacemaker'}`,
    '  network: 10.1.0.0/24',
    '  floating_ips: [10.1.0.100]',
    ...stonith.split('\n').map((l) => `  ${l}`),
    'nodes:',
    '  - { name: alpha, address: 10.1.0.11, role: master }',
    '  - { name: beta, address: 10.1.0.12, role: slave }',
    ...(o.arbitrator ? ['  - { name: gamma, address: 10.1.0.13, role: arbitrator }'] : []),
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n');
}

const problems = (text: string) => problemsIn(text, 'sbd.yaml');

describe('cluster.stonith.sbd', () => {
  it('diskless with an arbitrator: defaults filled, no agent needed', () => {
    const m = parseInventory(inv('stonith:\n  enabled: true\n  sbd: {}', { arbitrator: true }), 'sbd.yaml');
    expect(m.stonith).toEqual({ enabled: true, sbd: { devices: [], watchdog: '/dev/watchdog', watchdogTimeout: 5, softdog: 'auto' } });
  });

  it('disk-based: devices and timeouts as written', () => {
    const m = parseInventory(
      inv(
        'stonith:\n  enabled: true\n  sbd: { devices: [/dev/disk/by-id/sbd1], watchdog: /dev/watchdog1, watchdog_timeout: 10, softdog: never }',
      ),
      'sbd.yaml',
    );
    expect(m.stonith.sbd).toEqual({ devices: ['/dev/disk/by-id/sbd1'], watchdog: '/dev/watchdog1', watchdogTimeout: 10, softdog: 'never' });
  });

  it('diskless with two voters and no arbitrator is refused, saying why', () => {
    const p = problems(inv('stonith:\n  enabled: true\n  sbd: { devices: [] }'));
    expect(p).toHaveLength(1);
    expect(p[0]!.field).toBe('cluster.stonith.sbd');
    expect(p[0]!.location).toMatch(/^sbd\.yaml:\d+:\d+$/);
    expect(p[0]!.message).toContain('loses quorum resets itself');
    expect(p[0]!.message).toContain('two nodes alone cannot have quorum safely');
    expect(p[0]!.hint).toContain('role: arbitrator');
  });

  it('is refused on heartbeat, naming the field', () => {
    const p = problems(inv('stonith:\n  enabled: true\n  agent: external/ipmi\n  sbd: {}', { stack: 'heartbeat' }));
    expect(p.map((x) => x.field)).toEqual(['cluster.stonith.sbd']);
    expect(p[0]!.message).toBe('cluster.stonith.sbd is Pacemaker only: heartbeat has no SBD integration');
  });

  it('heartbeat watchdog on pacemaker: did you mean sbd.watchdog', () => {
    const p = problems(inv('stonith:\n  enabled: true\n  agent: fence_lab\n  watchdog: /dev/watchdog'));
    expect(p[0]).toMatchObject({
      field: 'cluster.stonith.watchdog',
      hint: expect.stringContaining('did you mean `cluster.stonith.sbd.watchdog`'),
    });
  });

  it('heartbeat takes cluster.stonith.watchdog', () => {
    const m = parseInventory(inv('stonith:\n  enabled: false\n  watchdog: /dev/watchdog', { stack: 'heartbeat' }), 'sbd.yaml');
    expect(m.stonith.watchdog).toBe('/dev/watchdog');
  });

  it('needs fencing enabled; disk SBD refuses a second agent; duplicate devices', () => {
    const p = problems(inv('stonith:\n  enabled: false\n  agent: fence_lab\n  sbd: { devices: [/dev/sdb, /dev/sdb] }'));
    expect(p.map((x) => x.field)).toEqual(['cluster.stonith.enabled', 'cluster.stonith.agent', 'cluster.stonith.sbd.devices[1]']);
  });

  it('more than 3 devices is a schema error', () => {
    const p = problems(inv('stonith:\n  enabled: true\n  sbd: { devices: [/dev/a, /dev/b, /dev/c, /dev/d] }'));
    expect(p[0]!.field).toBe('cluster.stonith.sbd.devices');
  });

  it('timings chain: a declared stonith-timeout must outlast the watchdog wait; stonith-watchdog-timeout is derived', () => {
    const extra = 'pacemaker:\n  properties: { stonith-timeout: 10s, stonith-watchdog-timeout: 20 }';
    const p = problems(inv('stonith:\n  enabled: true\n  sbd: { watchdog_timeout: 5 }', { arbitrator: true, extra }));
    expect(p.map((x) => x.field).sort()).toEqual(['pacemaker.properties.stonith-timeout', 'pacemaker.properties.stonith-watchdog-timeout']);
    expect(p.find((x) => x.field === 'pacemaker.properties.stonith-timeout')!.message).toContain(
      'stonith-timeout (10 s) must be longer than stonith-watchdog-timeout (10 s)',
    );
    expect(
      problems(
        inv('stonith:\n  enabled: true\n  sbd: {}', { arbitrator: true, extra: 'pacemaker:\n  properties: { stonith-timeout: 30s }' }),
      ),
    ).toEqual([]);
  });
});
