/** `poweroff`: hard stop of the active twin (the lab's power switch, or the inventory's power command). */
import type { Scenario } from '../scenario.js';

export const poweroff: Scenario = {
  name: 'poweroff',
  summary: 'hard power-off of the active twin (lab, or vars.failover.power commands)',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'move',
  lostTwin: true,
  budget: 'node-loss',
  unavailable: ({ faults }) => faults.noPower,
  async inject(ctx) {
    ctx.log(`powering ${ctx.target.name} off`);
    await ctx.faults.poweroff(ctx.target);
  },
  async undo(ctx) {
    await ctx.faults.poweron(ctx.target);
  },
};
