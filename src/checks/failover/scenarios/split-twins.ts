/**
 * `split-twins`: only the link between the two twins is cut (a blackhole route to each
 * other on both, no firewall needed); both still reach the arbitrator and the control
 * host. Each may believe the other dead: exactly one must keep the service (either one),
 * the other fenced at most once, never both, and never both serving at once. The undo
 * removes the routes; a timer on each twin removes them anyway if the orchestrator is lost.
 *
 * Heartbeat with a serial cable (`cluster.serial`): the cable is no route, so the twins still
 * hear each other and nothing may move (no outage); DRBD's link is cut, so with DRBD fencing
 * the Primary's fence-peer handler reaches the peer's dopd over the cable, which outdates its disk.
 */

import { addressOn, allNetworks, type ClusterModel, type NodeModel } from '../../../inventory/model.js';
import { budgetFor } from '../budget.js';
import { partitionCommands } from '../partition.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

/** The peer's address on every network the cluster uses: cutting only one would leave a link between the twins. */
const addressesOf = (c: ClusterModel, n: NodeModel): string[] => allNetworks(c).flatMap((net) => addressOn(n, net) ?? []);

/** How long the twins' own timers keep them apart at most: well past the whole observation (s). */
const cutSeconds = (ctx: ScenarioContext): number =>
  Math.max(ctx.settings.cutSeconds, Math.ceil((4 * budgetFor('node-loss', ctx.cluster).ms) / 1000) + 30);

/** Each twin with its peer. */
const pairs = (ctx: ScenarioContext) =>
  [
    [ctx.active, ctx.passive],
    [ctx.passive, ctx.active],
  ] as const;

export const splitTwins: Scenario = {
  name: 'split-twins',
  summary: 'cut only the link between the twins (blackhole routes); both still reach the arbitrator: exactly one keeps the service',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'one',
  dataAtRisk: true,
  lostTwin: true,
  budget: 'node-loss',
  // long enough for the loss to be noticed, a twin fenced and the service recovered
  observeMs: (c) => budgetFor('node-loss', c).ms,
  adapt(env) {
    // (only Heartbeat has one: the inventory check refuses cluster.serial on corosync)
    if (!env.cluster.serial) return this;
    return {
      ...this,
      summary: `${this.summary}; here the serial cable (${env.cluster.serial.device}) still joins them: nothing moves`,
      expect: 'stay',
      budget: 'no-outage',
      // the twins never lose each other: no takeover to fence for
      lostTwin: false,
      dataAtRisk: false,
    };
  },
  async inject(ctx) {
    const secs = cutSeconds(ctx);
    ctx.log(`cutting the link between ${ctx.active.name} and ${ctx.passive.name} (blackhole routes, undone after ${secs} s at the latest)`);
    await Promise.all(
      pairs(ctx).map(([n, peer]) =>
        ctx.runner.sh(n, partitionCommands(addressesOf(ctx.cluster, peer), secs).cut, `cutting ${n.name}'s link to ${peer.name}`, 10_000),
      ),
    );
  },
  async undo(ctx) {
    // a fenced twin lost its routes with its power: no answer there is fine
    await Promise.all(pairs(ctx).map(([n, peer]) => ctx.runner.exec(n, partitionCommands(addressesOf(ctx.cluster, peer), 0).heal, 10_000)));
  },
};
