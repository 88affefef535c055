/**
 * JSON Schema (draft-07) of the inventory YAML. It is both the validator's input and what
 * editors show: `title` names a value's kind (used in error messages: "not a valid IPv4
 * address"), `description` explains it (used as the error hint and as editor hover text).
 * Cross-field rules (one master, addresses inside the network, ...) live in semantic.ts.
 */
import { CIDR_PATTERN, IPV4_OPT_PORT_PATTERN, IPV4_OPT_PREFIX_PATTERN, IPV4_PATTERN, IPV4_PORT_PATTERN } from './net.js';

type Schema = Record<string, unknown>;

const HOSTNAME = '^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const IDENT = '^[A-Za-z][A-Za-z0-9_-]*$';
const ABS_PATH = '^/';

const str = (title: string, description: string, extra: Schema = {}): Schema =>
  ({ type: 'string', minLength: 1, title, description, ...extra });
const int = (title: string, description: string, minimum: number, maximum?: number, extra: Schema = {}): Schema =>
  ({ type: 'integer', minimum, ...(maximum === undefined ? {} : { maximum }), title, description, ...extra });
const obj = (title: string, description: string, properties: Record<string, Schema>, required: string[] = []): Schema =>
  ({ type: 'object', title, description, additionalProperties: false, ...(required.length ? { required } : {}), properties });
const list = (title: string, description: string, items: Schema, minItems = 0): Schema =>
  ({ type: 'array', title, description, items, ...(minItems ? { minItems } : {}) });
const freeVars = (description: string): Schema =>
  ({ type: 'object', title: 'variables', description, additionalProperties: true });
const ipv4 = (description: string): Schema => str('IPv4 address', description, { pattern: IPV4_PATTERN });
const port = (description: string, extra: Schema = {}): Schema => int('port', description, 1, 65535, extra);
const path = (description: string): Schema => str('path', description);
const bool = (description: string, extra: Schema = {}): Schema => ({ type: 'boolean', title: 'boolean', description, ...extra });

const floatingIp: Schema = {
  type: ['string', 'object'],
  title: 'floating IP',
  description: 'A virtual IP that moves with the active twin: "10.77.0.100/24" or {address, prefix, interface, name}.',
  if: { type: 'string' },
  then: str('floating IP', 'Floating IP as "address" or "address/prefix", e.g. "10.77.0.100/24".', { pattern: IPV4_OPT_PREFIX_PATTERN }),
  else: obj('floating IP', 'Floating IP with explicit settings.', {
    address: ipv4('The virtual IPv4 address, inside cluster.network.'),
    prefix: int('prefix length', 'Netmask length (default: the prefix of cluster.network).', 1, 32),
    interface: str('interface name', 'NIC the address is added to (default: cluster.interface).'),
    name: str('resource name', 'Cluster resource id (default: vip, vip2, vip3, ...).', { pattern: IDENT }),
  }, ['address']),
};

const timing = obj('timing', 'Failure-detection timing. Corosync values in ms, heartbeat values in s.', {
  token: int('milliseconds', 'Corosync token timeout in ms (default 3000).', 100, undefined, { default: 3000 }),
  consensus: int('milliseconds', 'Corosync consensus timeout in ms, >= 1.2 * token (default round(1.2 * token)).', 120),
  keepalive: int('seconds', 'Heartbeat: seconds between heartbeats (default 1).', 1, undefined, { default: 1 }),
  warntime: int('seconds', 'Heartbeat: seconds of silence before a "late heartbeat" warning, < deadtime (default 5).', 1, undefined, { default: 5 }),
  deadtime: int('seconds', 'Heartbeat: seconds of silence before the peer is declared dead, > 2 * keepalive (default 10).', 1, undefined, { default: 10 }),
  initdead: int('seconds', 'Heartbeat: deadtime used right after start, >= deadtime, 2 * deadtime recommended (default 30).', 1, undefined, { default: 30 }),
  monitor_interval: int('seconds', 'Pacemaker: seconds between resource monitor operations (default 5).', 1, undefined, { default: 5 }),
});

/**
 * A value that may instead come from a file, a command or the environment, read at run time
 * (never written back): `{ file: PATH }`, `{ command: "pass show ipmi" }` or `{ env: NAME }`.
 * Such a value is a secret (`writeOnly`: masked wherever hactl prints).
 */
const secretSource: Schema = {
  ...obj('secret source', 'A secret read at run time: { file: PATH } (relative to the inventory), { command: "…" } (its stdout) '
    + 'or { env: NAME }.', {
    file: path('File holding the secret (its content, trailing newline removed); relative to the inventory, ~ expanded.'),
    command: str('command', 'Shell command printing the secret on stdout, e.g. "pass show ipmi/admin".'),
    env: str('environment variable', 'Environment variable holding the secret.', { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
  }),
  minProperties: 1,
  maxProperties: 1,
  writeOnly: true,
};
const secretOr = (plain: Schema): Schema =>
  ({
    type: [...[plain.type as string[] | string].flat(), 'object'], title: plain.title, description: plain.description,
    if: { type: 'object' }, then: secretSource, else: plain,
  });

const stonith = obj('stonith', 'Fencing. Disabled is fine for a lab; production clusters with shared data need it.', {
  enabled: bool('Whether fencing (STONITH) is configured.', { default: false }),
  agent: str('fence agent', 'Fence agent (Pacemaker: fence_ipmilan, fence_virsh …; Heartbeat: a stonith plugin such as external/ipmi or apcmastersnmp, its params positional in order). Required when enabled.'),
  params: {
    type: 'object', title: 'agent parameters',
    description: 'Parameters passed to the fence agent (values become strings). Password-like ones (passwd, password, community, secret, '
      + 'token, key) are secrets: masked in every output, and the files holding them are written 0600.',
    additionalProperties: secretOr({ type: ['string', 'number', 'boolean'], title: 'parameter', description: 'Fence agent parameter value.' }),
  },
}, ['enabled']);

const cluster = obj('cluster', 'Cluster-wide settings.', {
  name: str('cluster name', 'Cluster name: lowercase letters, digits and "-", starting with a letter, e.g. "lab".', { pattern: '^[a-z][a-z0-9-]*$', maxLength: 63 }),
  stack: str('stack', 'Cluster stack: "pacemaker" (corosync + pacemaker) or "heartbeat".', { enum: ['pacemaker', 'heartbeat'] }),
  network: str('network (CIDR)', 'The cluster network in CIDR form, e.g. "10.77.0.0/24"; node addresses and floating IPs must lie inside it.', { pattern: CIDR_PATTERN }),
  interface: str('interface name', 'NIC on the twins that carries the network and the floating IPs (default eth0).', { default: 'eth0', pattern: '^[A-Za-z0-9_.:-]{1,15}$' }),
  floating_ips: list('floating IPs', 'At least one floating IP, e.g. ["10.77.0.100/24"].', floatingIp, 1),
  timing,
  stonith,
  secrets_dir: path('Directory for generated secrets, relative to the inventory file (default .hactl/secrets/<cluster name>).'),
}, ['name', 'stack', 'network', 'floating_ips']);

const sshDefaults = obj('ssh settings', 'SSH defaults for every node (each node may override them under its own ssh:).', {
  user: str('user name', 'Remote user (default root).', { default: 'root' }),
  port: port('SSH port (default 22).', { default: 22 }),
  identity: path('Private key file; relative paths are relative to the inventory file, ~ is expanded.'),
  config: path('ssh_config(5) file to read (HostName, User, Port, IdentityFile); default ~/.ssh/config.'),
  known_hosts: path('known_hosts file used to verify host keys; default ~/.ssh/known_hosts.'),
  become: bool('Run commands through sudo (default: true when user is not root).'),
});

const nodeSsh = obj('node ssh settings', 'Per-node SSH overrides of the top-level ssh: settings.', {
  host: str('host', 'Host name or ssh_config alias to connect to (default: the node address).'),
  user: str('user name', 'Remote user for this node.'),
  port: port('SSH port for this node.'),
  identity: path('Private key file for this node; relative to the inventory file, ~ is expanded.'),
  become: bool('Run commands through sudo on this node.'),
});

const node = obj('node', 'A cluster node.', {
  name: str('host name', 'Node name; must equal `uname -n` on the node (letters, digits, "-", dots between labels).', { pattern: HOSTNAME }),
  address: ipv4('IPv4 address the cluster talks on (ring0 / ucast / DRBD), inside cluster.network.'),
  role: str('role', 'master and slave are the twins; arbitrator is the quorum / ping node; service, director, realserver are extra roles.',
    { enum: ['master', 'slave', 'arbitrator', 'service', 'director', 'realserver'] }),
  node_id: int('node id', 'Corosync node id (default: 1-based position in nodes:). Set it on every node or on none.', 1, 4294967294),
  ssh: nodeSsh,
  vars: freeVars('Free variables for this node, available to playbooks and templates.'),
}, ['name', 'address', 'role']);

const drbd = obj('DRBD resource', 'A DRBD resource replicated between master and slave.', {
  name: str('resource name', 'DRBD resource name, e.g. r0.', { pattern: IDENT }),
  device: str('DRBD device', 'DRBD device, /dev/drbdN; N is the minor number (give device or minor).', { pattern: '^/dev/drbd[0-9]+$' }),
  minor: int('minor number', 'DRBD minor number (default: taken from device).', 0, 1048575),
  disk: str('block device', 'Backing block device, the same path on both twins, e.g. /dev/vdb.', { pattern: ABS_PATH }),
  port: port('TCP port DRBD replicates on (default 7788 + minor); unique per resource.'),
  meta_disk: str('meta-disk', 'DRBD meta-disk: "internal" or a device (default internal).', { default: 'internal' }),
  protocol: str('protocol', 'Replication protocol: A (async), B (semi-sync) or C (sync, default).', { enum: ['A', 'B', 'C'], default: 'C' }),
  filesystem: obj('filesystem', 'Filesystem on the DRBD device, mounted on the active twin.', {
    type: str('filesystem type', 'Filesystem type, e.g. ext4 or xfs.'),
    mount: str('mount point', 'Absolute mount point, e.g. /srv/data.', { pattern: ABS_PATH }),
    options: str('mount options', 'Mount options, e.g. noatime.'),
  }, ['type', 'mount']),
}, ['name', 'disk']);

const service = obj('service', 'A service the cluster keeps running on the active twin.', {
  name: str('service name', 'Init script / systemd unit name, e.g. apache2.', { pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' }),
  package: str('package', 'Debian package providing it (default: the service name).'),
  check: obj('service check', 'Probe used by smoke and failover tests.', {
    port: port('TCP port the service answers on, e.g. 80.'),
    path: str('URL path', 'HTTP path to request, e.g. "/" (omit for a plain TCP connect).'),
    expect: { type: 'string', title: 'expected text', description: 'Text the HTTP response must contain ("" = any answer).' },
  }, ['port']),
  drbd: str('DRBD resource name', 'Name of the DRBD resource this service stores its data on.'),
}, ['name']);

const guest = obj('guest', 'A virtual machine run by the cluster on a DRBD-backed disk.', {
  name: str('guest name', 'Guest (domain) name.', { pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' }),
  type: str('hypervisor', 'Hypervisor: kvm or xen.', { enum: ['kvm', 'xen'] }),
  memory: int('MiB', 'Memory in MiB (default 512).', 16, undefined, { default: 512 }),
  vcpus: int('vCPU count', 'Virtual CPUs (default 1).', 1, 256, { default: 1 }),
  disk: str('disk', 'Disk device of the guest, e.g. /dev/drbd1 (default: the device of its drbd resource).', { pattern: ABS_PATH }),
  drbd: str('DRBD resource name', 'Name of the DRBD resource backing the disk.'),
  bridge: str('bridge', 'Host bridge the guest NIC is attached to (default br0).', { default: 'br0' }),
  mac: str('MAC address', 'Guest MAC, e.g. "52:54:00:12:34:56" (quote it); default derived from cluster and guest name.',
    { pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$' }),
}, ['name', 'type']);

const realServer: Schema = {
  type: ['string', 'object'],
  title: 'real server',
  description: 'A real server: "10.77.0.21:80" or {address, port, weight}.',
  if: { type: 'string' },
  then: str('real server', 'Real server as "address" or "address:port" (port default: the virtual port).', { pattern: IPV4_OPT_PORT_PATTERN }),
  else: obj('real server', 'Real server with explicit settings.', {
    address: ipv4('Real server IPv4 address.'),
    port: port('Real server port (default: the virtual port).'),
    weight: int('weight', 'Scheduler weight (default 1; 0 = quiesced).', 0, 65535, { default: 1 }),
  }, ['address']),
};

const lvs = obj('LVS service', 'A load-balanced virtual service (IPVS on the directors).', {
  name: str('LVS service name', 'Name of the virtual service, e.g. web.', { pattern: IDENT }),
  virtual: str('virtual address', 'Virtual service as "address:port", e.g. "10.77.0.200:80".', { pattern: IPV4_PORT_PATTERN }),
  protocol: str('protocol', 'tcp (default) or udp.', { enum: ['tcp', 'udp'], default: 'tcp' }),
  scheduler: str('scheduler', 'IPVS scheduler: rr, wrr (default), lc, wlc, sh, dh, ...', { default: 'wrr' }),
  persistent: int('seconds', 'Client persistence timeout in seconds (omit for none).', 1),
  forwarding: str('forwarding method', 'gate (direct routing, default), masq (NAT) or ipip (tunnel).', { enum: ['gate', 'masq', 'ipip'], default: 'gate' }),
  real_servers: list('real servers', 'At least one real server.', realServer, 1),
  check: obj('LVS check', 'Health check of each real server.', {
    type: str('check type', 'http (default) or connect.', { enum: ['http', 'connect'], default: 'http' }),
    path: str('URL path', 'HTTP path to request (default "/").', { default: '/' }),
    expect: { type: 'string', title: 'expected text', description: 'Text the HTTP response must contain.' },
    interval: int('seconds', 'Seconds between checks (default 5).', 1, undefined, { default: 5 }),
    timeout: int('seconds', 'Seconds before a check fails (default 3).', 1, undefined, { default: 3 }),
  }),
}, ['name', 'virtual', 'real_servers']);

/**
 * The inventory JSON Schema. Print it with `hactl inventory schema`.
 * @example
 *   const validate = new Ajv({ allowUnionTypes: true }).compile(inventorySchema);
 *   validate(parse(text));
 */
export const inventorySchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'hactl inventory',
  description: 'Describes one HA cluster: its network, nodes, floating IPs, DRBD resources, services, guests and LVS services.',
  type: 'object',
  additionalProperties: false,
  required: ['cluster', 'nodes'],
  properties: {
    cluster,
    ssh: sshDefaults,
    nodes: list('nodes', 'The nodes: one master, one slave, optionally one arbitrator and extra roles.', node, 2),
    drbd: list('DRBD resources', 'DRBD resources replicated between master and slave.', drbd),
    services: list('services', 'Services run on the active twin.', service),
    guests: list('guests', 'Virtual machines run on the active twin.', guest),
    lvs: list('LVS services', 'Load-balanced virtual services.', lvs),
    vars: freeVars('Free variables for the whole cluster, available to playbooks and templates.'),
  },
};
