import { describe, expect, it } from 'vitest';
import { fencingCheck } from '../../src/checks/smoke.js';
import type { ClusterModel } from '../../src/inventory/model.js';

// Issue #18: diskless SBD fences with the watchdog, not a STONITH device: smoke passes on a
// positive live stonith-watchdog-timeout (set once sbd runs on every voter), fails without.
const sbd = (devices: string[]) => ({ devices, watchdog: '/dev/watchdog', watchdogTimeout: 10, softdog: 'auto' as const });
const stonith = (s: Partial<ClusterModel['stonith']>) => ({ stonith: { enabled: true, ...s } }) as Pick<ClusterModel, 'stonith'>;
const device = {
  id: 'fence-master',
  agent: 'stonith:fence_ipmilan',
  role: 'Started',
  active: true,
  failed: false,
  managed: true,
  nodes: ['slave'],
};

describe('smoke: fencing', () => {
  it('diskless SBD: the live stonith-watchdog-timeout is the fencing', () => {
    expect(fencingCheck(stonith({ sbd: sbd([]) }), [], '20s')).toEqual({
      check: 'fencing',
      ok: true,
      detail: 'diskless SBD: stonith-watchdog-timeout 20s (watchdog self-fencing, no device)',
    });
    for (const unset of [undefined, '', '0'])
      expect(fencingCheck(stonith({ sbd: sbd([]) }), [], unset)).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^diskless SBD, but stonith-watchdog-timeout is not set/),
      });
  });

  it('a fence device is still required without SBD, and with disk-based SBD', () => {
    expect(fencingCheck(stonith({}), [], '20s')).toMatchObject({ ok: false, detail: expect.stringMatching(/no STONITH device/) });
    expect(fencingCheck(stonith({ sbd: sbd(['/dev/vdc']) }), [], '0')).toMatchObject({ ok: false });
    expect(fencingCheck(stonith({ agent: 'fence_ipmilan' }), [device])).toMatchObject({ ok: true });
  });
});
