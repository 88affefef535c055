import { readFileSync } from 'node:fs';
import { InputError, NodeError } from '../core/errors.js';
import { addNodeToInventoryText, parseInventory, replaceNodeInInventoryText } from '../inventory/index.js';
import type { ClusterModel, Role } from '../inventory/model.js';
import { DRBD_STATUS_COMMAND, parseDrbdSection, type DrbdState } from '../facts/drbd-status.js';
import type { Connector } from '../runtime/connector.js';
import { members } from '../stack/corosync.js';
import { replaceDecision, resyncState } from '../stack/drbd-safety.js';
import { GROUP_ID } from '../stack/pacemaker.js';
import type { SmokeReport } from './smoke.js';

export interface AddNodeRequest {
  name: string;
  address: string;
  role?: Role;
  /** the node this one replaces (it takes over the old one's role and place) */
  replace?: string;
}

export interface AddNodePlan {
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
      throw new InputError(`--replace ${req.replace}: no such node in ${file}`, { hint: `nodes are ${before.nodes.map((n) => n.name).join(', ')}` });
    }
    if (req.name === req.replace) {
      // a rebuilt machine under its old name: same address, same node id, the inventory unchanged
      if (old.address !== req.address) {
        throw new InputError(`--replace ${old.name} under the same name keeps its address ${old.address}, not ${req.address}`, {
          hint: `give --address ${old.address}, or give the new machine a new name (add-node NEW --replace ${old.name} --address ${req.address})`,
        });
      }
      return { before, after: before, text: original, replaced: req.replace };
    }
    const nodeId = Math.max(...before.nodes.map((n) => n.nodeId)) + 1;
    text = replaceNodeInInventoryText(original, req.replace, { name: req.name, address: req.address, node_id: nodeId });
  } else {
    if (!req.role) throw new InputError('add-node needs --role (service, realserver, director, …) or --replace OLD');
    if (req.role === 'master' || req.role === 'slave') {
      throw new InputError(`a cluster has one ${req.role}`, { hint: `to put a new machine in the ${req.role}'s place, use --replace ${req.role === 'master' ? before.master.name : before.slave.name}` });
    }
    text = addNodeToInventoryText(original, { name: req.name, address: req.address, role: req.role });
  }
  const after = parseInventory(text, file);
  const problem = quorumProblem(after);
  if (problem) throw new InputError(problem, { hint: 'add an arbitrator (role: arbitrator) first, or add nodes two at a time' });
  return { before, after, text, replaced: req.replace };
}

/** Votequorum with an even number of votes and nothing to break a tie is a trap. */
export function quorumProblem(c: ClusterModel): string | undefined {
  if (c.stack !== 'pacemaker') return undefined;
  const votes = members(c).length;
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
  return c.stack === 'pacemaker'
    ? `\`crm_resource --move -r ${GROUP_ID} -N ${to} && crm_resource --wait; crm_resource --clear -r ${GROUP_ID}\``
    : `\`/usr/share/heartbeat/hb_takeover all\` on ${to}`;
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
  const d = replaceDecision(old, { node: survivor.name, states }, c.drbd.map((r) => r.name), switchoverCommand(c, survivor.name));
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

const resyncDone = (st: DrbdState | undefined): boolean =>
  Boolean(st && st.disks[0] === 'UpToDate' && st.peers[0]?.connection === 'Connected' && st.peers[0].peerDisk === 'UpToDate');
