import { describe, expect, it } from 'vitest';
import { type TimingFacts, timingFacts, timingItems } from '../../../src/checks/drift/timing.js';
import { example } from './helpers.js';

/** Pacemaker timing facts; detection and basis follow the token and consensus given. */
const pcmk = (over: Partial<Extract<TimingFacts, { layer: 'corosync' }>> = {}): TimingFacts => {
  const f = {
    stack: 'pacemaker',
    layer: 'corosync',
    budget: 30,
    tokenMs: 3000,
    runtimeTokenMs: 3650,
    consensusMs: 3600,
    monitorInterval: 5,
    monitorsResources: true,
    drbd: [],
    stonith: false,
    fenceDelay: 0,
    drbdUnfenced: [],
    ...over,
  } as const;
  return { ...f, detectionMs: f.runtimeTokenMs + f.consensusMs, basis: `token ${f.runtimeTokenMs} + consensus ${f.consensusMs}` };
};
const subjects = (f: TimingFacts): string[] => timingItems(f).map((i) => i.subject);

describe('timing facts: the values hactl renders', () => {
  it('the lab: token 3000 + 650 for the third node, consensus 1.2 × token, no DRBD', () => {
    expect(timingFacts(example('lab'))).toEqual(pcmk());
  });

  it('takes vars.corosync.totem passthrough over the inventory timing, and DRBD options over the template', () => {
    const c = example('example-pacemaker-drbd-kvm', (y) =>
      y.replace(
        /^vars:\n/m,
        'vars:\n  failover_budget: 12\n  corosync: { totem: { token: 9000 } }\n  drbd_options: { r1: { net: { ping-int: 20, timeout: 60 } } }\n',
      ),
    );
    const f = timingFacts(c);
    expect(f).toMatchObject({ budget: 12, tokenMs: 9000, runtimeTokenMs: 9650, consensusMs: 6000 });
    expect(f.drbd).toEqual([
      { name: 'r0', pingInt: 3, pingTimeout: 1, timeout: 2, connectInt: 10 },
      { name: 'r1', pingInt: 20, pingTimeout: 1, timeout: 6, connectInt: 10 },
    ]);
    expect(subjects(f)).toEqual(['corosync consensus', 'failover budget', 'drbd r1 failover budget', 'fence delay']);
  });

  it('heartbeat: deadtime decides, no corosync values', () => {
    const f = timingFacts(example('lab-heartbeat'));
    expect(f).toMatchObject({ stack: 'heartbeat', deadtime: 10 });
    expect(f).not.toHaveProperty('tokenMs');
  });
});

describe('fencing rules (issue #18)', () => {
  it('STONITH on with a DRBD resource whose fencing is off', () => {
    const c = example('example-pacemaker-drbd-kvm', (y) => y.replace(/^( *)- name: r1 .*$/m, '$&\n$1  fencing: off'));
    const f = timingFacts(c);
    expect(f).toMatchObject({ stonith: true, fenceDelay: 15, drbdUnfenced: ['r1'] });
    expect(timingItems(f).find((i) => i.subject === 'drbd fencing')?.message).toMatch(
      /^STONITH is on but DRBD r1 has fencing off: a twin cut from its peer may promote/,
    );
  });

  it('detection + the fence race delay over the budget', () => {
    expect(subjects(pcmk({ stonith: true, fenceDelay: 15 }))).toEqual([]);
    const late = timingItems(pcmk({ stonith: true, fenceDelay: 25 }));
    expect(late.map((i) => i.message)).toEqual([
      'a dead node is noticed after 7.25 s and fenced after up to 25 s more (pcmk_delay_max): 32.25 s, over the failover budget of 30 s',
    ]);
    // the inventory's own delay, in any unit Pacemaker reads
    const c = example('example-pacemaker-drbd-kvm', (y) => y.replace(/lanplus: 1/, 'lanplus: 1\n      pcmk_delay_max: 1min'));
    expect(timingFacts(c).fenceDelay).toBe(60);
  });
});

describe('timing rules', () => {
  it('the shipped examples contradict nothing', () => {
    for (const name of ['lab', 'lab-heartbeat', 'example-pacemaker-drbd-kvm', 'example-heartbeat-xen'] as const) {
      expect(timingItems(timingFacts(example(name))), name).toEqual([]);
    }
  });

  it('consensus below 1.2 × token (a passthrough token without its consensus)', () => {
    const [i] = timingItems(pcmk({ tokenMs: 5000, runtimeTokenMs: 5650, consensusMs: 3600 }));
    expect(i).toMatchObject({ kind: 'timing', subject: 'corosync consensus' });
    expect(i!.message).toMatch(/consensus 3600 ms is below 1.2 × token \(5000 ms\)/);
    expect(i!.hint).toMatch(/≥ 6000/);
  });

  it('corosync detection over the budget names the numbers', () => {
    const items = timingItems(pcmk({ budget: 5 }));
    expect(items.map((i) => i.message)).toEqual([
      'corosync notices a dead node after 7.25 s (token 3650 ms + consensus 3600 ms), over the failover budget of 5 s',
    ]);
  });

  it('DRBD: timeout must stay below ping-int and connect-int; a slow ping-int blows the budget and outlasts corosync', () => {
    const drbd = [{ name: 'r0', pingInt: 40, pingTimeout: 0.5, timeout: 6, connectInt: 5 }];
    const items = timingItems(pcmk({ drbd }));
    expect(items.map((i) => i.subject)).toEqual(['drbd r0 timeout', 'drbd r0 failover budget']);
    expect(items[0]!.message).toMatch(/timeout 6 s must be lower than ping-int \(40 s\) and connect-int \(5 s\)/);
    expect(items[1]!.message).toMatch(/after 40.5 s .* over the failover budget of 30 s \(and later than corosync, 7.25 s\)/);
  });

  it('heartbeat deadtime and the monitor interval against the budget', () => {
    expect(
      subjects({
        stack: 'heartbeat',
        layer: 'heartbeat',
        budget: 8,
        deadtime: 10,
        detectionMs: 10_000,
        basis: 'deadtime 10000',
        monitorInterval: 5,
        monitorsResources: false,
        drbd: [],
      }),
    ).toEqual(['failover budget']);
    expect(subjects(pcmk({ monitorInterval: 60 }))).toEqual(['monitor interval']);
  });
});
