/**
 * `cut-link`: the active twin's network goes away while everything on it keeps running.
 * It loses quorum and must stop its resources; the other side must take over. On the
 * lab the cable is pulled; on real nodes the link goes down with the undo already
 * scheduled on the node (vars.failover.cut_seconds). With several links (cluster.links),
 * every link is cut unless `--link` names some: cutting some but not all of them must move
 * nothing and cost no outage, since the others carry the membership.
 */
import { detectionMs } from '../budget.js';
import type { FailoverEnv, Scenario, ScenarioContext } from '../scenario.js';

/** The networks this run cuts: `--link`, else every link. */
const cutNetworks = (env: Pick<FailoverEnv, 'cluster' | 'links'>): readonly string[] =>
  env.links ?? env.cluster.links.map((l) => l.network);

export const cutLink: Scenario = {
  name: 'cut-link',
  summary:
    "take the active twin's network links down (lab: pull the cables; real nodes: ip link down with an undo timer); " +
    '--link NAME cuts only those: with another link left nothing may move',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'move',
  budget: 'node-loss',
  adapt(env) {
    const cut = cutNetworks(env);
    if (env.cluster.links.every((l) => cut.includes(l.network))) return this;
    return {
      ...this,
      expect: 'stay',
      budget: 'no-outage',
      // long enough for the lost link to be noticed and for a monitor round after it
      observeMs: (c) => detectionMs(c).ms + c.timing.monitorInterval * 1000 + 2000,
    };
  },
  async inject(ctx: ScenarioContext) {
    const cut = cutNetworks(ctx);
    ctx.log(`cutting ${ctx.target.name}'s link${cut.length > 1 ? 's' : ''} on ${cut.join(', ')}`);
    await ctx.faults.cut(ctx.target, cut);
  },
  async undo(ctx: ScenarioContext) {
    await ctx.faults.uncut(ctx.target, cutNetworks(ctx));
  },
};
