import { describe, expect, it } from 'vitest';
import { analyseProbes, inquorateHold } from '../../../src/checks/failover/analyse.js';
import { budgetFor, detectionMs } from '../../../src/checks/failover/budget.js';
import { type JudgeInput, judge } from '../../../src/checks/failover/judge.js';
import type { ClusterModel } from '../../../src/inventory/model.js';
import { sample } from './fixtures.js';

const cluster = (o: Partial<ClusterModel> = {}): ClusterModel =>
  ({
    name: 'lab',
    stack: 'pacemaker',
    nodes: [],
    links: [{ network: 'public' }],
    vars: {},
    stonith: { enabled: false },
    timing: { token: 1000, consensus: 1200, keepalive: 1, warntime: 3, deadtime: 5, initdead: 10, monitorInterval: 5 },
    ...o,
  }) as ClusterModel;

describe('budgetFor', () => {
  it('node loss: corosync token + consensus (+ fencing) + recovery', () => {
    expect(budgetFor('node-loss', cluster())).toEqual({ ms: 7200, basis: 'token 1000 + consensus 1200 + recovery 5000 ms' });
    // the fence device's random race delay (hactl's default pcmk_delay_max 15 s, or the inventory's) is part of it
    expect(budgetFor('node-loss', cluster({ stonith: { enabled: true, agent: 'fence_lab' } })).ms).toBe(25200);
    expect(
      budgetFor('node-loss', cluster({ stonith: { enabled: true, agent: 'fence_lab', params: { pcmk_delay_max: '2s' } } })).basis,
    ).toBe('token 1000 + consensus 1200 + fencing 3000 + fence delay 2000 + recovery 5000 ms');
    expect(budgetFor('node-loss', cluster({ stack: 'heartbeat', stonith: { enabled: true, agent: 'external/ipmi' } })).ms).toBe(13000);
  });
  it('node loss with a QNetd arbitrator: the qdevice vote round (corosync-qdevice timeout 10000) has its own term', () => {
    const qd = cluster({ qdevice: { algorithm: 'ffsplit' } });
    expect(budgetFor('node-loss', qd)).toEqual({
      ms: 17200,
      basis: 'token 1000 + consensus 1200 + qdevice vote round 10000 + recovery 5000 ms',
    });
    expect(budgetFor('node-loss', { ...qd, stonith: { enabled: true, agent: 'fence_lab', params: { pcmk_delay_max: '2s' } } }).basis).toBe(
      'token 1000 + consensus 1200 + qdevice vote round 10000 + fencing 3000 + fence delay 2000 + recovery 5000 ms',
    );
    // only node loss waits for the vote: a planned move or a restart in place does not
    expect(budgetFor('planned-move', qd).ms).toBe(8000);
    expect(budgetFor('service-restart', qd).ms).toBe(10000);
  });
  it('heartbeat: deadtime + recovery', () => {
    expect(budgetFor('node-loss', cluster({ stack: 'heartbeat' }))).toEqual({ ms: 10000, basis: 'deadtime 5000 + recovery 5000 ms' });
    expect(detectionMs(cluster({ stack: 'heartbeat' })).ms).toBe(5000);
  });
  it('service restart: the monitor interval + recovery; planned move; no outage; --budget wins', () => {
    expect(budgetFor('service-restart', cluster()).ms).toBe(10000);
    expect(budgetFor('planned-move', cluster()).ms).toBe(8000);
    expect(budgetFor('no-outage', cluster()).ms).toBe(1000);
    expect(budgetFor('node-loss', cluster(), 15000)).toEqual({ ms: 15000, basis: '--budget' });
  });
});

const base = (o: Partial<JudgeInput> = {}): JudgeInput => ({
  scenario: 'kill-stack',
  expect: 'move',
  active: 'master',
  passive: 'slave',
  after: 'slave',
  analysis: analyseProbes([
    { t: 0, ms: 1, ok: false, error: 'timeout' },
    { t: 4000, ms: 2, ok: true },
  ]),
  budget: { ms: 7200, basis: 'x' },
  timedOut: false,
  restored: true,
  restoreNotes: [],
  findings: [],
  fencing: true,
  ...o,
});

describe('judge', () => {
  it('passes a move within budget that was restored', () => {
    expect(judge(base())).toEqual({ verdict: 'pass', reasons: [] });
  });
  it('split brain is a failure, never a pass, and says why', () => {
    const r = judge(
      base({
        fencing: false,
        splitBrain: { reason: 'the VIP was configured on master and slave', nodes: ['master', 'slave'], since: 0, ms: 3000 },
      }),
    );
    expect(r.verdict).toBe('fail');
    expect(r.reasons[0]).toMatch(/^SPLIT BRAIN: the VIP was configured on master and slave: without fencing/);
  });
  it('a lost twin without fencing is never a pass, even with no overlap seen (issue #18); with fencing it passes', () => {
    const lost = { lostTwin: true, target: 'master' };
    expect(judge(base({ ...lost, fencing: true })).verdict).toBe('pass');
    const r = judge(base({ ...lost, fencing: false }));
    expect(r.verdict).toBe('fail');
    expect(r.reasons).toEqual([
      expect.stringMatching(/^data at risk: no fencing: master was lost and nothing made sure .*cluster\.stonith/),
    ]);
    // split-twins: either twin may keep the service, the wording names no single loser
    const one = judge(base({ ...lost, scenario: 'split-twins', expect: 'one', after: 'master', fencing: false }));
    expect(one.reasons).toEqual([expect.stringMatching(/^data at risk: no fencing: the twins lost each other/)]);
    // a split brain says it already, once
    const split = judge(
      base({ ...lost, fencing: false, splitBrain: { nodes: ['master', 'slave'], reason: 'the VIP on both', since: 0, ms: 1 } }),
    );
    expect(split.reasons.filter((x) => /fencing/.test(x))).toHaveLength(1);
    // a scenario that loses no twin (kill-service, switchover) is judged as before
    expect(judge(base({ fencing: false })).verdict).toBe('pass');
  });
  it('fails over budget, a wrong end place, an open outage, no restore, changed data', () => {
    expect(judge(base({ budget: { ms: 3000, basis: 'token' } })).reasons).toEqual(['downtime 4.0 s exceeds the budget of 3.0 s (token)']);
    expect(judge(base({ after: 'master' })).reasons).toEqual(['the resources did not move to slave: on master']);
    expect(judge(base({ expect: 'stay', after: 'slave' })).reasons[0]).toMatch(/nothing should have moved from master/);
    const open = analyseProbes([{ t: 0, ms: 1, ok: false, error: 'timeout' }]);
    expect(judge(base({ analysis: open })).reasons[0]).toMatch(/did not answer again/);
    expect(judge(base({ restored: false, restoreNotes: ['x'] })).reasons).toEqual(['the cluster could not be restored: x']);
    expect(judge(base({ dataIntact: false })).reasons).toEqual(['the data check differs before and after']);
  });
});

// issue #18: seen on a lab, split-twins left the master alone and inquorate, still serving,
// while the slave and the arbitrator kept it in their view: no outage, nobody fenced
describe('a twin serving without quorum', () => {
  const alone = (t: number, o = {}) => sample(t, 'master', { vip: true, quorate: false, members: ['master'], ...o });
  it('measures the longest stretch of VIP held while not quorate; any other poll ends it', () => {
    const samples = [
      sample(0, 'master', { vip: true, quorate: true }),
      alone(1000),
      alone(2000),
      alone(3000, { reachable: false }), // unanswered: ends the stretch
      alone(4000),
      alone(9000),
      sample(9300, 'slave', { quorate: true }),
      alone(9600, { vip: false }), // stopped: no-quorum-policy did its job
    ];
    expect(inquorateHold(samples, ['master', 'slave'])).toEqual({ node: 'master', since: 4000, ms: 5000 });
    expect(inquorateHold([sample(0, 'master', { vip: true })], ['master', 'slave'])).toBeUndefined(); // heartbeat: no quorum view
    expect(inquorateHold([alone(0), alone(500, { quorate: true })], ['master', 'slave'])).toEqual({ node: 'master', since: 0, ms: 0 });
  });
  it('is a failure past the budget, data at risk, even without an outage; within it, no finding', () => {
    const after = { after: 'master', expect: 'one' as const, scenario: 'split-twins' };
    const r = judge(base({ ...after, inquorate: { node: 'master', since: 0, ms: 41_000 } }));
    expect(r.verdict).toBe('fail');
    expect(r.reasons).toEqual([
      'master kept the floating IP 41.0 s without quorum (its own corosync said so), longer than the budget of 7.2 s: ' +
        'no-quorum-policy did not stop it and nobody fenced it; the quorate side may take the service over while it still serves: data at risk',
    ]);
    expect(judge(base({ ...after, inquorate: { node: 'master', since: 0, ms: 3000 } }))).toEqual({ verdict: 'pass', reasons: [] });
  });
});
