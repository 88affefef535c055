/**
 * Fixed facts of the practice lab: package lists, addresses, names. One lab per machine:
 * the network and the namespace names are fixed so tests, docs and inventories agree.
 */
import { InputError } from '../core/errors.js';
import type { Role } from '../inventory/model.js';

/** Debian suite of the node root filesystems (and of the host the repo is computed on). */
export const LAB_SUITE = 'bookworm';

/** Packages served by the lab's local apt repository (with their dependency closure). */
export const LAB_PACKAGES: readonly string[] = [
  'corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents', 'heartbeat',
  'drbd-utils', 'ldirectord', 'ipvsadm', 'apache2', 'libvirt-clients', 'fence-agents',
  'psmisc', 'tree',
];

/** Extra packages debootstrapped into the shared, read-only node root (minbase variant). */
export const ROOTFS_PACKAGES: readonly string[] = [
  'openssh-server', 'iproute2', 'iputils-ping', 'procps', 'psmisc', 'netbase', 'curl',
  'ca-certificates', 'less',
];

/** Debian packages the host needs to run `hactl lab` (also in lab-assets/host-packages.txt). */
export const HOST_PACKAGES: readonly string[] = [
  'debootstrap', 'debian-archive-keyring', 'iproute2', 'openssh-client', 'dpkg-dev',
  'util-linux', 'apt', 'ca-certificates',
];

/** Host tools checked before `lab up`; each maps to the package that ships it. */
export const HOST_TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2', nsenter: 'util-linux', unshare: 'util-linux', 'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client', debootstrap: 'debootstrap', 'dpkg-scanpackages': 'dpkg-dev',
  'apt-get': 'apt',
};

export const LAB_NETWORK = '10.77.0.0/24';
export const LAB_PREFIX = 24;
const NET = '10.77.0';
export const BRIDGE_ADDRESS = `${NET}.1`;
export const HOST_ADDRESS = `${NET}.2`;
export const FLOATING_IP = `${NET}.100/${LAB_PREFIX}`;
export const REPO_PORT = 8080;
export const REPO_URL = `http://${BRIDGE_ADDRESS}:${REPO_PORT}`;

/** Netns holding the bridge (and the repo server); node netns names extend it. */
export const LAB_NETNS = 'hactl-lab';
/** Host-side veth into the bridge, so hactl on the host reaches the nodes directly. */
export const HOST_LINK = 'hactl-host';
/** Its peer on the bridge (inside LAB_NETNS). */
export const HOST_PEER = 'v-host';
export const BRIDGE = 'br0';

export const DEFAULT_NODES: readonly string[] = ['master', 'slave', 'arbitrator'];
const FIXED_HOST_IDS: Readonly<Record<string, number>> = { master: 11, slave: 12, arbitrator: 13 };
const FIRST_EXTRA_ID = 14;
const LAST_ID = 99; // .100 is the floating IP

/** Network namespace of one node. */
export function nodeNetns(name: string): string {
  return `${LAB_NETNS}-${name}`;
}

/** The node's veth end on the bridge (IFNAMSIZ allows 15 characters, hence short names). */
export function nodeVeth(name: string): string {
  return `v-${name}`;
}

/**
 * Fixed MAC per address: a rebooted node keeps its MAC, so peers' ARP caches stay valid
 * (random MACs left peers with stale ARP entries for ~68 s in the recipe's measurements).
 */
export function macFor(address: string): string {
  const last = Number(address.split('.')[3]);
  return `02:77:00:00:00:${last.toString(16).padStart(2, '0')}`;
}

export function roleFor(name: string): Role {
  return name === 'master' || name === 'slave' || name === 'arbitrator' ? name : 'service';
}

/** Checks a node name: a hostname that also fits into the veth name `v-NAME`. */
export function checkNodeName(name: string): void {
  if (!/^[a-z][a-z0-9-]{0,12}$/.test(name) || name.endsWith('-') || name === 'host') {
    throw new InputError(
      `bad lab node name "${name}": use 1-13 lowercase letters, digits or dashes, starting with a letter (not "host")`,
    );
  }
}

/**
 * Addresses for new nodes: master/slave/arbitrator have fixed ones, every other name gets
 * the next free address from .14 on. `taken` holds addresses already in use.
 */
export function assignAddresses(names: readonly string[], taken: readonly string[]): Map<string, string> {
  const used = new Set(taken);
  const out = new Map<string, string>();
  for (const name of names) {
    const fixed = FIXED_HOST_IDS[name];
    if (fixed !== undefined) {
      out.set(name, `${NET}.${fixed}`);
      used.add(`${NET}.${fixed}`);
    }
  }
  let next = FIRST_EXTRA_ID;
  for (const name of names) {
    if (out.has(name)) continue;
    while (used.has(`${NET}.${next}`)) next++;
    if (next > LAST_ID) throw new InputError(`too many lab nodes (addresses end at ${NET}.${LAST_ID})`);
    out.set(name, `${NET}.${next}`);
    used.add(`${NET}.${next}`);
  }
  return out;
}
