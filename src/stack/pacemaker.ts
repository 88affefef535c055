import { InputError } from '../core/errors.js';
import { revealValue } from '../core/secret.js';
import { quote } from '../core/shell.js';
import { findAll, parseXml } from '../core/xml.js';
import { CRM_MON, type CrmStatus } from '../facts/crm-mon.js';
import type { Fact } from '../facts/fact.js';
import { type ClusterModel, directors, type ServiceModel } from '../inventory/model.js';
import { FORMATION_NVPAIR_ID } from './cib.js';
import { members } from './corosync.js';
import { declaredView } from './declared.js';
import { drbdFencing } from './drbd.js';
import { guestFile } from './guests.js';
import { LDIRECTORD_CF, lvsAddresses } from './lvs.js';
import { sbdFenceDevice, stonithWatchdogTimeout } from './sbd.js';
import { kindResources } from './service-kinds.js';

/** Where the desired CIB sections are kept on the nodes (for diffs, drift and apply). */
export const CIB_DIR = '/var/lib/hactl/cib';
/** The desired CIB sections bootstrap keeps in {@link CIB_DIR} on the master (drift compares the live CIB with them). */
export const CIB_FILES = ['resources.xml', 'constraints.xml', 'fencing-topology.xml'] as const;
export const GROUP_ID = 'ha-services';
/**
 * The group of the LVS virtual addresses and ldirectord when the inventory has a director
 * pair (`role: director`): on the directors only, apart from the services group on the twins.
 */
export const LVS_GROUP_ID = 'lvs';
/**
 * The ldirectord primitive of a Pacemaker cluster with `lvs:` (ocf:heartbeat:ldirectord, in the
 * services group, or with a director pair in {@link LVS_GROUP_ID}).
 */
export const LDIRECTORD_ID = 'ldirectord';
/**
 * ldirectord's start, stop and monitor timeout in seconds (resources.xml.hbs), times
 * op_timeout_factor: the agent's advertised 15 s start was not enough on the VM lab
 * (ldirectord, Perl, loads and runs its first checks before the agent sees it up: 41 s and
 * > 45 s under emulation), and a 20 s monitor (60 s there) timed out on a loaded twin, which
 * restarted the group behind it.
 */
export const LDIRECTORD_TIMEOUT = 60;

/** The id of an LVS virtual address's IPaddr2 primitive: named after the first LVS service on it. */
export function lvsAddressId(c: ClusterModel, address: string): string {
  return `vip-lvs-${c.lvs.find((s) => s.address === address)?.name ?? address.replace(/\W/g, '-')}`;
}

export interface CibOptions {
  /** DRBD is active (kernel module present on both twins) */
  drbd: boolean;
  /** resource class for services: `systemd` or `lsb` (nodes without systemd) */
  serviceClass: 'systemd' | 'lsb';
  /** the twins' kernels have IPVS: the LVS addresses and ldirectord are resources (default: true) */
  ipvs?: boolean;
}

/** The data resources.xml.hbs and constraints.xml.hbs render. */
export function cibView(c: ClusterModel, o: CibOptions): Record<string, unknown> {
  const twins = [c.master.name, c.slave.name];
  const drbd = o.drbd ? c.drbd : [];
  const lvs = c.lvs.length > 0 && o.ipvs !== false;
  // a director pair (the three tiers): the LVS addresses and ldirectord form a group of their own there
  const pair = directors(c).map((n) => n.name);
  const lvsVips = lvs
    ? lvsAddresses(c).map((a) => ({ id: lvsAddressId(c, a), address: a, prefix: c.network.prefix, interface: c.interface }))
    : [];
  const ldirectord = lvs ? { id: LDIRECTORD_ID, configfile: LDIRECTORD_CF, timeout: LDIRECTORD_TIMEOUT } : undefined;
  const services = c.services.filter((s) => o.drbd || !s.drbd);
  const sbdDevice = sbdFenceDevice(c, fenceRaceDelay(c));
  const fencing = [
    ...(c.stonith.enabled && c.stonith.agent
      ? members(c).map((n) => ({
          id: `fence-${n.name}`,
          agent: c.stonith.agent,
          target: n.name,
          params: { ...fenceRaceDelay(c), ...fenceParams(c), pcmk_host_list: n.name },
        }))
      : []),
    // disk-based SBD: one fence_sbd device for every node (it writes the poison pill into the target's slot)
    ...(sbdDevice ? [sbdDevice] : []),
  ];
  return {
    group: GROUP_ID,
    master: c.master.name,
    monitor: c.timing.monitorInterval,
    timeout_factor: opTimeoutFactor(c),
    outsiders: members(c)
      .map((n) => n.name)
      .filter((n) => !twins.includes(n)),
    fencing,
    // with DRBD fencing the agent also removes a stale crm-fence-peer constraint once both sides are UpToDate
    drbd: drbd.map((r) => ({ name: r.name, id: `drbd-${r.name}`, clone: `drbd-${r.name}-clone`, unfence: drbdFencing(c, r) !== 'off' })),
    filesystems: drbd
      .filter((r) => r.filesystem)
      .map((r) => ({
        id: `fs-${r.name}`,
        device: r.device,
        directory: r.filesystem!.mount,
        fstype: r.filesystem!.type,
        options: r.filesystem!.options ?? '',
      })),
    // the floating IPs, then the LVS virtual addresses that are not floating IPs: on the director
    // that runs ldirectord, which only adds the IPVS rules (as Heartbeat's haresources does)
    vips: [
      ...c.floatingIps.map((v) => ({ id: v.name, address: v.address, prefix: v.prefix, interface: v.interface })),
      ...(pair.length ? [] : lvsVips),
    ],
    ldirectord: pair.length ? undefined : ldirectord,
    // with directors: their own group, preferring the first director, never on another member
    lvs_group:
      pair.length && lvs
        ? {
            id: LVS_GROUP_ID,
            prefers: pair[0],
            vips: lvsVips,
            ldirectord,
            outsiders: members(c)
              .map((n) => n.name)
              .filter((n) => !pair.includes(n)),
          }
        : undefined,
    // NFS before the floating IPs: the address comes up once the exports are there, and goes first on a stop
    early: services.filter((s) => s.kind === 'nfs').flatMap((s) => serviceResources(c, s, o.serviceClass)),
    services: services.filter((s) => s.kind !== 'nfs').flatMap((s) => serviceResources(c, s, o.serviceClass)),
    guests: c.guests
      .filter((g) => o.drbd || !g.drbd)
      .map((g) =>
        g.type === 'kvm'
          ? { id: `vm-${g.name}`, agent: 'VirtualDomain', params: { config: guestFile(g), hypervisor: 'qemu:///system' } }
          : { id: `vm-${g.name}`, agent: 'Xen', params: { xmfile: guestFile(g) } },
      ),
    declared: declaredView(c),
    topology: fencingTopology(c, fencing),
  };
}

/**
 * The primitives of one service, as resources.xml.hbs renders them in the group: a plain
 * service is its init script or unit (`serviceClass`), a service of a kind its resource
 * agents (src/stack/service-kinds.ts). Timeouts times `vars.op_timeout_factor`.
 */
function serviceResources(c: ClusterModel, s: ServiceModel, serviceClass: CibOptions['serviceClass']): Array<Record<string, unknown>> {
  const f = opTimeoutFactor(c);
  const ops = (id: string, t: { start: number; stop: number; monitor: number }) => [
    { id: `${id}-monitor`, name: 'monitor', interval: `${c.timing.monitorInterval}s`, timeout: `${t.monitor * f}s` },
    { id: `${id}-start`, name: 'start', interval: '0s', timeout: `${t.start * f}s` },
    { id: `${id}-stop`, name: 'stop', interval: '0s', timeout: `${t.stop * f}s` },
  ];
  const kind = kindResources(c, s);
  if (!kind.length) {
    const id = `svc-${s.name}`;
    return [{ id, class: serviceClass, provider: '', type: s.name, params: [], ops: ops(id, { start: 60, stop: 60, monitor: 30 }) }];
  }
  return kind.map((r) => ({
    id: r.id,
    class: 'ocf',
    provider: 'heartbeat',
    type: r.type,
    params: r.params.map((p) => ({ id: `${r.id}-${p.name}`, ...p })),
    ops: ops(r.id, r.timeouts),
  }));
}

/**
 * How long bootstrap waits for Pacemaker to start the resources (`crm_resource --wait`):
 * the start timeouts of the services' primitives added up (hactl's group starts them one
 * after another), at least 180 s. A service kind's first start can take minutes on a slow
 * node: mysql's `enable_creation` runs mysql_install_db on a fresh datadir (seen on the VM lab).
 * @example settleSeconds(apacheOnly) // 180; with mariadb and nfs, op_timeout_factor 3: 900
 */
export function settleSeconds(c: ClusterModel): number {
  const f = opTimeoutFactor(c);
  const starts = c.services.flatMap((s) => {
    const kind = kindResources(c, s);
    return kind.length ? kind.map((r) => r.timeouts.start) : [60];
  });
  // ldirectord starts after the services on the twins, or beside them on a director pair
  const pair = directors(c).length > 0;
  if (c.lvs.length && !pair) starts.push(LDIRECTORD_TIMEOUT);
  return Math.max(
    180,
    starts.reduce((t, x) => t + x * f, 0),
    c.lvs.length && pair ? LDIRECTORD_TIMEOUT * f : 0,
  );
}

/** One target's fencing levels: tried in `index` order, the next only when a level fails. */
export interface FencingTarget {
  target: string;
  levels: Array<{ id: string; index: number; devices: string }>;
}

/** The host list a stonith device's `pcmk_host_list` names (undefined: any host it can reach). */
const hostList = (params: Record<string, unknown>): string[] | undefined => {
  const v = params.pcmk_host_list;
  return typeof v === 'string' ? v.split(/[\s,;]+/).filter(Boolean) : undefined;
};

/**
 * Fencing levels (`fencing-topology`) when a node can be fenced by more than one device:
 * level 1 the inventory's agent (its `fence-NODE` device, e.g. IPMI: fast and certain),
 * then each stonith primitive declared under `pacemaker.resources` that can fence the node
 * (no `pcmk_host_list`, or one that names it), in inventory order, then disk-based SBD's
 * `fence-sbd` last (the poison pill waits out the watchdog timeout). Without levels,
 * Pacemaker tries the capable devices in an order of its own; with one device per node,
 * nothing to order: no topology.
 * @example fencingTopology(c, fencing) // [{ target: 'master', levels: [{ id: 'fl-master-1', index: 1, devices: 'fence-master' }, …] }]
 */
export function fencingTopology(c: ClusterModel, fencing: Array<{ id: string; target: string }>): FencingTarget[] {
  const declared = c.pacemaker.resources.filter((r) => r.class === 'stonith');
  const byTarget = members(c).map((n) => {
    const devices = [
      ...fencing.filter((f) => f.target === n.name).map((f) => f.id),
      ...declared.filter((r) => hostList(r.params)?.includes(n.name) ?? true).map((r) => r.id),
      ...fencing.filter((f) => f.target === '').map((f) => f.id),
    ];
    return { target: n.name, devices };
  });
  if (!c.stonith.enabled || byTarget.every((t) => t.devices.length < 2)) return [];
  return byTarget
    .filter((t) => t.devices.length)
    .map((t) => ({ target: t.target, levels: t.devices.map((d, i) => ({ id: `fl-${t.target}-${i + 1}`, index: i + 1, devices: d })) }));
}

/** The random fencing delay each fence device waits before shooting (pcmk_delay_max). */
export const FENCE_DELAY_MAX = '15s';

/**
 * Two twins that lose each other both see a dead peer and reach for the fence device at
 * once; each device waits a random delay up to {@link FENCE_DELAY_MAX} first, so one shot
 * lands and the other twin is gone before it fires its own. The inventory's
 * `pcmk_delay_max`/`pcmk_delay_base` (stonith params) take its place.
 */
export function fenceRaceDelay(c: ClusterModel): Record<string, string> {
  const p = c.stonith.params ?? {};
  return 'pcmk_delay_max' in p || 'pcmk_delay_base' in p ? {} : { pcmk_delay_max: FENCE_DELAY_MAX };
}

/**
 * The fence parameters with their real values, for the file that needs them (the CIB's
 * resources.xml, written 0600; its diffs are masked, as every secret is once revealed).
 */
export function fenceParams(c: ClusterModel): Record<string, string> {
  return Object.fromEntries(Object.entries(c.stonith.params ?? {}).map(([k, v]) => [k, revealValue(v)]));
}

/** Files that hold fence credentials are written with this mode (and so are their backups). */
export const SECRET_FILE_MODE = '0600';

/**
 * `vars.op_timeout_factor` (default 1): every resource operation's timeout is multiplied
 * by it. For nodes whose CPU is emulated (the VM lab under TCG: a resource agent's
 * monitor takes 5-20 s there), not for real hardware.
 * @throws InputError when it is not a number from 1 to 10
 */
export function opTimeoutFactor(c: ClusterModel): number {
  const f = c.vars.op_timeout_factor ?? 1;
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 1 || f > 10) {
    throw new InputError('vars.op_timeout_factor must be a whole number from 1 to 10', {
      location: c.source,
      field: 'vars.op_timeout_factor',
    });
  }
  return f;
}

/** The property sets hactl writes nvpairs into, one `crm_attribute --type` each. */
export type PropertySets = {
  crm_config: Record<string, string>;
  rsc_defaults: Record<string, string>;
  op_defaults: Record<string, string>;
};

/**
 * Cluster properties (crm_config) and resource/operation defaults hactl sets: its own, with
 * the inventory's `pacemaker.properties`, `rsc_defaults` and `op_defaults` over them. Only
 * these names are ever written, one nvpair each; the other nvpairs of the sets are left alone.
 * `sbdInactive`: SBD does not run on some voter, so a positive stonith-watchdog-timeout is left out.
 */
export function clusterProperties(c: ClusterModel, o: { sbdInactive?: boolean } = {}): PropertySets {
  const d = c.pacemaker;
  // a positive stonith-watchdog-timeout while SBD does not run makes every controller shut
  // down ("configured but SBD not active"): withheld until sbd runs on every voter
  const derived = stonithWatchdogTimeout(c);
  const watchdogTimeout = o.sbdInactive && derived ? undefined : derived;
  return {
    crm_config: {
      'no-quorum-policy': 'stop',
      'cluster-recheck-interval': '1min',
      ...d.properties,
      // derived from cluster.stonith (the inventory refuses declaring it)
      'stonith-enabled': c.stonith.enabled ? 'true' : 'false',
      // SBD: diskless 2 × SBD_WATCHDOG_TIMEOUT, disk-based 0 (src/stack/sbd.ts); without SBD not written
      ...(watchdogTimeout === undefined ? {} : { 'stonith-watchdog-timeout': `${watchdogTimeout}s` }),
    },
    // stickiness above the master preference (100): no automatic fail-back, which would
    // cost clients a second outage; failover-test moves resources back explicitly.
    rsc_defaults: { 'resource-stickiness': '200', ...d.rscDefaults },
    op_defaults: { ...d.opDefaults },
  };
}

const entries = (p: PropertySets): Array<[keyof PropertySets, string, string]> =>
  (['crm_config', 'rsc_defaults', 'op_defaults'] as const).flatMap((set) =>
    Object.entries(p[set]).map(([k, v]): [keyof PropertySets, string, string] => [set, k, v]),
  );

/** One property that differs from the live CIB: `from` undefined when it is not set there. */
export interface PropertyChange {
  set: keyof PropertySets;
  name: string;
  from?: string;
  to: string;
}

/**
 * The properties whose live value differs, from `cibadmin -Q --scope configuration` (or all
 * of them when there is no CIB to read yet). Any nvpair of that name in the set counts.
 * @example
 *   propertyChanges('<configuration><crm_config/></configuration>', props)[0]
 *   // { set: 'crm_config', name: 'no-quorum-policy', to: 'stop' }
 */
export function propertyChanges(live: string | undefined, p: PropertySets): PropertyChange[] {
  const config = live === undefined ? undefined : parseXml(live);
  const current = (set: string, name: string): string | undefined => {
    for (const group of config?.children.find((c) => c.name === set)?.children ?? []) {
      const nv = group.children.find((n) => n.name === 'nvpair' && n.attrs.name === name);
      if (nv) return nv.attrs.value ?? '';
    }
    return undefined;
  };
  return entries(p).flatMap(([set, name, to]) => {
    const from = current(set, name);
    return from === to ? [] : [{ set, name, to, ...(from === undefined ? {} : { from }) }];
  });
}

/** The changes as a plan shows them: `crm_config: stonith-timeout (not set) → 90s`. */
export function describePropertyChanges(changes: PropertyChange[]): string {
  return changes.map((c) => `${c.set}: ${c.name} ${c.from === undefined ? '(not set)' : c.from} → ${c.to}\n`).join('');
}

/** One crm_attribute per changed property: writes that nvpair only (values quoted, `--update=` so a `-INFINITY` is not an option). */
export function setPropertiesCommand(changes: PropertyChange[]): string {
  return changes.map((c) => `crm_attribute --type=${c.set} ${quote(`--name=${c.name}`)} ${quote(`--update=${c.to}`)}`).join(' && ');
}

/** Read-only: the live CIB's configuration, which the owned-only plan (src/stack/cib.ts) starts from. */
export const LIVE_CONFIGURATION = 'cibadmin -Q --scope configuration';

/** The property names hactl sets, by set: its own in a CIB it shares with operators. */
export function ownedProperties(p: PropertySets): Record<string, string[]> {
  return { crm_config: Object.keys(p.crm_config), rsc_defaults: Object.keys(p.rsc_defaults), op_defaults: Object.keys(p.op_defaults) };
}

/**
 * The `dc-deadtime` of a fresh cluster's first start. Pacemaker's controller reads the
 * local CIB before it enters S_PENDING (`do_started` waits for R_READ_CONFIG), and there
 * the election timer runs for `dc-deadtime` (default 20 s) before a node calls the first
 * DC election: on a new cluster every node waits it out. With this value in the startup
 * CIB the first election starts ~2 s after the controllers are up (docs/performance.md).
 */
export const FORMATION_DC_DEADTIME = '1s';

/** Pacemaker's on-disk CIB (the CIB manager loads it at start; a missing .sig is only a warning). */
export const PACEMAKER_CIB_FILE = '/var/lib/pacemaker/cib/cib.xml';

/**
 * Read-only: exit 0 when this node has never run Pacemaker (no on-disk CIB) and does not
 * run it now. Only when every voter says so is the cluster fresh (no history to lose).
 */
export const FRESH_NODE_CHECK = `test ! -e ${PACEMAKER_CIB_FILE} && ! pgrep -x pacemakerd >/dev/null`;

/**
 * The node-side script that writes a fresh node's first CIB: Pacemaker's own empty CIB
 * (`cibadmin --empty`, its schema and feature set) with one nvpair, dc-deadtime
 * {@link FORMATION_DC_DEADTIME} under the id {@link FORMATION_NVPAIR_ID}, written in file
 * mode (`CIB_file`) so Pacemaker's own tool builds it. Owned by hacluster:haclient, 0600,
 * as the CIB manager keeps it; put in place without replacing an existing CIB (`ln`, which
 * fails when the name exists: a CIB written since the check wins).
 */
export function seedCibScript(): string {
  const set =
    '<cluster_property_set id="cib-bootstrap-options">' +
    `<nvpair id="${FORMATION_NVPAIR_ID}" name="dc-deadtime" value="${FORMATION_DC_DEADTIME}"/>` +
    '</cluster_property_set>';
  return (
    [
      'set -e',
      'umask 077',
      `dir=$(dirname ${PACEMAKER_CIB_FILE})`,
      't=$(mktemp "$dir/.hactl-seed-XXXXXX")',
      'trap \'rm -f "$t"\' EXIT',
      'cibadmin --empty > "$t"',
      `CIB_file="$t" cibadmin --create --scope crm_config --xml-text ${quote(set)}`,
      'chown hacluster:haclient "$t"',
      `ln "$t" ${PACEMAKER_CIB_FILE}`,
    ].join('\n') + '\n'
  );
}

/** Read-only: exit 0 when the live CIB still holds the formation dc-deadtime. */
export const FORMATION_PROPERTY_CHECK =
  `cibadmin -Q --xpath ${quote(`//crm_config//nvpair[@id='${FORMATION_NVPAIR_ID}']`)} ` + '>/dev/null 2>&1';

const CIB_MARK = '@@hactl-live-configuration@@';

/** The cluster's status and its live configuration, read in one round trip. */
export interface StatusAndConfiguration {
  /** undefined while Pacemaker does not answer */
  status?: CrmStatus;
  /** `cibadmin -Q --scope configuration`; undefined when it failed */
  configuration?: string;
}

/**
 * crm_mon and the live configuration in one round trip (a cluster with history: the
 * formation wait's last poll hands the resources phase its CIB, and says whether the
 * formation dc-deadtime is still there, without two more cibadmin calls).
 */
export const STATUS_AND_CONFIGURATION: Fact<StatusAndConfiguration> = {
  command: `${CRM_MON.command}; echo "${CIB_MARK} $?"; ${LIVE_CONFIGURATION} 2>/dev/null || echo "${CIB_MARK} failed"`,
  parse(out) {
    const at = out.indexOf(`${CIB_MARK} `);
    if (at < 0) return {};
    const head = out.slice(0, at);
    const nl = out.indexOf('\n', at);
    const code = Number(out.slice(at + CIB_MARK.length + 1, nl < 0 ? undefined : nl));
    const rest = nl < 0 ? '' : out.slice(nl + 1);
    const status = CRM_MON.parse(head, Number.isFinite(code) ? code : 1);
    const configuration = rest.trim() && !rest.includes(`${CIB_MARK} failed`) ? rest : undefined;
    return { ...(status ? { status } : {}), ...(configuration ? { configuration } : {}) };
  },
};

/** The formation dc-deadtime in a live configuration (what {@link FORMATION_PROPERTY_CHECK} asks the node). */
export function hasFormationProperty(configuration: string): boolean {
  return findAll(parseXml(configuration), 'nvpair').some((n) => n.attrs.id === FORMATION_NVPAIR_ID);
}

/**
 * Removes the formation dc-deadtime (that nvpair alone, by id): the default applies again,
 * or the inventory's `pacemaker.properties.dc-deadtime`, which the properties step writes next.
 */
export const FORMATION_PROPERTY_DELETE = `cibadmin --delete --xml-text ${quote(`<nvpair id="${FORMATION_NVPAIR_ID}"/>`)}`;

/** Read-only: exit 0 when sbd runs on this node. */
export const SBD_RUNNING_CHECK = 'pgrep -x sbd >/dev/null';
