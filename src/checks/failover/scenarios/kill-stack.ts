/**
 * `kill-stack`: kill -9 of the membership layer on the active twin (corosync, or
 * heartbeat). Its resource manager and resources keep running there, so without fencing
 * the other twin takes the VIP while the first still has it: a split brain, reported as
 * such. With fencing the survivors power the node off first, and the scenario passes.
 */
import type { Scenario } from '../scenario.js';

export const killStack: Scenario = {
  name: 'kill-stack',
  summary: 'kill -9 the cluster stack (corosync / heartbeat) on the active twin',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'move',
  lostTwin: true,
  budget: 'node-loss',
  async inject(ctx) {
    ctx.log(`kill -9 ${ctx.ops.membershipDaemon} on ${ctx.target.name}`);
    await ctx.runner.sh(ctx.target, `${ctx.ops.kill}; true`, 'killing the cluster stack', 10_000);
  },
  async undo() {
    /* restore resets the node and starts its stack (or boots it, when it was fenced) */
  },
};
