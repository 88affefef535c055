import { readFileSync } from 'node:fs';
import { InputError, NodeError } from '../core/errors.js';
import { DRBD_STATUS_COMMAND, type DrbdState, parseDrbdSection } from '../facts/drbd-status.js';
import { addNodeToInventoryText, parseInventory, replaceNodeInInventoryText, writeInventoryEdit } from '../inventory/index.js';
import { type ClusterModel, probedService, type Role } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import type { RunSummary } from '../runtime/events.js';
import { replaceDecision, resyncState } from '../stack/drbd-safety.js';
import { driverOf } from '../stack/driver.js';
import { drbdProblems } from './drbd.js';
import { analyseProbes } from './failover/analyse.js';
import { Prober, serviceProbeTarget } from './failover/prober.js';
import { type SmokeReport, smoke } from './smoke.js';

export interface AddNodeRequest {
  name: string;
  address: string;
  role?: Role;
  /** the node this one replaces (it takes over the old one's role and place) */
  replace?: string;
  /** its addresses on the extra networks (`--address-on NETWORK=IP`) */
  addresses?: Record<string, string>;
}

export interface AddNodePlan {
  /** the node being added (or rebuilt under its own name) */
  name: string;
  before: ClusterModel;
  after: ClusterModel;
  /** the new inventory text (comments and formatting of the rest kept) */
  text: string;
  /** the node being replaced, if any */
  replaced?: string;
}

/**
 * Works out the new inventory and checks it before anything is touched: the name and
 * address are new, the result validates, and the quorum arithmetic still holds.
 *
 * @example
 *   const plan = planAddNode('inventory.yaml', { name: 'web3', address: '10.77.0.14', role: 'service' });
 *   plan.after.nodes.length === plan.before.nodes.length + 1
 */
export function planAddNode(file: string, req: AddNodeRequest): AddNodePlan {
  const original = readFileSync(file, 'utf8');
  const before = parseInventory(original, file);
  let text: string;
  if (req.replace) {
    const old = before.nodes.find((n) => n.name === req.replace);
    if (!old) {
      throw new InputError(`--replace ${req.replace}: no such node in ${file}`, {
        hint: `nodes are ${before.nodes.map((n) => n.name).join(', ')}`,
      });
    }
    if (req.addresses && Object.keys(req.addresses).length) {
      throw new InputError("--address-on is for a new node: a replacement takes over the old node's addresses on the extra networks", {
        hint: `edit nodes[].addresses of ${req.replace} in the inventory if they change`,
      });
    }
    if (req.name === req.replace) {
      // a rebuilt machine under its old name: same address, same node id, the inventory unchanged
      if (old.address !== req.address) {
        throw new InputError(`--replace ${old.name} under the same name keeps its address ${old.address}, not ${req.address}`, {
          hint:
            `give --address ${old.address}, or give the new machine a new name ` +
            `(add-node NEW --replace ${old.name} --address ${req.address})`,
        });
      }
      return { name: req.name, before, after: before, text: original, replaced: req.replace };
    }
    const nodeId = Math.max(...before.nodes.map((n) => n.nodeId)) + 1;
    text = replaceNodeInInventoryText(original, req.replace, { name: req.name, address: req.address, node_id: nodeId });
  } else {
    if (!req.role) throw new InputError('add-node needs --role (service, realserver, director, …) or --replace OLD');
    if (req.role === 'master' || req.role === 'slave') {
      throw new InputError(`a cluster has one ${req.role}`, {
        hint:
          `to put a new machine in the ${req.role}'s place, ` +
          `use --replace ${req.role === 'master' ? before.master.name : before.slave.name}`,
      });
    }
    // a director pair is two nodes at once: one at a time would leave a lone director in between
    if (req.role === 'director') {
      const pair = before.nodes.filter((n) => n.role === 'director').map((n) => n.name);
      throw new InputError(
        pair.length
          ? `${before.name} has its director pair already (${pair.join(', ')}): directors come in pairs, exactly two`
          : 'directors come in pairs: add-node adds one node, and a lone director is refused',
        {
          hint: pair.length
            ? `to put a new machine in a director's place, use --replace ${pair[0]}`
            : 'add both directors (role: director) and the lvs: services to the inventory, then run hactl bootstrap',
        },
      );
    }
    text = addNodeToInventoryText(original, { name: req.name, address: req.address, role: req.role, addresses: req.addresses });
  }
  const after = parseInventory(text, file);
  const problem = quorumProblem(after);
  if (problem) throw new InputError(problem, { hint: 'add an arbitrator (role: arbitrator) first, or add nodes two at a time' });
  return { name: req.name, before, after, text, replaced: req.replace };
}

/** Votequorum with an even number of votes and nothing to break a tie is a trap. */
export function quorumProblem(c: ClusterModel): string | undefined {
  const votes = driverOf(c).voters(c).length;
  if (votes > 2 && votes % 2 === 0 && !c.arbitrator) {
    return `this would make ${votes} votes with no arbitrator: a split down the middle would leave no side with quorum`;
  }
  return undefined;
}

/** Refuses to grow a cluster that is not healthy now, naming what is wrong. */
export function requireHealthy(report: SmokeReport, c: ClusterModel): void {
  const bad = report.checks.filter((k) => !k.ok);
  if (!bad.length) return;
  throw new NodeError(`cluster ${c.name} is not healthy, so no node is added`, {
    output: bad.map((k) => `${k.check}: ${k.detail}`).join('\n'),
    hint: 'repair it first (hactl smoke -i … shows the state; hactl bootstrap -i … converges)',
  });
}

/** The other twin when `old` is a twin of a cluster with DRBD resources, else undefined. */
export function survivorOf(c: ClusterModel, old: string | undefined): ClusterModel['master'] | undefined {
  if (!old || !c.drbd.length) return undefined;
  if (old === c.master.name) return c.slave;
  if (old === c.slave.name) return c.master;
  return undefined;
}

/** How the resources move to `to` by hand on this stack (for refusal hints). */
export function switchoverCommand(c: ClusterModel, to: string): string {
  return driverOf(c).switchoverHint(to);
}

/**
 * Before a twin is replaced: the survivor must be Primary with UpToDate data for every DRBD
 * resource (the replacement syncs from it while it serves). Refuses, changing nothing,
 * when the twin being replaced is the Primary. Read-only: one command on the survivor.
 * Returns what it found, or undefined when there is nothing to check (not a twin, no DRBD,
 * no DRBD module on the survivor).
 */
export async function replacePreflight(c: ClusterModel, old: string | undefined, connector: Connector): Promise<string | undefined> {
  const survivor = survivorOf(c, old);
  if (!survivor || !old) return undefined;
  const conn = await connector.get(survivor);
  const states = parseDrbdSection((await conn.exec(DRBD_STATUS_COMMAND)).stdout, new Map(c.drbd.map((r) => [r.minor, r.name])));
  if (!states) return `no DRBD kernel module on ${survivor.name}: no resync to follow`;
  const d = replaceDecision(
    old,
    { node: survivor.name, states },
    c.drbd.map((r) => r.name),
    switchoverCommand(c, survivor.name),
  );
  if (d.action === 'refuse') throw new NodeError(d.say, { host: survivor.name, hint: d.hint });
  return d.say;
}

export interface ResyncResult {
  /** seconds from the start of the wait until every resource was UpToDate on both twins */
  seconds: number;
  resources: string[];
  /** the survivor kernel's line for the last resync, e.g. `total 12 sec; paused 0 sec; 21844 K/sec` */
  kernel?: string;
}

/**
 * Follows DRBD's resync of a replaced twin from the survivor until every resource is
 * Connected and UpToDate on both sides, reporting progress (from the survivor's own
 * status) on the way. Bounded: a resync that makes no progress for `stallSeconds` fails.
 */
export async function waitForResync(
  c: ClusterModel,
  survivor: ClusterModel['master'],
  connector: Connector,
  progress: (line: string) => void,
  opts: { intervalMs?: number; stallSeconds?: number } = {},
): Promise<ResyncResult> {
  const t0 = Date.now();
  const minors = new Map(c.drbd.map((r) => [r.minor, r.name]));
  const conn = await connector.get(survivor);
  let last = '';
  let lastChange = Date.now();
  for (;;) {
    const states = parseDrbdSection((await conn.exec(DRBD_STATUS_COMMAND)).stdout, minors) ?? [];
    const pending = c.drbd.map((r) => ({ r: r.name, st: states.find((s) => s.name === r.name) })).filter((x) => !resyncDone(x.st));
    if (!pending.length) {
      // the kernel's own account of the resync: `Resync done (total 12 sec; paused 0 sec; 21844 K/sec)`
      const log = (await conn.exec("dmesg 2>/dev/null | grep -F 'Resync done (total' | tail -n 1")).stdout.trim();
      const kernel = /Resync done \((total [^)]*)\)/.exec(log)?.[1];
      return { seconds: (Date.now() - t0) / 1000, resources: c.drbd.map((r) => r.name), ...(kernel ? { kernel } : {}) };
    }
    const line = pending.map((x) => `DRBD ${x.r} on ${survivor.name}: ${resyncState(x.st)}`).join('; ');
    if (line !== last) {
      progress(line);
      last = line;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > (opts.stallSeconds ?? 600) * 1000) {
      throw new NodeError(`the resync from ${survivor.name} made no progress for ${opts.stallSeconds ?? 600} s: ${line}`, {
        host: survivor.name,
        hint: `check the replication link and \`drbdadm status\` on both twins; the survivor keeps serving meanwhile`,
      });
    }
    await new Promise((res) => setTimeout(res, opts.intervalMs ?? 2000));
  }
}

/** in sync as src/checks/drbd.ts judges it (the one DRBD judge) */
const resyncDone = (st: DrbdState | undefined): boolean => Boolean(st && !drbdProblems(st).length);

/** What {@link addNode} reports on the way, for the CLI to draw. */
export type AddNodeEvent =
  | { type: 'preflight'; message: string }
  | { type: 'inventory'; written: boolean; file: string; backup?: string }
  | { type: 'resync'; line: string }
  | { type: 'resync-done'; resync: ResyncResult };

export interface AddNodeResult {
  node: string;
  replaced?: string;
  seconds: number;
  probes: { total: number; failed: number; longestOutageMs: number };
  resync?: ResyncResult;
  run: RunSummary;
  smoke: SmokeReport;
  /** the floating IP the prober hit */
  vip?: string;
  /** smoke passed and no probe failed */
  ok: boolean;
}

export interface AddNodeOptions {
  /** the inventory file the plan was made from; rewritten with the node (old: FILE.hactl-bak) */
  inventory: string;
  connector: Connector;
  /** runs the bootstrap playbook on the grown cluster (the CLI's, with its progress view) */
  bootstrap(cluster: ClusterModel): Promise<RunSummary>;
  onEvent?(e: AddNodeEvent): void;
}

/**
 * `add-node` from a plan to a joined node: health gate (the node being replaced may be
 * absent), the DRBD survivor's preflight, the inventory edit, bootstrap of the grown
 * cluster, the replaced node forgotten, the resync followed, smoke — while a prober hits
 * the floating IP. The caller holds the run lock; nothing here prints.
 * @example const r = await addNode(planAddNode(file, req), { inventory: file, connector, bootstrap });
 */
export async function addNode(plan: AddNodePlan, o: AddNodeOptions): Promise<AddNodeResult> {
  const t0 = Date.now();
  const emit = (e: AddNodeEvent): void => o.onEvent?.(e);
  const name = plan.name;
  const vip = plan.before.floatingIps[0];
  const prober = vip ? new Prober(serviceProbeTarget(vip.address, probedService(plan.before))) : undefined;
  try {
    // a failed twin being replaced may be down: it is not required to be healthy
    requireHealthy(await smoke(plan.before, o.connector, { absent: plan.replaced ? [plan.replaced] : [] }), plan.before);
    // replacing a twin with DRBD: only while the other one is Primary with good data
    const preflight = await replacePreflight(plan.before, plan.replaced, o.connector);
    if (preflight) emit({ type: 'preflight', message: preflight });
    prober?.start();
    if (plan.text !== readFileSync(o.inventory, 'utf8')) {
      const backup = writeInventoryEdit(o.inventory, plan.text);
      emit({ type: 'inventory', written: true, file: o.inventory, backup });
    } else {
      emit({ type: 'inventory', written: false, file: o.inventory });
    }
    const run = await o.bootstrap(plan.after);
    if (!run.ok) {
      throw new NodeError(`${name} is in the inventory but joining did not finish`, {
        hint:
          `fix the failure above, then \`hactl bootstrap -i ${o.inventory}\` completes it ` +
          `(or remove ${name} from the inventory and run bootstrap to roll back)`,
      });
    }
    const forget = plan.replaced && plan.replaced !== name ? driverOf(plan.after).forgetNodeCommand?.(plan.replaced) : undefined;
    if (forget) await (await o.connector.get(plan.after.master)).exec(forget);
    // the replacement's DRBD disks are synced in full from the survivor: followed to the end
    const survivor = survivorOf(plan.after, plan.replaced) ?? survivorOf(plan.after, name);
    let resync: ResyncResult | undefined;
    if (plan.replaced && survivor && preflight && !/no DRBD kernel module/.test(preflight)) {
      resync = await waitForResync(plan.after, survivor, o.connector, (line) => emit({ type: 'resync', line }));
      emit({ type: 'resync-done', resync });
    }
    const report = await smoke(plan.after, o.connector);
    const records = (await prober?.stop()) ?? [];
    const probes = {
      total: records.length,
      failed: records.filter((r) => !r.ok).length,
      longestOutageMs: analyseProbes(records).longestMs,
    };
    return {
      node: name,
      replaced: plan.replaced,
      seconds: (Date.now() - t0) / 1000,
      probes,
      resync,
      run,
      smoke: report,
      vip: vip?.address,
      ok: report.ok && !probes.failed,
    };
  } finally {
    await prober?.stop();
  }
}
