/** `switchover`: the planned move an operator makes for maintenance, there and back. */
import { moveResources } from '../actions.js';
import type { Scenario } from '../scenario.js';

export const switchover: Scenario = {
  name: 'switchover',
  summary: 'planned move of the resources to the other twin (crm_resource --move / hb_standby), then back',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  // it ends where it started: both moves are part of the scenario
  expect: 'stay',
  budget: 'planned-move',
  detect: () => undefined,
  async inject(ctx) {
    await moveResources(ctx, ctx.active, ctx.passive);
    await moveResources(ctx, ctx.passive, ctx.active);
  },
  async undo() {
    /* nothing to undo: the move back is part of the scenario */
  },
};
