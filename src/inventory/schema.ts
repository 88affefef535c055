/**
 * JSON Schema (draft-07) of the inventory YAML. It is both the validator's input and what
 * editors show: `title` names a value's kind (used in error messages: "not a valid IPv4
 * address"), `description` explains it (used as the error hint and as editor hover text).
 * Cross-field rules (one master, addresses inside the network, ...) live in semantic.ts.
 */
import { COROSYNC_QUORUM_OPTIONS, COROSYNC_TOTEM_OPTIONS, DRBD_DISK_OPTIONS, DRBD_NET_OPTIONS } from './daemon-options.js';
import { CIDR_PATTERN, IPV4_OPT_PORT_PATTERN, IPV4_OPT_PREFIX_PATTERN, IPV4_PATTERN, IPV4_PORT_PATTERN } from './net.js';
import { type StackOption, TIMING_OPTIONS } from './stack-options.js';

type Schema = Record<string, unknown>;

// Values reach config files and shell command lines on the nodes: every field says what
// it may hold, as a whitelist. None starts with `-` (an option to the command it reaches).
const HOSTNAME = '^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const IDENT = '^[A-Za-z][A-Za-z0-9_-]*$';
/** One line of text: no control characters (C0, DEL, C1) and no Unicode line separators. */
export const TEXT = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$';
/** Text that goes between double quotes of a config file: no `"`, no `\\` either. */
const QUOTABLE = '^[^"\\\\\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$';
/** A device path: no whitespace, quotes, shell metacharacters or `,` (Xen's disk spec separator). */
const DEVICE_PATH = '^/[A-Za-z0-9_.+:/-]*$';
/** A directory on the nodes: as a device path, without `:` (haresources' `::` separator). */
const DIR_PATH = '^/[A-Za-z0-9_.+/-]*$';
/** Debian policy §5.6.1: lowercase letters, digits, `+`, `-`, `.`; two characters at least; alphanumeric first. */
const DEB_PACKAGE = '^[a-z0-9][a-z0-9+.-]+$';
/** Linux interface name (IFNAMSIZ 16 with the NUL); `:` for alias labels such as eth0:1. */
const IFACE = '^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$';
/** URL path (and query): RFC 3986 characters without quotes, `;`, `$`, `!`, `*`, `(`, `)`; percent-encode the others. */
const URL_PATH = '^/[A-Za-z0-9._~%/:@,+=-]*(\\?[A-Za-z0-9._~%/:@,+=&-]*)?$';

const str = (title: string, description: string, extra: Schema = {}): Schema => ({
  type: 'string',
  minLength: 1,
  title,
  description,
  ...extra,
});
const int = (title: string, description: string, minimum: number, maximum?: number, extra: Schema = {}): Schema => ({
  type: 'integer',
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
  title,
  description,
  ...extra,
});
const obj = (title: string, description: string, properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  title,
  description,
  additionalProperties: false,
  ...(required.length ? { required } : {}),
  properties,
});
const list = (title: string, description: string, items: Schema, minItems = 0): Schema => ({
  type: 'array',
  title,
  description,
  items,
  ...(minItems ? { minItems } : {}),
});
const freeVars = (description: string): Schema => ({ type: 'object', title: 'variables', description, additionalProperties: true });
const ipv4 = (description: string): Schema => str('IPv4 address', description, { pattern: IPV4_PATTERN });
const port = (description: string, extra: Schema = {}): Schema => int('port', description, 1, 65535, extra);
/** A path on the orchestrator (never in a command line on a node): any one-line text. */
const path = (description: string): Schema => str('path', description, { pattern: TEXT });
/** Free text (data, not syntax): any one line. */
const text = (title: string, description: string): Schema => ({ type: 'string', title, description, pattern: TEXT });
const bool = (description: string, extra: Schema = {}): Schema => ({ type: 'boolean', title: 'boolean', description, ...extra });

/** Two commands run on the orchestrator, both required (e.g. power off/on), each any one line. */
const commandPair = (title: string, description: string, ...pair: Array<[string, string]>): Schema =>
  obj(
    title,
    description,
    Object.fromEntries(pair.map(([k, d]) => [k, str('command', d, { pattern: TEXT })])),
    pair.map(([k]) => k),
  );

const floatingIp: Schema = {
  type: ['string', 'object'],
  title: 'floating IP',
  description: 'A virtual IP that moves with the active twin: "10.77.0.100/24" or {address, prefix, interface, name}.',
  if: { type: 'string' },
  then: str('floating IP', 'Floating IP as "address" or "address/prefix", e.g. "10.77.0.100/24".', { pattern: IPV4_OPT_PREFIX_PATTERN }),
  else: obj(
    'floating IP',
    'Floating IP with explicit settings.',
    {
      address: ipv4('The virtual IPv4 address, inside cluster.network.'),
      prefix: int('prefix length', 'Netmask length (default: the prefix of cluster.network).', 1, 32),
      interface: str(
        'interface name',
        'NIC the address is added to (default: cluster.interface): letters, digits, "_", ".", ":", "-", at most 15.',
        { pattern: IFACE },
      ),
      name: str('resource name', 'Cluster resource id (default: vip, vip2, vip3, ...).', { pattern: IDENT }),
    },
    ['address'],
  ),
};

/** `cluster.timing`, from the declared options (stack-options.ts). */
const timing = obj(
  'timing',
  'Failure-detection timing. Corosync values in ms, heartbeat values in s.',
  Object.fromEntries(
    Object.values(TIMING_OPTIONS).map((o: StackOption) => [
      o.field,
      int(o.title, o.description, o.min, o.max, typeof o.default === 'number' ? { default: o.default } : {}),
    ]),
  ),
);

/**
 * A value that may instead come from a file, a command or the environment, read at run time
 * (never written back): `{ file: PATH }`, `{ command: "pass show ipmi" }` or `{ env: NAME }`.
 * Such a value is a secret (`writeOnly`: masked wherever hactl prints).
 */
const secretSource: Schema = {
  ...obj(
    'secret source',
    'A secret read at run time: { file: PATH } (relative to the inventory), { command: "…" } (its stdout) ' + 'or { env: NAME }.',
    {
      file: path('File holding the secret (its content, trailing newline removed); relative to the inventory, ~ expanded.'),
      command: str('command', 'Shell command printing the secret on stdout, e.g. "pass show ipmi/admin".'),
      env: str('environment variable', 'Environment variable holding the secret.', { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    },
  ),
  minProperties: 1,
  maxProperties: 1,
  writeOnly: true,
};
const secretOr = (plain: Schema): Schema => ({
  type: [...[plain.type as string[] | string].flat(), 'object'],
  title: plain.title,
  description: plain.description,
  if: { type: 'object' },
  then: secretSource,
  else: plain,
});

const stonith = obj(
  'stonith',
  'Fencing. Disabled is fine for a lab; production clusters with shared data need it.',
  {
    enabled: bool('Whether fencing (STONITH) is configured.', { default: false }),
    agent: str(
      'fence agent',
      'Fence agent (Pacemaker: fence_ipmilan, fence_virsh …; Heartbeat: a stonith plugin such as external/ipmi or apcmastersnmp, its ' +
        'params positional in order): letters, digits, "_", ".", "+", "-", one "/". Required when enabled, unless sbd is given.',
      { pattern: '^[A-Za-z0-9_][A-Za-z0-9_.+-]*(/[A-Za-z0-9_][A-Za-z0-9_.+-]*)?$', maxLength: 64 },
    ),
    params: {
      type: 'object',
      title: 'agent parameters',
      description:
        'Parameters passed to the fence agent (values become strings). Names: letters, digits, "_", "-"; values: any one line (passwords ' +
        'may hold quotes, `&`, `<`, `$`; Heartbeat: no whitespace or `#`). Password-like ones (passwd, password, community, secret, ' +
        'token, key) are secrets: masked in every output, and the files holding them are written 0600; any value may instead be ' +
        '{ file }, { command } or { env }, read at run time.',
      propertyNames: {
        title: 'parameter name',
        description: 'Fence agent parameter name: letters, digits, "_", "-", a letter or "_" first.',
        pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$',
      },
      additionalProperties: secretOr({
        type: ['string', 'number', 'boolean'],
        title: 'parameter',
        description: 'Fence agent parameter value: any one line of text.',
        pattern: TEXT,
      }),
    },
    sbd: obj(
      'SBD',
      'Pacemaker only: SBD fencing (storage-based death). Without devices: diskless SBD (watchdog plus quorum: a node that loses ' +
        'quorum resets itself); with 1-3 shared block devices: disk-based SBD with a fence_sbd device. agent/params become optional.',
      {
        devices: {
          ...list(
            'SBD devices',
            'Shared block devices every voter sees (1-3, e.g. /dev/disk/by-id/...); empty or absent: diskless SBD.',
            str('device path', 'A shared block device path, the same on every node.', { pattern: DEVICE_PATH, maxLength: 255 }),
          ),
          maxItems: 3,
        },
        watchdog: str('watchdog device', 'The watchdog device SBD arms (SBD_WATCHDOG_DEV, default /dev/watchdog).', {
          default: '/dev/watchdog',
          pattern: DEVICE_PATH,
          maxLength: 255,
        }),
        watchdog_timeout: int(
          'watchdog timeout',
          'Seconds until the watchdog resets a hung node (SBD_WATCHDOG_TIMEOUT, default 5).',
          1,
          60,
          {
            default: 5,
          },
        ),
        softdog: str(
          'softdog',
          'auto (default): load the softdog module on a node without a watchdog device (never on a node sharing its kernel); never.',
          { enum: ['auto', 'never'], default: 'auto' },
        ),
      },
    ),
    watchdog: str(
      'watchdog device',
      'Heartbeat only: the watchdog device ha.cf arms (`watchdog` directive), e.g. /dev/watchdog; softdog is loaded when it is missing.',
      { pattern: DEVICE_PATH, maxLength: 255 },
    ),
  },
  ['enabled'],
);

/** A network name of `cluster.networks`: `public` is cluster.network's own name. */
const NETWORK_NAME = '^(?!public$)[a-z][a-z0-9-]{0,30}$';
const networkRef = (description: string): Schema =>
  str('network name', `${description} "public" (cluster.network) or a name of cluster.networks.`, { pattern: '^[a-z][a-z0-9-]{0,30}$' });

const networks: Schema = {
  type: 'object',
  title: 'networks',
  description:
    'Extra networks the nodes share besides cluster.network (named "public"), e.g. a back-to-back replication link: ' +
    '{backplane: {cidr: "192.168.77.0/24", interface: eth1}}. Each node gives its address on them under addresses:.',
  propertyNames: { title: 'network name', description: 'Lowercase letters, digits, "-"; not "public".', pattern: NETWORK_NAME },
  additionalProperties: obj(
    'network',
    'One extra network.',
    {
      cidr: str('network (CIDR)', 'The network in CIDR form, e.g. "192.168.77.0/24".', { pattern: CIDR_PATTERN }),
      interface: str('interface name', 'NIC on the nodes that carries it (default: cluster.interface).', { pattern: IFACE }),
    },
    ['cidr'],
  ),
};

const link = obj(
  'link',
  'One corosync knet link (Heartbeat: one ucast path to the peer).',
  {
    network: networkRef('The network the link runs on:'),
    priority: int(
      'link priority',
      'knet_link_priority: in passive mode the connected link with the highest priority carries the traffic.',
      0,
      255,
    ),
  },
  ['network'],
);

const cluster = obj(
  'cluster',
  'Cluster-wide settings.',
  {
    name: str('cluster name', 'Cluster name: lowercase letters, digits and "-", starting with a letter, e.g. "lab".', {
      pattern: '^[a-z][a-z0-9-]*$',
      maxLength: 63,
    }),
    stack: str('stack', 'Cluster stack: "pacemaker" (corosync + pacemaker) or "heartbeat".', { enum: ['pacemaker', 'heartbeat'] }),
    network: str(
      'network (CIDR)',
      'The cluster network in CIDR form, e.g. "10.77.0.0/24"; node addresses and floating IPs must lie inside it.',
      { pattern: CIDR_PATTERN },
    ),
    interface: str(
      'interface name',
      'NIC on the twins that carries the network and the floating IPs (default eth0): letters, digits, "_", ".", ":", "-", at most 15.',
      { default: 'eth0', pattern: IFACE },
    ),
    networks,
    links: {
      ...list(
        'links',
        'The cluster links, link 0 first (default: one link on "public"). Two links survive one broken cable or switch: ' +
          'e.g. [{network: backplane, priority: 2}, {network: public, priority: 1}].',
        link,
        1,
      ),
      maxItems: 8,
    },
    link_mode: str('link mode', 'How corosync uses several links (totem.link_mode): passive (default), active or rr.', {
      enum: ['passive', 'active', 'rr'],
    }),
    replication: networkRef('The network DRBD replicates over (default public):'),
    serial: obj(
      'serial cable',
      'Heartbeat only: a null-modem cable between the twins as one more heartbeat path (ha.cf `baud`, `serial`). It does not ' +
        'share a switch, a route or a firewall with the networks, so a cut of every network between the twins leaves Heartbeat (and ' +
        "dopd, DRBD's peer outdater) a path: the twins never both take over, and DRBD's peer is outdated instead.",
      {
        device: str('serial device', 'The tty of the cable on both twins (default /dev/ttyS1), e.g. /dev/ttyS0, /dev/ttyUSB0.', {
          default: '/dev/ttyS1',
          pattern: '^/dev/[A-Za-z0-9_.+-]+$',
          maxLength: 64,
        }),
        baud: int('baud rate', 'Line speed (ha.cf `baud`, default 19200), the same on both twins.', 9600, 115200, {
          enum: [9600, 19200, 38400, 57600, 115200],
          default: 19200,
        }),
      },
    ),
    floating_ips: list('floating IPs', 'At least one floating IP, e.g. ["10.77.0.100/24"].', floatingIp, 1),
    timing,
    stonith,
    arbitrator: obj(
      'arbitrator',
      'How the arbitrator node votes (default mode member: a full corosync member). mode qdevice: it runs ' +
        'corosync-qnetd and the twins corosync-qdevice (stack: pacemaker only); one qnetd may serve several clusters.',
      {
        mode: str('arbitrator mode', 'member (default: a third corosync node) or qdevice (corosync-qnetd).', {
          enum: ['member', 'qdevice'],
        }),
        algorithm: str('qdevice algorithm', 'qdevice mode: the qnetd decision algorithm, ffsplit (default) or lms.', {
          enum: ['ffsplit', 'lms'],
        }),
      },
    ),
    secrets_dir: path('Directory for generated secrets, relative to the inventory file (default .hactl/secrets/<cluster name>).'),
  },
  ['name', 'stack', 'network', 'floating_ips'],
);

const USER = '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$';

const sshDefaults = obj('ssh settings', 'SSH defaults for every node (each node may override them under its own ssh:).', {
  user: str('user name', 'Remote user (default root): letters, digits, "_", ".", "-".', { default: 'root', pattern: USER, maxLength: 32 }),
  port: port('SSH port (default 22).', { default: 22 }),
  identity: path('Private key file; relative paths are relative to the inventory file, ~ is expanded.'),
  config: path('ssh_config(5) file, read by OpenSSH itself (ssh -G -F FILE: Include, Match, ProxyJump …); default ~/.ssh/config.'),
  known_hosts: path('known_hosts file used to verify host keys; default ~/.ssh/known_hosts.'),
  become: bool('Run commands through sudo (default: true when user is not root).'),
});

const nodeSsh = obj('node ssh settings', 'Per-node SSH overrides of the top-level ssh: settings.', {
  host: str(
    'host',
    'Host name, address or ssh_config alias to connect to (default: the node address): letters, digits, "_", ".", ":", "-".',
    { pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:-]*$', maxLength: 253 },
  ),
  user: str('user name', 'Remote user for this node: letters, digits, "_", ".", "-".', { pattern: USER, maxLength: 32 }),
  port: port('SSH port for this node.'),
  identity: path('Private key file for this node; relative to the inventory file, ~ is expanded.'),
  become: bool('Run commands through sudo on this node.'),
});

const node = obj(
  'node',
  'A cluster node.',
  {
    name: str('host name', 'Node name; must equal `uname -n` on the node (letters, digits, "-", dots between labels).', {
      pattern: HOSTNAME,
    }),
    address: ipv4('IPv4 address the cluster talks on (ring0 / ucast / DRBD), inside cluster.network.'),
    role: str(
      'role',
      "master and slave are the twins (promoted and unpromoted, Pacemaker 2.1's terms, are accepted for them); " +
        'arbitrator is the quorum / ping node; director: one of an LVS director pair (exactly two, Pacemaker only: ' +
        'ldirectord and the LVS addresses in a group of their own); realserver: an LVS real server (direct routing); ' +
        'service: any other managed node.',
      { enum: ['master', 'slave', 'arbitrator', 'service', 'director', 'realserver', 'promoted', 'unpromoted'] },
    ),
    node_id: int('node id', 'Corosync node id (default: 1-based position in nodes:). Set it on every node or on none.', 1, 4294967294),
    addresses: {
      type: 'object',
      title: 'addresses',
      description: "The node's address on each extra network of cluster.networks, e.g. {backplane: 192.168.77.11}.",
      propertyNames: { title: 'network name', description: 'A name of cluster.networks.', pattern: NETWORK_NAME },
      additionalProperties: ipv4('Its IPv4 address on that network.'),
    },
    ssh: nodeSsh,
    vars: freeVars('Free variables for this node, available to playbooks and templates.'),
  },
  ['name', 'address', 'role'],
);

const drbd = obj(
  'DRBD resource',
  'A DRBD resource replicated between master and slave.',
  {
    name: str('resource name', 'DRBD resource name, e.g. r0.', { pattern: IDENT }),
    device: str('DRBD device', 'DRBD device, /dev/drbdN; N is the minor number (give device or minor).', { pattern: '^/dev/drbd[0-9]+$' }),
    minor: int('minor number', 'DRBD minor number (default: taken from device).', 0, 1048575),
    disk: str(
      'block device',
      'Backing block device, the same path on both twins, e.g. /dev/vdb: an absolute path of letters, digits, "_", ".", "+", ":", "-".',
      { pattern: DEVICE_PATH },
    ),
    port: port('TCP port DRBD replicates on (default 7788 + minor); unique per resource.'),
    meta_disk: str('meta-disk', 'DRBD meta-disk: "internal" or a device path such as /dev/vdc1 (default internal).', {
      default: 'internal',
      pattern: '^(internal|/[A-Za-z0-9_.+:/-]*)$',
    }),
    protocol: str('protocol', 'Replication protocol: A (async), B (semi-sync) or C (sync, default).', {
      enum: ['A', 'B', 'C'],
      default: 'C',
    }),
    filesystem: obj(
      'filesystem',
      'Filesystem on the DRBD device, mounted on the active twin.',
      {
        type: str('filesystem type', 'Filesystem type, e.g. ext4 or xfs (mkfs.TYPE must exist): lowercase letters and digits.', {
          pattern: '^[a-z][a-z0-9]{0,15}$',
        }),
        mount: str('mount point', 'Absolute mount point, e.g. /srv/data: letters, digits, "_", ".", "+", "-" between the "/".', {
          pattern: DIR_PATH,
        }),
        options: str('mount options', 'Mount options, e.g. noatime,data=ordered: letters, digits and "_.,=:/@+-", no spaces or quotes.', {
          pattern: '^[A-Za-z0-9_][A-Za-z0-9_.,=:/@+-]*$',
        }),
      },
      ['type', 'mount'],
    ),
    initialize: str(
      'initialize',
      'wipe: let bootstrap create DRBD metadata over a backing disk that is not blank (its data is lost). ' +
        'Without it a disk holding a filesystem or other data and no DRBD metadata is refused.',
      { enum: ['wipe'] },
    ),
    fencing: str(
      'DRBD fencing',
      'DRBD fencing policy: resource-and-stonith (Pacemaker: I/O freezes until crm-fence-peer has outdated the peer or the cluster ' +
        "fenced it), resource-only (Pacemaker: crm-fence-peer; Heartbeat: dopd's drbd-peer-outdater) or off. Default: " +
        'resource-and-stonith on Pacemaker and resource-only on Heartbeat when cluster.stonith is enabled, else off.',
      { enum: ['resource-and-stonith', 'resource-only', 'off'] },
    ),
  },
  ['name', 'disk'],
);

/**
 * An LVM volume group or logical volume name: LVM's characters (letters, digits, "+_.-"),
 * not starting with "-" or "." (LVM refuses "-", and "."/".." are no names), at most 63.
 * Logical volumes may not start with "snapshot" or "pvmove" (LVM reserves them).
 */
const LVM_NAME = '^[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,62}$';
const LV_NAME = '^(?!snapshot|pvmove)[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,62}$';
/** An LV size for `lvcreate -L`: a whole number of MiB, GiB or TiB. */
export const LV_SIZE = '^[1-9][0-9]{0,8}[MGT]$';

const lvmVolumeGroup = obj(
  'LVM volume group',
  'A volume group on named physical volumes, with its logical volumes, created on both twins (master and slave).',
  {
    vg: str('volume group name', 'Volume group name, e.g. vg0: letters, digits and "+_.-", not starting with "-" or ".".', {
      pattern: LVM_NAME,
    }),
    pvs: list(
      'physical volumes',
      'Blank disks made physical volumes of this group, the same paths on both twins, e.g. [/dev/vdc]. ' +
        'A disk that holds anything (a filesystem, a partition table, a PV of another group) is refused.',
      str('device path', 'An absolute device path of letters, digits, "_", ".", "+", ":", "-".', { pattern: DEVICE_PATH, maxLength: 255 }),
      1,
    ),
    lvs: list(
      'logical volumes',
      'Logical volumes of this group; each one is /dev/VG/NAME, usable as a DRBD disk or a guest disk.',
      obj(
        'logical volume',
        'A logical volume, created when missing (never resized).',
        {
          name: str('logical volume name', 'Logical volume name, e.g. vm1: letters, digits and "+_.-" (not "snapshot*"/"pvmove*").', {
            pattern: LV_NAME,
          }),
          size: str('size', 'Size as lvcreate -L takes it: a whole number and M, G or T (MiB, GiB, TiB), e.g. 512M or 10G.', {
            pattern: LV_SIZE,
          }),
        },
        ['name', 'size'],
      ),
    ),
  },
  ['vg', 'pvs'],
);

/** An exports(5) client: a host, a wildcard, an @netgroup or an address with a prefix; no spaces, quotes, parentheses or ":". */
const NFS_CLIENT = '^[A-Za-z0-9*?@_][A-Za-z0-9*?@_.-]*(/[0-9]{1,2})?$';
/** exports(5) options, comma-separated: letters, digits, "_", "="; no spaces, parentheses or ":". */
const NFS_OPTIONS = '^[a-z0-9_]+(=[A-Za-z0-9_]+)?(,[a-z0-9_]+(=[A-Za-z0-9_]+)?)*$';

const nfsExport = obj(
  'NFS export',
  'One exported directory (ocf:heartbeat:exportfs on Pacemaker, the same agent through OCF:: on Heartbeat).',
  {
    path: str('export path', 'The exported directory, on the DRBD filesystem: absolute, letters, digits, "_", ".", "+", "-".', {
      pattern: DIR_PATH,
      maxLength: 255,
    }),
    clients: str('NFS clients', 'Who may mount it, as exports(5): a network "10.77.0.0/24", a host, "*.example.org" or "@netgroup".', {
      pattern: NFS_CLIENT,
      maxLength: 255,
    }),
    options: str('export options', 'exports(5) options, e.g. rw,sync,no_subtree_check (the default): comma-separated, no spaces.', {
      pattern: NFS_OPTIONS,
      maxLength: 255,
    }),
    fsid: int('fsid', 'The filesystem id clients see, the same on both twins (default: 1 + the position in exports).', 1, 2147483647),
  },
  ['path', 'clients'],
);

const service = obj(
  'service',
  'A service the cluster keeps running on the active twin.',
  {
    name: str('service name', 'Init script / systemd unit name, e.g. apache2.', { pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' }),
    package: str(
      'Debian package name',
      'Debian package providing it (default: the service name): lowercase letters, digits, "+", "-", "." (Debian policy 5.6.1).',
      { pattern: DEB_PACKAGE },
    ),
    check: obj(
      'service check',
      'Probe used by smoke and failover tests.',
      {
        port: port('TCP port the service answers on, e.g. 80.'),
        path: str(
          'URL path',
          'HTTP path to request, e.g. "/" or "/status?full=1" (omit for a plain TCP connect): "/" then letters, digits and "-._~%/:@,+=" ' +
            '(and "&" after "?"); percent-encode anything else, e.g. a space as %20.',
          { pattern: URL_PATH, maxLength: 2048 },
        ),
        expect: text(
          'expected text',
          'Text the HTTP response (or, without a port, the command\'s output) must contain ("" = any answer): any one line.',
        ),
        status: int('HTTP status', 'The HTTP status that counts as healthy, e.g. 200 (default: any below 500); needs a path.', 100, 599),
        command: text(
          'command',
          'Command run on the node holding the service (sh -c, as root); healthy when it exits 0, e.g. "mysqladmin ping". ' +
            'Smoke runs it; failover-test probes the port through the floating IP.',
        ),
      },
      [],
    ),
    drbd: str('DRBD resource name', 'Name of the DRBD resource this service stores its data on.', { pattern: IDENT }),
    kind: str(
      'service kind',
      'mariadb (the mysql resource agent, datadir on the DRBD filesystem) or nfs (nfsserver + one exportfs per export); ' +
        'absent: a plain init script / systemd unit.',
      { enum: ['mariadb', 'nfs'] },
    ),
    datadir: str(
      'data directory',
      'kind mariadb: the database directory (default: mysql under the DRBD mount, else /var/lib/mysql): absolute, letters, ' +
        'digits, "_", ".", "+", "-" between the "/".',
      { pattern: DIR_PATH, maxLength: 255 },
    ),
    state_dir: str(
      'state directory',
      "kind nfs: the NFS server's state (/var/lib/nfs: client list, NFSv4 recovery) kept on the DRBD filesystem (default: nfs " +
        'under the DRBD mount): absolute, letters, digits, "_", ".", "+", "-" between the "/".',
      { pattern: DIR_PATH, maxLength: 255 },
    ),
    exports: list('NFS exports', 'kind nfs: the exported directories (at least one), each { path, clients, options?, fsid? }.', nfsExport),
    lease_time: int('seconds', 'kind nfs: NFSv4 lease time (nfs.conf [nfsd] lease-time), 10 to 3600 (default 90).', 10, 3600),
    grace_time: int(
      'seconds',
      'kind nfs: grace period after a (re)start in which clients reclaim their locks (nfs.conf [nfsd] grace-time), ' +
        '10 to 3600 (default 90).',
      10,
      3600,
    ),
  },
  ['name'],
);

const guest = obj(
  'guest',
  'A virtual machine run by the cluster on a DRBD-backed disk.',
  {
    name: str('guest name', 'Guest (domain) name.', { pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' }),
    type: str('hypervisor', 'Hypervisor: kvm or xen.', { enum: ['kvm', 'xen'] }),
    memory: int('MiB', 'Memory in MiB, 16 to 16777216 (16 TiB; default 512).', 16, 16_777_216, { default: 512 }),
    vcpus: int('vCPU count', 'Virtual CPUs (default 1).', 1, 256, { default: 1 }),
    disk: str('disk', 'Disk device of the guest, e.g. /dev/drbd1 (default: the device of its drbd resource).', { pattern: DEVICE_PATH }),
    drbd: str('DRBD resource name', 'Name of the DRBD resource backing the disk.', { pattern: IDENT }),
    bridge: str('bridge', 'Host bridge the guest NIC is attached to (default br0): an interface name.', { default: 'br0', pattern: IFACE }),
    mac: str('MAC address', 'Guest MAC, e.g. "52:54:00:12:34:56" (quote it); default derived from cluster and guest name.', {
      pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$',
    }),
  },
  ['name', 'type'],
);

const realServer: Schema = {
  type: ['string', 'object'],
  title: 'real server',
  description: 'A real server: "10.77.0.21:80" or {address, port, weight}.',
  if: { type: 'string' },
  then: str('real server', 'Real server as "address" or "address:port" (port default: the virtual port).', {
    pattern: IPV4_OPT_PORT_PATTERN,
  }),
  else: obj(
    'real server',
    'Real server with explicit settings.',
    {
      address: ipv4('Real server IPv4 address.'),
      port: port('Real server port (default: the virtual port).'),
      weight: int('weight', 'Scheduler weight (default 1; 0 = quiesced).', 0, 65535, { default: 1 }),
    },
    ['address'],
  ),
};

const lvs = obj(
  'LVS service',
  'A load-balanced virtual service (IPVS on the directors).',
  {
    name: str('LVS service name', 'Name of the virtual service, e.g. web.', { pattern: IDENT }),
    virtual: str('virtual address', 'Virtual service as "address:port", e.g. "10.77.0.200:80".', { pattern: IPV4_PORT_PATTERN }),
    protocol: str('protocol', 'tcp (default) or udp.', { enum: ['tcp', 'udp'], default: 'tcp' }),
    scheduler: str('scheduler', 'IPVS scheduler: rr, wrr (default), lc, wlc, sh, dh, ... (lowercase letters and digits).', {
      default: 'wrr',
      pattern: '^[a-z][a-z0-9]{0,15}$',
    }),
    persistent: int('seconds', 'Client persistence timeout in seconds, 1 to 604800 (omit for none).', 1, 604_800),
    forwarding: str('forwarding method', 'gate (direct routing, default), masq (NAT) or ipip (tunnel).', {
      enum: ['gate', 'masq', 'ipip'],
      default: 'gate',
    }),
    real_servers: list('real servers', 'At least one real server.', realServer, 1),
    check: obj('LVS check', 'Health check of each real server.', {
      type: str('check type', 'http (default) or connect.', { enum: ['http', 'connect'], default: 'http' }),
      path: str('URL path', 'HTTP path to request (default "/"): "/" then letters, digits and "-._~%/:@,+=" (and "&" after "?").', {
        default: '/',
        pattern: URL_PATH,
        maxLength: 2048,
      }),
      expect: {
        type: 'string',
        title: 'expected text',
        description: 'Text the HTTP response must contain: one line, no `"` or `\\` (ldirectord.cf quotes it).',
        pattern: QUOTABLE,
      },
      interval: int('seconds', 'Seconds between checks, 1 to 3600 (default 5).', 1, 3600, { default: 5 }),
      timeout: int('seconds', 'Seconds before a check fails, 1 to 3600 (default 3).', 1, 3600, { default: 3 }),
    }),
  },
  ['name', 'virtual', 'real_servers'],
);

/** An XML id (the ASCII part of XML's NCName): Pacemaker's ids, references and constraint ids. */
const XML_ID = '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$';
/** A value of a cluster property or default: written by crm_attribute and read back by an XPath literal. */
const PCMK_VALUE = '^[A-Za-z0-9_.:/+@%,=-]*$';
/** A Pacemaker duration: 10, 10s, 500ms, 2min, 1h. */
const DURATION = '^[0-9]+(ms|s|m|min|h)?$';
/** A constraint score: a whole number or (+/-)INFINITY. */
const SCORE = '^[+-]?([0-9]{1,9}|INFINITY)$';
const xmlId = (title: string, description: string): Schema => str(title, description, { pattern: XML_ID });
const nvMap = (title: string, description: string, names: string, values: Schema): Schema => ({
  type: 'object',
  title,
  description,
  propertyNames: { title: `${title.replace(/s$/, '')} name`, description: `Names: ${names}.`, pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' },
  additionalProperties: values,
});
const nvValue = (title: string): Schema => ({
  type: ['string', 'number', 'boolean'],
  title,
  description: `${title[0]!.toUpperCase()}${title.slice(1)}: any one line of text.`,
  pattern: TEXT,
});
const score = (description: string): Schema => ({ type: ['string', 'integer'], title: 'score', description, pattern: SCORE });

const pcmkOp = obj(
  'operation',
  'One operation of a resource: name, interval, timeout, role.',
  {
    name: str('operation name', 'monitor, start, stop, promote, demote, notify, migrate_to, migrate_from, reload, reload-agent.', {
      enum: ['monitor', 'start', 'stop', 'promote', 'demote', 'notify', 'migrate_to', 'migrate_from', 'reload', 'reload-agent'],
    }),
    interval: str('duration', 'How often (monitor), e.g. 10s; 0 for the others (default 0).', { pattern: DURATION }),
    timeout: str('duration', 'How long it may take, e.g. 20s, 2min.', { pattern: DURATION }),
    role: str('role', 'Only in this role (monitors of promotable clones): Promoted or Unpromoted.', {
      enum: ['Promoted', 'Unpromoted', 'Started', 'Stopped'],
    }),
  },
  ['name'],
);

const pcmkResource = obj(
  'declared resource',
  'A Pacemaker primitive hactl creates beside its own.',
  {
    id: xmlId(
      'resource id',
      'Resource id, unique in the CIB: letters, digits, "_", ".", "-", a letter or "_" first (XML NCName), at most 64.',
    ),
    agent: str(
      'resource agent',
      'class:provider:type for OCF (ocf:heartbeat:Dummy), class:type for the others (systemd:nginx, lsb:apache2, stonith:fence_ipmilan).',
      {
        pattern: '^(ocf:[A-Za-z0-9_][A-Za-z0-9_.+-]*:[A-Za-z0-9_][A-Za-z0-9_.+-]*|(systemd|lsb|stonith):[A-Za-z0-9_][A-Za-z0-9_.+@-]*)$',
        maxLength: 128,
      },
    ),
    params: {
      ...nvMap(
        'agent parameters',
        'Instance attributes passed to the agent; password-like names (passwd, password, secret, key, …) are ' +
          'secrets, masked in every output; any value may instead be { file }, { command } or { env }.',
        'letters, digits, "_", ".", "-", a letter or "_" first',
        secretOr(nvValue('parameter value')),
      ),
    },
    ops: list('operations', 'Operations with their intervals and timeouts, e.g. [{ name: monitor, interval: 10s, timeout: 20s }].', pcmkOp),
    meta: nvMap(
      'meta attributes',
      'Meta attributes of the resource, e.g. migration-threshold: 3, target-role: Stopped.',
      'letters, digits, "_", ".", "-"',
      nvValue('meta attribute value'),
    ),
  },
  ['id', 'agent'],
);

const pcmkGroup = obj(
  'declared group',
  'A group of declared resources, started in order on one node.',
  {
    id: xmlId('group id', 'Group id (XML NCName), unique in the CIB.'),
    resources: list(
      'resource ids',
      'The declared resources (ids from pacemaker.resources) in start order.',
      xmlId('resource id', 'A declared resource id.'),
      1,
    ),
    meta: nvMap('meta attributes', 'Meta attributes of the group.', 'letters, digits, "_", ".", "-"', nvValue('meta attribute value')),
  },
  ['id', 'resources'],
);

const pcmkClone = obj(
  'declared clone',
  'A clone (or promotable clone) of one declared resource or group.',
  {
    id: xmlId('clone id', 'Clone id (XML NCName), unique in the CIB.'),
    resource: xmlId('resource id', 'The declared resource or group it clones.'),
    promotable: bool('A promotable clone (one Promoted instance, the others Unpromoted; default false).'),
    meta: nvMap(
      'meta attributes',
      'Meta attributes of the clone, e.g. clone-max: 2.',
      'letters, digits, "_", ".", "-"',
      nvValue('meta attribute value'),
    ),
  },
  ['id', 'resource'],
);

const pcmkLocation = obj(
  'location constraint',
  'Where a resource may (score > 0), should not (< 0) or must never (-INFINITY) run.',
  {
    id: xmlId('constraint id', 'Constraint id (XML NCName), unique in the CIB.'),
    resource: xmlId('resource id', "A declared resource, group or clone, or one of hactl's (ha-services, vip, …)."),
    node: str('node name', 'A node of nodes:.', { pattern: HOSTNAME }),
    score: score('Preference: a whole number, INFINITY or -INFINITY.'),
  },
  ['id', 'resource', 'node', 'score'],
);

const pcmkColocation = obj(
  'colocation constraint',
  'Keeps resource where (INFINITY) or away from where (-INFINITY) `with` runs.',
  {
    id: xmlId('constraint id', 'Constraint id (XML NCName), unique in the CIB.'),
    resource: xmlId('resource id', "The resource placed: declared, or one of hactl's."),
    with: xmlId('resource id', "The resource it is placed with, e.g. ha-services (hactl's service group)."),
    score: score('INFINITY (together, default), -INFINITY (apart) or a whole number.'),
    role: str('role', 'Only the resource in this role (promotable clones).', { enum: ['Started', 'Promoted', 'Unpromoted'] }),
    with_role: str('role', 'Only where `with` has this role (promotable clones).', { enum: ['Started', 'Promoted', 'Unpromoted'] }),
  },
  ['id', 'resource', 'with'],
);

const pcmkAction = (d: string): Schema => str('action', d, { enum: ['start', 'stop', 'promote', 'demote'] });
const pcmkOrder = obj(
  'order constraint',
  'Starts `then` after `first`.',
  {
    id: xmlId('constraint id', 'Constraint id (XML NCName), unique in the CIB.'),
    first: xmlId('resource id', "The resource started first: declared, or one of hactl's."),
    then: xmlId('resource id', 'The resource started after it.'),
    kind: str('kind', 'Mandatory (default), Optional or Serialize.', { enum: ['Mandatory', 'Optional', 'Serialize'] }),
    first_action: pcmkAction('Action of first (default start).'),
    then_action: pcmkAction('Action of then (default: the action of first).'),
    symmetrical: bool('Stop in reverse order (default true).'),
  },
  ['id', 'first', 'then'],
);

const pcmkNv = (title: string, description: string): Schema =>
  nvMap(title, description, 'letters, digits, "_", ".", "-"', {
    type: ['string', 'number', 'boolean'],
    title: 'value',
    description: 'A value: letters, digits and "_.:/+@%,=-", no spaces or quotes.',
    pattern: PCMK_VALUE,
  });

/** `pacemaker:`: what the cluster runs beyond hactl's built-in services and guests (docs/inventory.md). */
const pacemaker = obj('pacemaker', 'Further Pacemaker resources, constraints, properties and defaults (stack: pacemaker only).', {
  resources: list('declared resources', 'Primitives: any OCF, systemd, lsb or stonith agent.', pcmkResource),
  groups: list('declared groups', 'Groups of declared resources.', pcmkGroup),
  clones: list('declared clones', 'Clones and promotable clones of declared resources or groups.', pcmkClone),
  locations: list('location constraints', 'rsc_location constraints.', pcmkLocation),
  colocations: list('colocation constraints', 'rsc_colocation constraints.', pcmkColocation),
  orders: list('order constraints', 'rsc_order constraints.', pcmkOrder),
  properties: pcmkNv('cluster properties', 'Cluster options (crm_config), e.g. stonith-timeout: 60s; only these names are written.'),
  rsc_defaults: pcmkNv('resource defaults', 'Resource defaults (rsc_defaults), e.g. migration-threshold: 3.'),
  op_defaults: pcmkNv('operation defaults', 'Operation defaults (op_defaults), e.g. timeout: 60s.'),
});

/** A map rendered verbatim into a daemon's config: keys from `keys`, values matching `value` (strings) or numbers/booleans. */
const passthrough = (title: string, description: string, keys: readonly string[], value: string, valueHint: string): Schema => ({
  type: 'object',
  title,
  description,
  propertyNames: {
    title: title.replace(/ options$/, ' option'),
    description: `${title.replace(/ options$/, '')} option names: ${keys.join(', ')}.`,
    enum: [...keys],
  },
  additionalProperties: { type: ['string', 'number', 'boolean'], title: 'option value', description: valueHint, pattern: value },
});
// no braces, `;`, `#`, quotes or newlines: a value cannot open a section or end a statement
const COROSYNC_VALUE = '^[A-Za-z0-9_][A-Za-z0-9_.:/+@%,=-]*( [A-Za-z0-9_.:/+@%,=-]+)*$';
const DRBD_VALUE = '^[A-Za-z0-9_][A-Za-z0-9_.:/+@%,=-]*$';
const COROSYNC_HINT =
  'corosync.conf value: letters, digits and "_.:/+@%,=-" (a letter, digit or "_" first), words separated by single spaces.';
const DRBD_HINT = 'drbd.conf value: one word of letters, digits and "_.:/+@%,=-" (a letter, digit or "_" first).';

const drbdOptions: Schema = {
  type: 'object',
  title: 'DRBD options',
  description: 'Per DRBD resource (by name): extra net and disk options, rendered into its .res file.',
  propertyNames: { title: 'DRBD resource name', description: 'Name of a DRBD resource of drbd:, e.g. r0.', pattern: IDENT },
  additionalProperties: obj('DRBD resource options', 'Extra options of one DRBD resource.', {
    net: passthrough(
      'DRBD net options',
      'Options of the net section (drbd.conf(5)), e.g. ping-int: 3.',
      DRBD_NET_OPTIONS,
      DRBD_VALUE,
      DRBD_HINT,
    ),
    disk: passthrough(
      'DRBD disk options',
      'Options of the disk section (drbd.conf(5)), e.g. on-io-error: detach.',
      DRBD_DISK_OPTIONS,
      DRBD_VALUE,
      DRBD_HINT,
    ),
  }),
};

/**
 * Cluster `vars`: free, except the keys hactl itself reads, which are checked here so a
 * wrong one is reported with its line (passthrough daemon options, extra packages).
 */
const clusterVars: Schema = {
  ...freeVars('Free variables for the whole cluster, available to playbooks and templates.'),
  properties: {
    corosync: obj('corosync options', "Extra corosync.conf options (corosync.conf(5), votequorum(5)), overriding hactl's.", {
      totem: passthrough(
        'corosync totem options',
        'Options of the totem section, e.g. token_retransmits_before_loss_const: 10.',
        COROSYNC_TOTEM_OPTIONS,
        COROSYNC_VALUE,
        COROSYNC_HINT,
      ),
      quorum: passthrough(
        'corosync quorum options',
        'Options of the quorum section (votequorum(5)), e.g. wait_for_all: 1.',
        COROSYNC_QUORUM_OPTIONS,
        COROSYNC_VALUE,
        COROSYNC_HINT,
      ),
    }),
    drbd_options: drbdOptions,
    hypervisor_packages: list(
      'packages',
      'Debian packages installed on the twins for the guests, instead of the defaults.',
      str('Debian package name', 'A Debian package name: lowercase letters, digits, "+", "-", "." (Debian policy 5.6.1).', {
        pattern: DEB_PACKAGE,
      }),
    ),
    op_timeout_factor: int(
      'factor',
      'Every Pacemaker operation timeout is multiplied by it (slow, emulated nodes), 1 to 10 (default 1).',
      1,
      10,
    ),
    auto_failback: bool('Heartbeat: move the resources back to the master when it returns (default true).'),
    history_keep: int(
      'generations',
      'Generations (replaced files, the CIB before) kept per node for hactl history and rollback, 1 to 1000 (default 10).',
      1,
      1000,
    ),
    failover_budget: {
      type: 'number',
      title: 'seconds',
      description: "Failover budget in seconds that drift's timing rules check the cluster's timeouts against (default 30).",
      exclusiveMinimum: 0,
    },
    failover: obj('failover-test settings', 'Settings of hactl failover-test (docs/failover.md).', {
      move_back: bool('The restore moves the resources back to the master (default true).'),
      data_write: str(
        'command',
        'Run where the resources are just before each fault: writes fresh data that must survive (needs data_check).',
        { pattern: TEXT },
      ),
      data_check: str('command', 'Run where the resources are: before the fault, on the survivor, after the restore.', {
        pattern: TEXT,
      }),
      marker_path: str('URL path', "GET path that answers the node's name (the prober tells the nodes apart by it).", {
        pattern: URL_PATH,
        maxLength: 2048,
      }),
      power: commandPair(
        'power commands',
        'Commands run on the orchestrator to power a node off and on (IPMI, PDU, hypervisor); {node} and {address} are replaced.',
        ['off', 'Powers {node} off.'],
        ['on', 'Powers {node} on.'],
      ),
      pause: commandPair(
        'pause commands',
        "Real nodes: what freeze does, run on the orchestrator (a hypervisor's suspend, resume); {node}, {address} are replaced.",
        ['freeze', 'Hangs {node}: every process stopped, nothing lost.'],
        ['thaw', 'Resumes {node}.'],
      ),
      cut_seconds: {
        type: 'number',
        title: 'seconds',
        description: 'Real nodes: how long cut-link keeps the link down (≥ 5, default 60).',
        minimum: 5,
      },
      service_process: str('process name', "What kill-service kills (default: the first service's name).", { pattern: TEXT }),
      timeout_factor: {
        type: 'number',
        title: 'factor',
        description:
          "Slow (emulated) nodes: every SSH timeout, the watcher's poll and the restore are multiplied by it, 1 to 10 (default 1).",
        minimum: 1,
        maximum: 10,
      },
    }),
  },
};

/**
 * The inventory JSON Schema. Print it with `hactl inventory schema`.
 * @example
 *   const validate = new Ajv({ allowUnionTypes: true }).compile(inventorySchema);
 *   validate(parse(text));
 */
export const inventorySchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'hactl inventory',
  description:
    'Describes one HA cluster: its network, nodes, floating IPs, LVM volumes, DRBD resources, services, guests and LVS services.',
  type: 'object',
  additionalProperties: false,
  required: ['cluster', 'nodes'],
  properties: {
    cluster,
    ssh: sshDefaults,
    nodes: list('nodes', 'The nodes: one master, one slave, optionally one arbitrator and extra roles.', node, 2),
    lvm: list('LVM volume groups', 'Volume groups and logical volumes created on the twins (before DRBD and the guests).', lvmVolumeGroup),
    drbd: list('DRBD resources', 'DRBD resources replicated between master and slave.', drbd),
    services: list('services', 'Services run on the active twin.', service),
    guests: list('guests', 'Virtual machines run on the active twin.', guest),
    lvs: list('LVS services', 'Load-balanced virtual services.', lvs),
    pacemaker,
    vars: clusterVars,
  },
};
