/**
 * Fixed facts of the practice lab: package lists, node names and ids. Names and addresses
 * that differ between labs running side by side are in net.ts (by lab index); the
 * constants below are lab 0's, kept for docs, tests and existing callers.
 */
import { InputError } from '../core/errors.js';
import type { Role } from '../inventory/model.js';
import { type LabNet, labNet } from './net.js';

/** Debian suite of the node root filesystems (and of the host the repo is computed on). */
export const LAB_SUITE = 'bookworm';

/**
 * The QNetd arbitrator's packages (`lab up --qdevice`): in the namespace lab's repo, never
 * in the VM image (src/lab/vm/constants.ts), where an installed, enabled corosync-qdevice.service
 * (Requires=corosync) would start corosync at boot, before bootstrap wrote its configuration.
 */
export const QDEVICE_LAB_PACKAGES: readonly string[] = ['corosync-qnetd', 'corosync-qdevice'];

/** Packages served by the lab's local apt repository (with their dependency closure). */
export const LAB_PACKAGES: readonly string[] = [
  'corosync',
  'pacemaker',
  'pacemaker-cli-utils',
  'resource-agents',
  ...QDEVICE_LAB_PACKAGES,
  'heartbeat',
  'drbd-utils',
  'ldirectord',
  'ipvsadm',
  'apache2',
  'libvirt-clients',
  'libxml2-utils',
  'fence-agents',
  'psmisc',
  'tree',
];

/** Extra packages debootstrapped into the shared, read-only node root (minbase variant). */
export const ROOTFS_PACKAGES: readonly string[] = [
  'openssh-server',
  'iproute2',
  'iputils-ping',
  'procps',
  'psmisc',
  'netbase',
  'curl',
  'ca-certificates',
  'less',
];

/** Debian packages the host needs to run `hactl lab` (also in lab-assets/host-packages.txt). */
export const HOST_PACKAGES: readonly string[] = [
  'debootstrap',
  'debian-archive-keyring',
  'iproute2',
  'openssh-client',
  'dpkg-dev',
  'util-linux',
  'apt',
  'ca-certificates',
];

/** Host tools checked before `lab up`; each maps to the package that ships it. */
export const HOST_TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  debootstrap: 'debootstrap',
  'dpkg-scanpackages': 'dpkg-dev',
  'apt-get': 'apt',
};

const LAB0 = labNet(0);
/** Lab 0's network (other indexes: {@link labNet}). */
export const LAB_NETWORK = LAB0.network;
export const LAB_PREFIX = LAB0.prefix;
export const BRIDGE_ADDRESS = LAB0.bridgeAddress;
export const HOST_ADDRESS = LAB0.hostAddress;
export const FLOATING_IP = LAB0.floatingIp;
export const REPO_PORT = LAB0.repoPort;
export const REPO_URL = LAB0.repoUrl;

/** Lab 0's netns holding the bridge (and the repo server); node netns names extend it. */
export const LAB_NETNS = LAB0.netns;
/** Lab 0's host-side veth into the bridge, so hactl on the host reaches the nodes directly. */
export const HOST_LINK = LAB0.hostLink;
/** The host veth's peer on the bridge (inside the lab netns, so every lab can use the name). */
export const HOST_PEER = 'v-host';
export const BRIDGE = 'br0';

export const DEFAULT_NODES: readonly string[] = ['master', 'slave', 'arbitrator'];
const FIXED_HOST_IDS: Readonly<Record<string, number>> = { master: 11, slave: 12, arbitrator: 13 };
const FIRST_EXTRA_ID = 14;
const LAST_ID = 99; // .100 is the floating IP

/** Network namespace of one node of lab 0 (other labs: {@link LabNet.nodeNetns}). */
export function nodeNetns(name: string): string {
  return LAB0.nodeNetns(name);
}

/** The node's veth end on the bridge (IFNAMSIZ allows 15 characters, hence short names). */
export function nodeVeth(name: string): string {
  return `v-${name}`;
}

/** A node's veth end on the backplane bridge (`lab up --backplane`), beside {@link nodeVeth}. */
export function backplaneVeth(name: string): string {
  return `b-${name}`;
}

/**
 * Fixed MAC per address: a rebooted node keeps its MAC, so peers' ARP caches stay valid
 * (random MACs left peers with stale ARP entries for ~68 s in the recipe's measurements).
 * The third octet (the lab index) is part of it, so labs side by side never share a MAC;
 * lab 0 keeps 02:77:00:00:00:xx.
 */
export function macFor(address: string): string {
  const [, , third, last] = address.split('.').map((x) => Number(x).toString(16).padStart(2, '0'));
  return `02:77:${third ?? '00'}:00:00:${last ?? '00'}`;
}

export function roleFor(name: string): Role {
  return name === 'master' || name === 'slave' || name === 'arbitrator' ? name : 'service';
}

/** Checks a node name: a hostname that also fits into the veth name `v-NAME`. */
export function checkNodeName(name: string): void {
  if (!/^[a-z][a-z0-9-]{0,12}$/.test(name) || name.endsWith('-') || name === 'host') {
    throw new InputError(`bad lab node name "${name}": use 1-13 lowercase letters, digits or dashes, starting with a letter (not "host")`);
  }
}

/**
 * Addresses for new nodes: master/slave/arbitrator have fixed ones, every other name gets
 * the next free address from .14 on. `taken` holds addresses already in use.
 */
export function assignAddresses(names: readonly string[], taken: readonly string[], net: LabNet = LAB0): Map<string, string> {
  const used = new Set(taken);
  const out = new Map<string, string>();
  for (const name of names) {
    const fixed = FIXED_HOST_IDS[name];
    if (fixed !== undefined) {
      out.set(name, net.address(fixed));
      used.add(net.address(fixed));
    }
  }
  let next = FIRST_EXTRA_ID;
  for (const name of names) {
    if (out.has(name)) continue;
    while (used.has(net.address(next))) next++;
    if (next > LAST_ID) throw new InputError(`too many lab nodes (addresses end at ${net.address(LAST_ID)})`);
    out.set(name, net.address(next));
    used.add(net.address(next));
  }
  return out;
}
