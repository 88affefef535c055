/**
 * After a scenario: undo the fault, bring every node back (power on, stack started on a
 * clean node), clear fail-counts, move the resources back when the inventory says so,
 * and wait until the cluster is healthy again.
 */

import { quote } from '../../core/shell.js';
import { CRM_MON, clusterFormed } from '../../facts/crm-mon.js';
import type { Stack } from '../../inventory/model.js';
import { allNetworks } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import { clStatus } from '../../stack/heartbeat.js';
import { vipHolders } from './actions.js';
import { type MoveOutcome, moveTo, safeMove } from './move-back.js';
import { sleep, until } from './nodes.js';
import { checkHealth, DRBD_STATUS, drbdInSyncOf, type Health, waitHealthy } from './preflight.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import { startService } from './stacks.js';

export interface RestoreResult {
  ok: boolean;
  notes: string[];
  health: Health;
  /** the move back to the master, when one was needed (its failure leaves the service where it ran) */
  moveBack?: MoveOutcome;
}

/**
 * Restores the cluster after `scenario` (without one: every node's link plugged back in,
 * e.g. after an interrupted run); never throws (what failed is in `notes`). The repair
 * runs in rounds: a stack can die after it rejoined (Heartbeat restarts a node that comes
 * back from a partition), so an unhealthy result is repaired again, up to three times.
 * @example const r = await restore(ctx, killStack, connector); if (!r.ok) console.log(r.notes);
 */
export async function restore(
  ctx: ScenarioContext,
  scenario: Scenario | undefined,
  connector: Connector,
  timeoutMs = 180_000,
): Promise<RestoreResult> {
  const notes: string[] = [];
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      notes.push(`${what}: ${(err as Error).message}`);
    }
  };
  if (scenario) await step(`undoing ${scenario.name}`, () => scenario.undo(ctx));
  else
    for (const n of ctx.cluster.nodes)
      await step(
        `reconnecting ${n.name}`,
        async () => void ((await ctx.faults.isOn(n)) && (await ctx.faults.uncut(n, allNetworks(ctx.cluster)))),
      );
  const expectOn = ctx.settings.moveBack ? ctx.cluster.master.name : undefined;
  const end = Date.now() + timeoutMs;
  let health: Health = { ok: false, checks: [] };
  let moved: MoveOutcome | undefined;
  for (let round = 1; round <= 3 && !health.ok && !ctx.signal.aborted; round++) {
    if (round > 1) ctx.log(`not healthy yet (${failing(health)}): repairing again`);
    await step('powering nodes on', () => powerOn(ctx));
    await step('starting the cluster stack', () => startStacks(ctx));
    await step('waiting for the members', () => waitMembers(ctx));
    await step('releasing a VIP held twice', () => cureDoubleVip(ctx));
    if (ctx.ops.cleanup)
      await step('clearing fail-counts', async () => void (await ctx.runner.exec(ctx.cluster.master, ctx.ops.cleanup!, 90_000)));
    // one move back per restore: a move back that failed left the service where it runs,
    // and trying again would only cost clients another outage (issue #19)
    if (ctx.settings.moveBack && moved?.status !== 'kept' && moved?.status !== 'down') {
      // a rejoined twin resyncs first: moved before, its promotion would wait for the
      // resync while clients wait too (the health check below needs the sync anyway)
      await step('waiting for DRBD to be in sync before moving back', () => waitDrbdSynced(ctx, 300_000 * ctx.runner.factor));
      await step('moving the resources back', async () => void (moved = (await moveBack(ctx)) ?? moved));
      if (moved && moved.status !== 'moved' && moved.status !== 'already') {
        // the service runs where it ran (or nowhere, said loudly): one look, no more rounds;
        // the failed start stays in crm_mon to tell the operator why
        notes.push(moved.message, ...moved.reasons);
        health = await checkHealth(ctx.cluster, connector, ctx.runner, {});
        break;
      }
    }
    health = await waitHealthy(
      ctx.cluster,
      connector,
      ctx.runner,
      { expectOn },
      Math.max(10_000, Math.min(60_000, end - Date.now())),
      ctx.signal,
    );
    // healthy twice, 5 s apart: a peer may still restart itself after a partition healed
    if (health.ok) health = await sleep(5000).then(() => checkHealth(ctx.cluster, connector, ctx.runner, { expectOn }));
  }
  if (!health.ok) notes.push(`not healthy: ${failing(health)}`);
  const movedBack = moved === undefined || moved.status === 'moved' || moved.status === 'already';
  return { ok: health.ok && movedBack, notes: health.ok && movedBack ? [] : notes, health, moveBack: moved };
}

const failing = (h: Health): string =>
  h.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.check}: ${c.detail}`)
    .join('; ');

/**
 * Both twins hold the VIP with their stacks running (a partition healed without fencing):
 * the node the fault hit is cleaned and its stack restarted, the other keeps serving.
 */
async function cureDoubleVip(ctx: ScenarioContext): Promise<void> {
  const holders = await vipHolders(ctx);
  if (holders.length < 2) return;
  const n = ctx.target.role === 'master' || ctx.target.role === 'slave' ? ctx.target : ctx.cluster.master;
  ctx.log(`the VIP is on ${holders.join(' and ')}: cleaning ${n.name} and restarting its stack`);
  await ctx.runner.sh(n, ctx.ops.reset(ctx.cluster), 'cleaning the node', 30_000);
  await ctx.runner.sh(n, ctx.ops.start, 'starting the cluster stack', 60_000);
  await waitMembers(ctx);
}

/** Nodes that are off (fenced, or powered off by the scenario) are powered on. */
async function powerOn(ctx: ScenarioContext): Promise<void> {
  for (const n of ctx.cluster.nodes) {
    if (await ctx.faults.isOn(n)) continue;
    ctx.log(`powering ${n.name} on`);
    await ctx.faults.poweron(n);
  }
  const all = await until(
    async () => (await Promise.all(ctx.cluster.nodes.map((n) => ctx.runner.test(n, 'true', 3000)))).every(Boolean),
    120_000,
    1000,
    ctx.signal,
  );
  if (!all) throw new Error('not every node answers SSH after 120 s');
}

/** A node whose stack is not running is cleaned (no leftovers, no VIP, services stopped) and started. */
async function startStacks(ctx: ScenarioContext): Promise<void> {
  // a QNetd arbitrator runs no cluster stack, only corosync-qnetd: started where it stopped (a power-off)
  const arb = ctx.cluster.qdevice ? ctx.cluster.arbitrator : undefined;
  if (arb) await ctx.runner.exec(arb, startService('corosync-qnetd'), 30_000);
  await Promise.all(
    ctx.ops.runsStack(ctx.cluster).map(async (n) => {
      // no answer is not a dead stack (a busy node answers late): only a stack seen down is restarted
      const r = await ctx.runner.exec(n, ctx.ops.running, 10_000);
      if (!r || r.code === 0) return;
      ctx.log(`starting the cluster stack on ${n.name}`);
      await ctx.runner.sh(n, ctx.ops.reset(ctx.cluster), 'cleaning the node', 30_000);
      await ctx.runner.sh(n, ctx.ops.start, 'starting the cluster stack', 60_000);
    }),
  );
}

async function waitMembers(ctx: ScenarioContext): Promise<void> {
  await REJOIN[ctx.cluster.stack].waitMembers(ctx);
}

/** How a restore sees the nodes back in the cluster, per stack (typed over the stack names). */
interface StackRejoin {
  /** waits until every node that runs the stack is a member again (with quorum, where the stack has one) */
  waitMembers(ctx: ScenarioContext): Promise<void>;
  /** how long the stack may take to move the resources back by itself once the master is back (undefined: it never does) */
  selfFailbackMs(c: ScenarioContext['cluster']): number | undefined;
}

const REJOIN: { readonly [S in Stack]: StackRejoin } = {
  pacemaker: {
    async waitMembers(ctx) {
      const formed = clusterFormed(ctx.ops.runsStack(ctx.cluster).map((n) => n.name));
      let last: true | string = 'not read yet';
      const ok = await until(
        async () => {
          const r = await ctx.runner.exec(ctx.cluster.master, CRM_MON.command, 10_000);
          last = formed(r ? CRM_MON.parse(r.stdout, r.code) : undefined);
          return last === true;
        },
        150_000,
        1000,
        ctx.signal,
      );
      if (!ok) throw new Error(`not every member online with quorum after 150 s: ${last}`);
    },
    // stickiness 200 > master preference 100: no automatic fail-back (docs/architecture.md)
    selfFailbackMs: () => undefined,
  },
  heartbeat: {
    async waitMembers(ctx) {
      const c = ctx.cluster;
      const ok = await until(
        async () => {
          const status = (n: string): string => clStatus(`nodestatus ${quote(n)}`);
          const r = await ctx.runner.exec(c.master, `${status(c.slave.name)}; ${status(c.master.name)}`, 5000);
          return r?.stdout.split('\n').filter((l) => l.trim() === 'active').length === 2;
        },
        120_000,
        1000,
        ctx.signal,
      );
      if (!ok) throw new Error('heartbeat on the twins does not see both twins active after 120 s');
    },
    // auto_failback (the default) moves them back by itself once the master is back
    selfFailbackMs: (c) => (c.vars.auto_failback !== false ? (c.timing.deadtime + 15) * 1000 : undefined),
  },
};

/** Moves the resources back to the master in one safe move (move-back.ts); undefined when they are there. */
async function moveBack(ctx: ScenarioContext): Promise<MoveOutcome | undefined> {
  const c = ctx.cluster;
  const self = REJOIN[c.stack].selfFailbackMs(c);
  if (self !== undefined) await until(async () => (await vipHolders(ctx)).join() === c.master.name, self, 500, ctx.signal);
  const holders = await vipHolders(ctx);
  if (holders.length !== 1 || holders[0] === c.master.name) return undefined;
  // Ctrl-C during a scenario still restores: this move is not cut short by it
  const env = { ...ctx, signal: new AbortController().signal };
  return safeMove(env, moveTo(env, c.master, 'move back'));
}

/**
 * Waits until DRBD is Connected and UpToDate on both twins (as the master sees it), so a
 * move back is a plain move and not a wait for the resync with the service stopped.
 * Bounded: a resync that does not finish is noted, and the move back goes ahead.
 */
async function waitDrbdSynced(ctx: ScenarioContext, timeoutMs: number): Promise<void> {
  const c = ctx.cluster;
  if (!c.drbd.length) return;
  const names = new Map(c.drbd.map((d) => [d.minor, d.name]));
  let detail = '';
  const t0 = Date.now();
  const ok = await until(
    async () => {
      const v = drbdInSyncOf((await ctx.runner.exec(c.master, DRBD_STATUS, 10_000))?.stdout ?? '', names);
      detail = v.detail;
      return v.ok;
    },
    timeoutMs,
    2000,
    ctx.signal,
  );
  if (!ok) throw new Error(`DRBD not in sync after ${Math.round(timeoutMs / 1000)} s (${detail}); moving back anyway`);
  if (Date.now() - t0 > 2000) ctx.log(`DRBD in sync ${((Date.now() - t0) / 1000).toFixed(1)} s after the members were back: ${detail}`);
}
