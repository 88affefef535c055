/**
 * Names and addresses of one namespace lab, by lab index (0..9), so several labs can run
 * side by side on one machine. Index 0 keeps the historical names and 10.77.0.0/24, which
 * docs, examples and existing inventories rely on; index N uses 10.77.N.0/24 and short
 * `hactl-lN` names.
 */
import { InputError } from '../core/errors.js';

/** Highest lab index: one digit keeps every derived interface name within IFNAMSIZ. */
export const MAX_LAB_INDEX = 9;

/** Everything that differs between two labs on the same machine. */
export interface LabNet {
  index: number;
  /** netns holding the bridge and the repo server; node netns names extend it */
  netns: string;
  /** host-side veth into the bridge, so hactl on the host reaches the nodes */
  hostLink: string;
  /** e.g. 10.77.0.0/24 */
  network: string;
  prefix: number;
  /** e.g. 10.77.0.1: the bridge, where the repo server listens */
  bridgeAddress: string;
  /** e.g. 10.77.0.2: the host's end */
  hostAddress: string;
  /** e.g. 10.77.0.100/24, the inventory's floating IP */
  floatingIp: string;
  repoPort: number;
  /** e.g. http://10.77.0.1:8080: the apt source every node uses */
  repoUrl: string;
  /** address of host id `id` (.11 …) in this lab's network */
  address(id: number): string;
  /** network namespace of one node */
  nodeNetns(name: string): string;
  /**
   * The lab's second network (`lab up --backplane`): a bridge of its own in the lab netns,
   * no host link, each node's eth1 on it at the same host id (e.g. 10.79.N.11).
   */
  backplane?: { bridge: string; network: string; prefix: number; address(id: number): string };
}

/** The network name the lab's second network has in its inventory (cluster.networks). */
export const BACKPLANE = 'backplane';

/**
 * The lab index: `explicit` when given, else $HACTL_LAB_INDEX, else 0.
 * @throws InputError when it is not an integer 0..9
 */
export function resolveLabIndex(explicit?: number | string): number {
  const raw = explicit ?? process.env.HACTL_LAB_INDEX ?? 0;
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_LAB_INDEX) {
    throw new InputError(`bad lab index "${raw}": use 0..${MAX_LAB_INDEX} (--index or HACTL_LAB_INDEX)`);
  }
  return n;
}

/** Names and addresses of lab `index` (default 0, the historical single lab). */
export function labNet(index = 0): LabNet {
  const base = `10.77.${index}`;
  const netns = index === 0 ? 'hactl-lab' : `hactl-l${index}`;
  const prefix = 24;
  const repoPort = 8080;
  return {
    index,
    netns,
    hostLink: index === 0 ? 'hactl-host' : `hactl-host${index}`,
    network: `${base}.0/${prefix}`,
    prefix,
    bridgeAddress: `${base}.1`,
    hostAddress: `${base}.2`,
    floatingIp: `${base}.100/${prefix}`,
    repoPort,
    repoUrl: `http://${base}.1:${repoPort}`,
    address: (id) => `${base}.${id}`,
    nodeNetns: (name) => `${netns}-${name}`,
    backplane: { bridge: 'br1', network: `10.79.${index}.0/${prefix}`, prefix, address: (id) => `10.79.${index}.${id}` },
  };
}

/** True for the lab netns of `net` and its nodes' netns (what `down --force` may remove). */
export function isLabNetns(net: LabNet, name: string): boolean {
  return name === net.netns || name.startsWith(`${net.netns}-`);
}
