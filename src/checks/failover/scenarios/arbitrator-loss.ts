/**
 * `arbitrator-loss`: the arbitrator goes away (lab: powered off; real nodes: its link
 * goes down with an undo timer). The twins keep 2 of 3 votes: nothing may move, quorum
 * must hold, clients must not notice.
 */
import { allNetworks } from '../../../inventory/model.js';
import { detectionMs } from '../budget.js';
import type { Scenario } from '../scenario.js';

export const arbitratorLoss: Scenario = {
  name: 'arbitrator-loss',
  summary: 'the arbitrator goes away (lab: power-off; real nodes: link down with an undo timer); nothing may move',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'arbitrator',
  expect: 'stay',
  budget: 'no-outage',
  unavailable: ({ cluster }) => (cluster.arbitrator ? undefined : 'the inventory has no arbitrator'),
  // long enough for the loss to be detected and for a monitor round to run after it
  observeMs: (c) => detectionMs(c).ms + c.timing.monitorInterval * 1000 + 2000,
  judge(samples, ctx, faultAt) {
    // only corosync reports quorum (Heartbeat's samples have none: `quorate` undefined)
    const lost = samples.find((s) => s.t >= faultAt && s.node !== ctx.target.name && s.reachable && s.quorate === false);
    return lost ? [`quorum lost on ${lost.node} ${((lost.t - faultAt) / 1000).toFixed(1)} s after the arbitrator went away`] : [];
  },
  async inject(ctx) {
    const t = ctx.target;
    ctx.log(`taking the arbitrator ${t.name} away`);
    if (ctx.faults.kind.startsWith('lab')) await ctx.faults.poweroff(t);
    else await ctx.faults.cut(t, allNetworks(ctx.cluster));
  },
  async undo(ctx) {
    if (ctx.faults.kind.startsWith('lab')) await ctx.faults.poweron(ctx.target);
    else await ctx.faults.uncut(ctx.target, allNetworks(ctx.cluster));
  },
};
