/**
 * The resolved cluster model: what an inventory file means once validated and defaulted.
 * Playbooks, templates and checks read only this, never the raw YAML.
 */
import type { Secret } from '../core/secret.js';
import type { Timing } from './stack-options.js';

export type Stack = 'pacemaker' | 'heartbeat';
export type Role = 'master' | 'slave' | 'arbitrator' | 'service' | 'director' | 'realserver';

/**
 * Pacemaker 2.1 and pcs say promoted/unpromoted where the howtos (and hactl's inventory)
 * say master/slave: the inventory accepts them as aliases; the model keeps the howtos' roles.
 */
export const ROLE_ALIASES = { promoted: 'master', unpromoted: 'slave' } as const satisfies Record<string, Role>;
export type RoleAlias = keyof typeof ROLE_ALIASES;

/** A role as written in an inventory → the model's role. @example canonicalRole('promoted') // 'master' */
export function canonicalRole(role: Role | RoleAlias): Role {
  return (ROLE_ALIASES as Record<string, Role>)[role] ?? (role as Role);
}

/** A role with the current term beside it, for output. @example roleLabel('master') // 'master (promoted)' */
export function roleLabel(role: Role): string {
  const current = Object.entries(ROLE_ALIASES).find(([, r]) => r === role)?.[0];
  return current ? `${role} (${current})` : role;
}

/**
 * The LVS directors (`role: director`), in inventory order: a pair of their own that runs the
 * LVS virtual addresses and ldirectord (the three tiers), or none (the twins direct).
 * @example directors(threeTier).map((n) => n.name) // ['lvs-a', 'lvs-b']
 */
export function directors(c: Pick<ClusterModel, 'nodes'>): NodeModel[] {
  return c.nodes.filter((n) => n.role === 'director');
}

/**
 * The nodes that may run ldirectord and hold the LVS virtual addresses: the directors when
 * the inventory has any, else the twins (the two-tier set-up: the active twin directs).
 * @example lvsNodes(lab).map((n) => n.name) // ['master', 'slave']
 */
export function lvsNodes(c: Pick<ClusterModel, 'nodes' | 'master' | 'slave'>): NodeModel[] {
  const d = directors(c);
  return d.length ? d : [c.master, c.slave];
}

/** Whether `node` runs ldirectord and holds the LVS addresses: the cluster has `lvs:` and `node` is one of {@link lvsNodes}. */
export function directsLvs(c: Pick<ClusterModel, 'nodes' | 'master' | 'slave' | 'lvs'>, node: Pick<NodeModel, 'name'>): boolean {
  return c.lvs.length > 0 && lvsNodes(c).some((n) => n.name === node.name);
}

export interface SshSettings {
  user: string; // default root
  port: number; // default 22
  identity?: string; // private key path (~ expanded)
  become: boolean; // use sudo when user is not root (default: true when user != root)
  /** ssh_config(5) file to read (HostName/User/Port/IdentityFile); default ~/.ssh/config */
  config?: string;
  /** known_hosts file; default ~/.ssh/known_hosts */
  knownHosts?: string;
}

export interface NodeModel {
  name: string; // must equal `uname -n` on the node
  address: string; // IPv4 the cluster talks on (ring0 / ucast / drbd)
  role: Role;
  nodeId: number; // corosync nodeid, stable: explicit or 1-based position in nodes[]
  ssh: SshSettings;
  /** the host to connect to: ssh.host alias / hostname, default = address */
  connect: string;
  /** its addresses on the extra networks (`cluster.networks`), by network name; `address` is on `public` */
  addresses: Record<string, string>;
  vars: Record<string, unknown>;
}

/** The name of `cluster.network` among the networks: the one the floating IPs and SSH use. */
export const PUBLIC_NETWORK = 'public';

/** An extra network of `cluster.networks` (e.g. a back-to-back replication link). */
export interface NetworkModel {
  name: string;
  cidr: string;
  address: string;
  prefix: number;
  /** the twins' NIC on it */
  interface: string;
}

/** One corosync knet link (link N = the Nth entry), or one Heartbeat ucast path. */
export interface LinkModel {
  /** `public` or a `cluster.networks` name */
  network: string;
  /** knet_link_priority (passive mode: the highest connected link carries the traffic) */
  priority?: number;
}

/** totem.link_mode: knet's use of several links (corosync.conf(5)). */
export type LinkMode = 'passive' | 'active' | 'rr';

/**
 * A node's address on a network: `public` is its `address`.
 * @example addressOn(master, 'backplane') // '192.168.77.11', or undefined when it has none there
 */
export function addressOn(n: Pick<NodeModel, 'address' | 'addresses'>, network: string): string | undefined {
  return network === PUBLIC_NETWORK ? n.address : n.addresses[network];
}

export interface FloatingIp {
  address: string;
  prefix: number;
  interface: string; // NIC on the twins, default cluster.interface
  name: string; // resource id, e.g. "vip" or "vip2"
}

/**
 * The twins' NIC on a network: `public` is `cluster.interface`.
 * @example interfaceOf(cluster, 'backplane') // 'eth1'
 */
export function interfaceOf(c: Pick<ClusterModel, 'interface' | 'networks'>, network: string): string {
  return c.networks.find((n) => n.name === network)?.interface ?? c.interface;
}

/** Every network the cluster's nodes are on: public and those of its links. @example allNetworks(c) // ['public', 'backplane'] */
export function allNetworks(c: Pick<ClusterModel, 'links'>): string[] {
  return [...new Set([PUBLIC_NETWORK, ...c.links.map((l) => l.network)])];
}

/** `cluster.timing` resolved: derived from the declared options (stack-options.ts). */
export type { Timing };

export interface DrbdResource {
  name: string; // r0
  device: string; // /dev/drbd0
  minor: number; // 0
  disk: string; // backing device on both twins, e.g. /dev/vdb
  port: number; // 7789
  metaDisk: string; // internal
  protocol: 'A' | 'B' | 'C';
  filesystem?: { type: string; mount: string; options?: string };
  /** `wipe`: create-md may overwrite what the backing disk holds (default: refuse a disk that is not blank) */
  initialize?: 'wipe';
  /** DRBD fencing as written; absent: the stack's default when stonith is enabled, else off (src/stack/drbd.ts) */
  fencing?: DrbdFencing;
}

/** A logical volume of `lvm:`: `/dev/VG/NAME` on both twins. */
export interface LogicalVolume {
  name: string; // vm1
  size: string; // 10G, as written (lvcreate -L)
  bytes: number; // the size in bytes
  path: string; // /dev/vg0/vm1
}

/** A volume group of `lvm:`, created on both twins on blank physical volumes (src/stack/lvm.ts). */
export interface VolumeGroup {
  vg: string; // vg0
  pvs: string[]; // [/dev/vdc]
  lvs: LogicalVolume[];
}

/** DRBD's fencing policy (drbd.conf(5), 8.4: a disk option). */
export type DrbdFencing = 'resource-and-stonith' | 'resource-only' | 'off';

/**
 * How a service shows it is healthy: a TCP connect to `port`, an HTTP GET of `path` on it
 * (`status`: the one status that counts, else any below 500; `expect`: text the answer
 * holds), and/or a `command` run on the node holding the service (exit 0; `expect`: text
 * its output holds when there is no port). At least a port or a command.
 */
export interface ServiceCheck {
  port?: number;
  path?: string;
  expect?: string;
  status?: number;
  command?: string;
}

/** A service whose check a client can probe through the floating IP (it has a port). */
export type ProbedService = ServiceModel & { check: ServiceCheck & { port: number } };

/** The first service a client can probe through the floating IP, if any (smoke and failover-test probe it). */
export function probedService(c: Pick<ClusterModel, 'services'>): ProbedService | undefined {
  return c.services.find((s): s is ProbedService => s.check?.port !== undefined);
}

export interface ServiceModel {
  name: string; // init script / systemd unit name, e.g. apache2
  package: string; // Debian package
  /** smoke / failover probe (docs/inventory.md "services") */
  check?: ServiceCheck;
  /** data directory on the DRBD filesystem, if any */
  drbd?: string; // DRBD resource name this service depends on
  /** a service hactl knows (its resource agent, settings, check); absent: a plain init script / unit */
  kind?: ServiceKind;
  /** kind mariadb: what the mysql agent is given */
  mariadb?: MariadbSettings;
  /** kind nfs: the state directory, the exports, lease and grace time */
  nfs?: NfsSettings;
}

/** The service kinds hactl renders with their own resource agents (docs/inventory.md "services"). */
export type ServiceKind = 'mariadb' | 'nfs';

/** `services[]` of kind mariadb, resolved: ocf:heartbeat:mysql's datadir, socket, pid and user. */
export interface MariadbSettings {
  /** on the DRBD filesystem when the service has `drbd:` (default MOUNT/mysql) */
  datadir: string;
  /** Debian's defaults: /run/mysqld/mysqld.sock, /run/mysqld/mysqld.pid, user mysql */
  socket: string;
  pid: string;
  user: string;
  /** the error log the agent creates and passes to mysqld_safe (Debian 12 has no /var/log/mysql) */
  log: string;
}

/** One NFS export (ocf:heartbeat:exportfs). */
export interface NfsExport {
  path: string;
  /** exports(5) client: a network, a host, a wildcard or @netgroup */
  clients: string;
  /** exports(5) options, default rw,sync,no_subtree_check */
  options: string;
  /** the fsid clients see, the same on both twins (default 1 + position) */
  fsid: number;
}

/** `services[]` of kind nfs, resolved. */
export interface NfsSettings {
  /** /var/lib/nfs's content on the DRBD filesystem (nfsserver's nfs_shared_infodir); absent without `drbd:` */
  stateDir?: string;
  exports: NfsExport[];
  /** nfs.conf [nfsd] lease-time and grace-time, seconds (default 90 each, the kernel's) */
  leaseTime: number;
  graceTime: number;
}

export interface GuestModel {
  name: string;
  type: 'kvm' | 'xen';
  memoryMiB: number;
  vcpus: number;
  disk: string; // /dev/drbdN
  drbd?: string; // resource name backing it
  bridge: string;
  mac: string;
}

export interface RealServer {
  address: string;
  port: number;
  weight: number;
}
export interface LvsService {
  name: string;
  address: string; // virtual IP
  port: number;
  protocol: 'tcp' | 'udp';
  scheduler: string; // rr, wrr, lc, wlc, ...
  persistent?: number; // seconds
  forwarding: 'gate' | 'masq' | 'ipip';
  realServers: RealServer[];
  check: { type: 'http' | 'connect'; path: string; expect?: string; interval: number; timeout: number };
}

export interface StonithModel {
  enabled: boolean;
  /** fence agent and its parameters, e.g. { agent: 'fence_lab', params: { ... } }; credentials are Secrets */
  agent?: string;
  params?: Record<string, string | Secret>;
  /** SBD (Pacemaker): diskless when `devices` is empty, else disk-based with a fence_sbd device */
  sbd?: SbdModel;
  /** Heartbeat: the watchdog device ha.cf's `watchdog` directive arms */
  watchdog?: string;
}

/** `cluster.stonith.sbd` resolved. */
export interface SbdModel {
  /** shared block devices (0: diskless SBD, watchdog + quorum) */
  devices: string[];
  /** SBD_WATCHDOG_DEV, default /dev/watchdog */
  watchdog: string;
  /** SBD_WATCHDOG_TIMEOUT in seconds, default 5 */
  watchdogTimeout: number;
  /** auto: load softdog where the watchdog device is missing (never where the kernel is shared) */
  softdog: 'auto' | 'never';
}

/** A declared primitive (`pacemaker.resources`): agent split into class, provider, type. */
export interface DeclaredResource {
  id: string;
  /** as written, e.g. ocf:heartbeat:Dummy */
  agent: string;
  class: 'ocf' | 'systemd' | 'lsb' | 'stonith';
  provider?: string;
  type: string;
  /** instance attributes; password-like names (or { file | command | env } values) are Secrets */
  params: Record<string, string | Secret>;
  ops: Array<{ name: string; interval: string; timeout?: string; role?: string }>;
  meta: Record<string, string>;
}

/**
 * `pacemaker:` of the inventory: resources, groups, clones, constraints, properties and
 * defaults an operator declares beyond hactl's built-in services and guests.
 */
export interface DeclaredPacemaker {
  resources: DeclaredResource[];
  groups: Array<{ id: string; resources: string[]; meta: Record<string, string> }>;
  clones: Array<{ id: string; resource: string; promotable: boolean; meta: Record<string, string> }>;
  locations: Array<{ id: string; resource: string; node: string; score: string }>;
  colocations: Array<{ id: string; resource: string; with: string; score: string; role?: string; withRole?: string }>;
  orders: Array<{ id: string; first: string; then: string; kind: string; firstAction: string; thenAction: string; symmetrical: boolean }>;
  properties: Record<string, string>;
  rscDefaults: Record<string, string>;
  opDefaults: Record<string, string>;
}

export interface ClusterModel {
  name: string;
  stack: Stack;
  network: { cidr: string; address: string; prefix: number };
  interface: string; // default eth0
  /** extra networks (`cluster.networks`), in the inventory's order; `public` is `network` */
  networks: NetworkModel[];
  /** corosync's knet links / Heartbeat's ucast paths, link 0 first; default one link on `public` */
  links: LinkModel[];
  /** totem.link_mode when several links are declared (corosync's default, passive, otherwise) */
  linkMode?: LinkMode;
  /** the network DRBD replicates over (`cluster.replication`, default `public`) */
  replication: string;
  /** Heartbeat: a serial cable between the twins (`cluster.serial`), one more heartbeat path besides the networks */
  serial?: { device: string; baud: number };
  floatingIps: FloatingIp[];
  timing: Timing;
  stonith: StonithModel;
  nodes: NodeModel[];
  master: NodeModel;
  slave: NodeModel;
  arbitrator?: NodeModel;
  /**
   * `cluster.arbitrator.mode: qdevice`: the arbitrator runs corosync-qnetd, is no corosync member,
   * and the twins' corosync-qdevice asks it for the third vote; absent: the arbitrator is a member
   */
  qdevice?: { algorithm: 'ffsplit' | 'lms' };
  /** `lvm:`: volume groups and logical volumes on the twins (empty when absent) */
  lvm: VolumeGroup[];
  drbd: DrbdResource[];
  services: ServiceModel[];
  guests: GuestModel[];
  lvs: LvsService[];
  /** what the inventory declares under `pacemaker:` (empty lists and maps when absent) */
  pacemaker: DeclaredPacemaker;
  vars: Record<string, unknown>;
  /** where generated secrets (corosync authkey, heartbeat authkeys) are kept, 0700 */
  secretsDir: string;
  /** the inventory file this came from (absolute) */
  source: string;
}
