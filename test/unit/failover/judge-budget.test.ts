import { describe, expect, it } from 'vitest';
import { analyseProbes } from '../../../src/checks/failover/analyse.js';
import { budgetFor, detectionMs } from '../../../src/checks/failover/budget.js';
import { type JudgeInput, judge } from '../../../src/checks/failover/judge.js';
import type { ClusterModel } from '../../../src/inventory/model.js';

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
