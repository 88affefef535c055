import { describe, expect, it } from 'vitest';
import { timingFacts } from '../../../src/checks/drift/timing.js';
import { detectionMs } from '../../../src/checks/failover/budget.js';
import { driverOf, isStack, STACK_NAMES, STACKS } from '../../../src/stack/driver.js';
import { example } from '../drift/helpers.js';

describe('stack drivers', () => {
  it('one driver per stack name, each naming itself', () => {
    expect(STACK_NAMES).toEqual(['pacemaker', 'heartbeat']);
    for (const name of STACK_NAMES) expect(STACKS[name].name).toBe(name);
    expect([isStack('heartbeat'), isStack('toString'), isStack('openais')]).toEqual([true, false, false]);
  });

  it('packages per role: pacemaker on every voter, heartbeat on the twins only', () => {
    const p = example('example-pacemaker-drbd-kvm');
    expect(driverOf(p).packages(p, p.arbitrator!)).toEqual(['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents']);
    expect(driverOf(p).packages(p, p.master)).toEqual(
      expect.arrayContaining(['corosync', 'drbd-utils', 'nfs-kernel-server', 'libvirt-daemon-system']),
    );
    const h = example('example-heartbeat-xen');
    expect(driverOf(h).packages(h, h.arbitrator!)).toEqual([]);
    expect(driverOf(h).packages(h, h.master).slice(0, 2)).toEqual(['heartbeat', 'resource-agents']);
  });

  it("one effective timing: the failover budget and drift's rules read the same figure", () => {
    // the lab: 3 voters, token 3000 (+650 for the third node), consensus 3600
    const lab = example('lab');
    expect(driverOf(lab).effectiveTiming(lab)).toMatchObject({
      layer: 'corosync',
      tokenMs: 3000,
      runtimeTokenMs: 3650,
      consensusMs: 3600,
      detectionMs: 7250,
    });
    expect(detectionMs(lab)).toEqual({ ms: 7250, basis: 'token 3650 + consensus 3600' });
    expect(timingFacts(lab).detectionMs).toBe(7250);
    // a passthrough token counts for both
    const pass = example('lab', (y) => `${y}\nvars:\n  corosync: { totem: { token: 5000, consensus: 6000 } }\n`);
    expect(detectionMs(pass).ms).toBe(5650 + 6000);
    const hb = example('lab-heartbeat');
    expect(detectionMs(hb)).toEqual({ ms: hb.timing.deadtime * 1000, basis: `deadtime ${hb.timing.deadtime * 1000}` });
  });
});
