/**
 * The QNetd arbitrator's state (cluster.arbitrator.mode: qdevice), from both ends:
 * `corosync-qdevice-tool -s` on a twin (is its corosync-qdevice connected to qnetd, with
 * which algorithm) and `corosync-qnetd-tool -l` on the arbitrator (which clusters, and
 * which of their nodes, qnetd serves). Both are read-only.
 */
import type { Fact } from './fact.js';

export type QdeviceAlgorithm = 'ffsplit' | 'lms';

/** `corosync-qdevice-tool -s` reduced to what hactl checks. */
export interface QdeviceStatus {
  /** false: the tool could not reach corosync-qdevice (not running), the other fields are absent */
  running: boolean;
  /** the net model's state: `Connected`, `Connect failed`, `Waiting for initial connect`, … */
  state?: string;
  connected: boolean;
  /** as the inventory spells it (undefined: an algorithm hactl does not configure) */
  algorithm?: QdeviceAlgorithm;
  /** the algorithm as the tool prints it (`Fifty-Fifty split`) */
  algorithmText?: string;
  clusterName?: string;
  /** host:port of the QNetd it uses */
  qnetdHost?: string;
  nodeId?: number;
}

export const QDEVICE_STATUS_COMMAND = 'corosync-qdevice-tool -s';

/** corosync-qdevice's algorithm names (qdevice's tlv.c) → the inventory's. */
export function algorithmOf(text: string | undefined): QdeviceAlgorithm | undefined {
  if (!text) return undefined;
  if (/^Fifty-Fifty split/i.test(text)) return 'ffsplit';
  if (/^LMS\b/.test(text)) return 'lms';
  return undefined;
}

const field = (out: string, label: string): string | undefined => new RegExp(`^\\s*${label}:[ \\t]*(.+?)\\s*$`, 'm').exec(out)?.[1];

/**
 * Pure parser for {@link QDEVICE_STATUS_COMMAND} (corosync-qdevice 3.0.3; exit 3 with
 * "Can't connect to QDevice socket" when the daemon does not run).
 * @example parseQdeviceStatus('Model:\tNet\nAlgorithm:\tLMS\nState:\tConnected\n') // { connected: true, algorithm: 'lms', … }
 */
export function parseQdeviceStatus(out: string, exitCode = 0): QdeviceStatus {
  if (exitCode !== 0 || !/^Model:/m.test(out)) return { running: false, connected: false };
  const state = field(out, 'State');
  const algorithmText = field(out, 'Algorithm');
  const nodeId = Number(field(out, 'Node ID'));
  return {
    running: true,
    state,
    connected: state === 'Connected',
    algorithm: algorithmOf(algorithmText),
    algorithmText,
    clusterName: field(out, 'Cluster name'),
    qnetdHost: field(out, 'QNetd host'),
    ...(Number.isInteger(nodeId) ? { nodeId } : {}),
  };
}

export const QDEVICE_STATUS: Fact<QdeviceStatus> = { command: QDEVICE_STATUS_COMMAND, parse: parseQdeviceStatus };

/** One cluster of `corosync-qnetd-tool -l`. */
export interface QnetdCluster {
  name: string;
  algorithm?: QdeviceAlgorithm;
  algorithmText?: string;
  /** its connected nodes: node ID, client address, qnetd's vote */
  nodes: Array<{ nodeId: number; address?: string; vote?: string }>;
}

/** `corosync-qnetd-tool -l`: the clusters qnetd serves; `running` false when the tool cannot reach it. */
export interface QnetdStatus {
  running: boolean;
  clusters: QnetdCluster[];
}

export const QNETD_CLUSTERS_COMMAND = 'corosync-qnetd-tool -l';

/**
 * Pure parser for {@link QNETD_CLUSTERS_COMMAND} (corosync-qnetd 3.0.3: `Cluster "NAME":`,
 * then its algorithm and one `Node ID N:` block per connected node; exit 3 with "Can't
 * connect to qnetd socket" when qnetd does not run). No cluster connected: empty output.
 * @example parseQnetdClusters('Cluster "lab":\n  Node ID 1:\n').clusters[0] // { name: 'lab', nodes: [{ nodeId: 1 }] }
 */
export function parseQnetdClusters(out: string, exitCode = 0): QnetdStatus {
  if (exitCode !== 0 || /Can't connect to qnetd socket/.test(out)) return { running: false, clusters: [] };
  const clusters: QnetdCluster[] = [];
  let cur: QnetdCluster | undefined;
  let node: QnetdCluster['nodes'][number] | undefined;
  for (const line of out.split('\n')) {
    const head = /^Cluster "(.*)":\s*$/.exec(line);
    if (head) {
      cur = { name: head[1] ?? '', nodes: [] };
      node = undefined;
      clusters.push(cur);
      continue;
    }
    if (!cur) continue;
    const id = /^\s*Node ID (\d+):\s*$/.exec(line);
    if (id) {
      node = { nodeId: Number(id[1]) };
      cur.nodes.push(node);
      continue;
    }
    const kv = /^\s*([A-Za-z][A-Za-z -]*):[ \t]+(.+?)\s*$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv;
    if (!node && key === 'Algorithm') {
      cur.algorithmText = value;
      cur.algorithm = algorithmOf(value);
    } else if (node && key === 'Client address') node.address = value;
    else if (node && key === 'Vote') node.vote = value;
  }
  return { running: true, clusters };
}

export const QNETD_CLUSTERS: Fact<QnetdStatus> = { command: QNETD_CLUSTERS_COMMAND, parse: parseQnetdClusters };

/**
 * What is wrong with one twin's corosync-qdevice against the inventory, or undefined.
 * @example qdeviceProblem(parseQdeviceStatus(out), 'ffsplit') // 'corosync-qdevice is Connect failed (qnetd 10.77.0.13:5403)'
 */
export function qdeviceProblem(s: QdeviceStatus, want: QdeviceAlgorithm): string | undefined {
  if (!s.running) return 'corosync-qdevice does not run (corosync-qdevice-tool -s cannot reach it)';
  if (!s.connected) return `corosync-qdevice is ${s.state ?? 'in an unknown state'}, not Connected (qnetd ${s.qnetdHost ?? '?'})`;
  if (s.algorithm !== want) return `corosync-qdevice runs algorithm ${s.algorithmText ?? '?'}, the inventory says ${want}`;
  return undefined;
}

/**
 * What is wrong with qnetd's view of one cluster: not listed, or without some of the
 * twins (by name, from their corosync node IDs), or another algorithm; undefined when fine.
 * @example qnetdProblem(parseQnetdClusters(out), 'lab', [master, slave], 'ffsplit') // 'qnetd lists cluster "lab" without slave'
 */
export function qnetdProblem(
  s: QnetdStatus,
  cluster: string,
  twins: ReadonlyArray<{ name: string; nodeId: number }>,
  want: QdeviceAlgorithm,
): string | undefined {
  if (!s.running) return 'corosync-qnetd does not run (corosync-qnetd-tool -l cannot reach it)';
  const c = s.clusters.find((x) => x.name === cluster);
  if (!c)
    return `qnetd does not list cluster "${cluster}"${s.clusters.length ? ` (it serves ${s.clusters.map((x) => x.name).join(', ')})` : ''}`;
  const missing = twins.filter((t) => !c.nodes.some((n) => n.nodeId === t.nodeId)).map((t) => t.name);
  if (missing.length) return `qnetd lists cluster "${cluster}" without ${missing.join(', ')}`;
  if (c.algorithm !== want) return `qnetd serves "${cluster}" with ${c.algorithmText ?? '?'}, the inventory says ${want}`;
  return undefined;
}
