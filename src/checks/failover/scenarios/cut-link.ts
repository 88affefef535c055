/**
 * `cut-link`: the active twin's network goes away while everything on it keeps running.
 * It loses quorum and must stop its resources; the other side must take over. On the
 * lab the cable is pulled; on real nodes the link goes down with the undo already
 * scheduled on the node (vars.failover.cut_seconds).
 */
import type { Scenario } from '../scenario.js';

export const cutLink: Scenario = {
  name: 'cut-link',
  summary: "take the active twin's network link down (lab: pull the cable; real nodes: ip link down with an undo timer)",
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'move',
  budget: 'node-loss',
  async inject(ctx) {
    ctx.log(`cutting ${ctx.target.name}'s link`);
    await ctx.faults.cut(ctx.target);
  },
  async undo(ctx) {
    await ctx.faults.uncut(ctx.target);
  },
};
