/**
 * After a scenario: undo the fault, bring every node back (power on, stack started on a
 * clean node), clear fail-counts, move the resources back when the inventory says so,
 * and wait until the cluster is healthy again.
 */
import type { Connector } from '../../runtime/connector.js';
import { waitForClusterCommand } from '../../stack/pacemaker.js';
import { moveResources, vipHolders } from './actions.js';
import { until } from './nodes.js';
import { waitHealthy, type Health } from './preflight.js';
import type { Scenario, ScenarioContext } from './scenario.js';

export interface RestoreResult {
  ok: boolean;
  notes: string[];
  health: Health;
}

/** Restores the cluster after `scenario`; never throws (what failed is in `notes`). */
export async function restore(ctx: ScenarioContext, scenario: Scenario, connector: Connector, timeoutMs = 180_000): Promise<RestoreResult> {
  const notes: string[] = [];
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      notes.push(`${what}: ${(err as Error).message}`);
    }
  };
  await step(`undoing ${scenario.name}`, () => scenario.undo(ctx));
  await step('powering nodes on', () => powerOn(ctx));
  await step('starting the cluster stack', () => startStacks(ctx));
  await step('waiting for the members', () => waitMembers(ctx));
  if (ctx.ops.cleanup) await step('clearing fail-counts', async () => void (await ctx.runner.exec(ctx.cluster.master, ctx.ops.cleanup!, 90_000)));
  if (ctx.settings.moveBack) await step('moving the resources back', () => moveBack(ctx));
  const expectOn = ctx.settings.moveBack ? ctx.cluster.master.name : undefined;
  const health = await waitHealthy(ctx.cluster, connector, ctx.runner, { expectOn }, timeoutMs);
  if (!health.ok) notes.push(`not healthy after ${Math.round(timeoutMs / 1000)} s: ${health.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`).join('; ')}`);
  return { ok: health.ok, notes, health };
}

/** Nodes that are off (fenced, or powered off by the scenario) are powered on. */
async function powerOn(ctx: ScenarioContext): Promise<void> {
  for (const n of ctx.cluster.nodes) {
    if (await ctx.faults.isOn(n)) continue;
    ctx.log(`powering ${n.name} on`);
    await ctx.faults.poweron(n);
  }
  const all = await until(async () => (await Promise.all(ctx.cluster.nodes.map((n) => ctx.runner.test(n, 'true', 3000)))).every(Boolean), 120_000, 1000, ctx.signal);
  if (!all) throw new Error('not every node answers SSH after 120 s');
}

/** A node whose stack is not running is cleaned (no leftovers, no VIP, services stopped) and started. */
async function startStacks(ctx: ScenarioContext): Promise<void> {
  await Promise.all(
    ctx.ops.runsStack(ctx.cluster).map(async (n) => {
      if (await ctx.runner.test(n, ctx.ops.running)) return;
      ctx.log(`starting the cluster stack on ${n.name}`);
      await ctx.runner.sh(n, ctx.ops.reset(ctx.cluster), 'cleaning the node', 30_000);
      await ctx.runner.sh(n, ctx.ops.start, 'starting the cluster stack', 60_000);
    }),
  );
}

async function waitMembers(ctx: ScenarioContext): Promise<void> {
  const c = ctx.cluster;
  if (c.stack === 'pacemaker') {
    const names = ctx.ops.runsStack(c).map((n) => n.name);
    await ctx.runner.sh(c.master, waitForClusterCommand(names, 150), 'waiting for every member online with quorum', 160_000);
    return;
  }
  const ok = await until(async () => {
    const r = await ctx.runner.exec(c.master, `cl_status nodestatus ${c.slave.name}; cl_status nodestatus ${c.master.name}`, 5000);
    return r?.stdout.split('\n').filter((l) => l.trim() === 'active').length === 2;
  }, 120_000, 1000, ctx.signal);
  if (!ok) throw new Error('heartbeat on the twins does not see both twins active after 120 s');
}

async function moveBack(ctx: ScenarioContext): Promise<void> {
  const c = ctx.cluster;
  // heartbeat with auto_failback moves them back by itself once the master is back
  if (c.stack === 'heartbeat' && c.vars.auto_failback !== false) {
    await until(async () => (await vipHolders(ctx)).join() === c.master.name, (c.timing.deadtime + 15) * 1000, 500, ctx.signal);
  }
  const holders = await vipHolders(ctx);
  if (holders.length === 1 && holders[0] !== c.master.name) await moveResources(ctx, c.slave, c.master);
}
