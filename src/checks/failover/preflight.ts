/**
 * Is the cluster healthy enough to break on purpose? Every node reachable, all members
 * online with quorum, the resources together where expected, the VIP on exactly one
 * twin and answering, DRBD in sync where present, no failed actions. The smoke checks do
 * most of it; this adds what a failover test must know before it starts.
 */

import { holdsAddressCommand } from '../../facts/addresses.js';
import { DRBD_STATUS_COMMAND, parseDrbdSection } from '../../facts/drbd-status.js';
import type { ClusterModel, NodeModel } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import { drbdInSync } from '../drbd.js';
import { type SmokeCheck, smoke } from '../smoke.js';
import { type NodeRunner, until } from './nodes.js';

export interface Health {
  ok: boolean;
  checks: SmokeCheck[];
  /** the twin holding the VIP, when exactly one does */
  holder?: string;
}

export interface HealthOptions {
  /** the twin that must hold the resources (undefined: either, as long as it is one) */
  expectOn?: string;
}

/**
 * Checks the cluster; never throws for an unhealthy or unreachable cluster (the checks say
 * what is wrong).
 * @example
 *   const h = await checkHealth(cluster, connector, runner, { expectOn: cluster.master.name });
 *   if (!h.ok) console.log(h.checks.filter((c) => !c.ok));
 */
export async function checkHealth(c: ClusterModel, connector: Connector, runner: NodeRunner, o: HealthOptions = {}): Promise<Health> {
  const reach = await Promise.all(c.nodes.map(async (n) => ({ n, ok: await runner.test(n, 'true', 8000) })));
  const down = reach.filter((r) => !r.ok).map((r) => r.n.name);
  const checks: SmokeCheck[] = [
    {
      check: 'nodes reachable',
      ok: down.length === 0,
      detail: down.length ? `no SSH answer from ${down.join(', ')}` : `${c.nodes.length}/${c.nodes.length}`,
    },
  ];
  if (down.length) return { ok: false, checks };
  const [sm, holders, drbd] = await Promise.all([smokeChecks(c, connector), vipHolders(c, runner), drbdChecks(c, runner)]);
  checks.push(...sm, ...drbd);
  const holder = holders.length === 1 ? holders[0] : undefined;
  const where = holders.length ? holders.join(' and ') : 'no twin';
  const placed = holder !== undefined && (o.expectOn === undefined || holder === o.expectOn);
  checks.push({
    check: 'resources where expected',
    ok: placed,
    detail:
      holders.length > 1
        ? `the VIP is on BOTH ${where} (split brain)`
        : `VIP on ${where}${o.expectOn ? ` (expected on ${o.expectOn})` : ''}`,
  });
  return { ok: checks.every((k) => k.ok), checks, holder };
}

/**
 * Polls {@link checkHealth} until it passes or `timeoutMs` passes; returns the last result.
 * @example (await waitHealthy(cluster, connector, runner, { expectOn: 'master' }, 120_000)).ok
 */
export async function waitHealthy(
  c: ClusterModel,
  connector: Connector,
  runner: NodeRunner,
  o: HealthOptions,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Health> {
  let last: Health = { ok: false, checks: [] };
  await until(async () => (last = await checkHealth(c, connector, runner, o)).ok, timeoutMs, 2000, signal);
  return last;
}

/** The smoke checks, bounded: a node that stops answering half-way must not hold the test up. */
async function smokeChecks(c: ClusterModel, connector: Connector, timeoutMs = 45_000): Promise<SmokeCheck[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<SmokeCheck[]>(
    (r) =>
      (timer = setTimeout(() => r([{ check: 'smoke checks', ok: false, detail: `no result within ${timeoutMs / 1000} s` }]), timeoutMs)),
  );
  try {
    return await Promise.race([smoke(c, connector).then((s) => s.checks), late]);
  } catch (err) {
    return [{ check: 'smoke checks', ok: false, detail: (err as Error).message }];
  } finally {
    clearTimeout(timer);
  }
}

async function vipHolders(c: ClusterModel, runner: NodeRunner): Promise<string[]> {
  const vip = c.floatingIps[0];
  if (!vip) return [];
  const twins = [c.master, c.slave];
  const has = await Promise.all(twins.map((n) => runner.test(n, holdsAddressCommand(vip.address))));
  return twins.filter((_, i) => has[i]).map((n) => n.name);
}

/** DRBD's state as the facts read it (8.4's /proc/drbd, 9's `drbdadm status`), for {@link drbdInSyncOf}. */
export const DRBD_STATUS = DRBD_STATUS_COMMAND;

async function drbdChecks(c: ClusterModel, runner: NodeRunner): Promise<SmokeCheck[]> {
  if (!c.drbd.length) return [];
  const out: SmokeCheck[] = [];
  for (const n of [c.master, c.slave] as NodeModel[]) {
    const r = await runner.exec(n, DRBD_STATUS, 10_000);
    const v = drbdInSyncOf(r?.stdout ?? '', new Map(c.drbd.map((d) => [d.minor, d.name])));
    out.push({ check: `DRBD on ${n.name}`, ...v });
  }
  return out;
}

/**
 * {@link drbdInSync} of src/checks/drbd.ts over the raw output of {@link DRBD_STATUS}.
 * @example drbdInSyncOf(DRBD_STATUS output) // { ok: true, detail: 'r0 UpToDate on both sides' }
 */
export function drbdInSyncOf(out: string, names: Map<number, string> = new Map()): { ok: boolean; detail: string } {
  return drbdInSync(parseDrbdSection(out, names), out);
}
