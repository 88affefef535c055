/**
 * One driver per cluster stack: what differs between Corosync+Pacemaker and Heartbeat,
 * in one place, so code above this layer asks the driver instead of branching on the
 * stack's name. The registry is typed over the stack names: a third stack is one more
 * entry here, and the compiler names every place that needs it.
 *
 * Pure: cluster model in, data or shell text out. The checks layer keeps its own
 * registries of per-stack checks (smoke, drift, failover) keyed by the same type.
 */

import { quote } from '../core/shell.js';
import { type ClusterModel, type DrbdFencing, directsLvs, type NodeModel, type Stack } from '../inventory/model.js';
import { COROSYNC_AUTHKEY, COROSYNC_CONF, corosyncView, members } from './corosync.js';
import { guestPackages } from './guests.js';
import { AUTHKEYS, DOPD_DIR, HA_CF, HARESOURCES, LDIRECTORD_CF } from './heartbeat-paths.js';
import { LVM_PACKAGE } from './lvm.js';
import { CIB_DIR, CIB_FILES, GROUP_ID } from './pacemaker.js';
import { SBD_DEFAULTS, SBD_PACKAGE } from './sbd.js';

export { DOPD_DIR };

/** The cluster stack every voting node runs (pacemaker stack). */
export const PACEMAKER_STACK = ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents'];

/** corosync 3 adds this much token time per node beyond two, unless token_coefficient says otherwise */
export const TOKEN_COEFFICIENT_MS = 650;

/**
 * How fast the membership layer declares a node dead, from the values hactl renders
 * (the inventory plus its passthrough options). Failover budgets, drift's timing rules
 * and the rendered config all read it from here.
 */
export type EffectiveTiming =
  | {
      stack: 'pacemaker';
      layer: 'corosync';
      /** totem token as configured (ms) */
      tokenMs: number;
      /** the token corosync runs with: token + (nodes − 2) × token_coefficient (ms) */
      runtimeTokenMs: number;
      consensusMs: number;
      /** runtime token + consensus */
      detectionMs: number;
      basis: string;
    }
  | {
      stack: 'heartbeat';
      layer: 'heartbeat';
      deadtime: number;
      detectionMs: number;
      basis: string;
    };

export interface StackDriver<S extends Stack = Stack> {
  readonly name: S;
  /** nodes that run the stack (heartbeat: the twins; pacemaker: every voter) */
  runsStack(c: ClusterModel): NodeModel[];
  /** Debian packages a node needs for its role: bootstrap installs them, drift checks them */
  packages(c: ClusterModel, node: NodeModel): string[];
  /** time until a node is declared dead, see {@link EffectiveTiming} */
  effectiveTiming(c: ClusterModel): EffectiveTiming;
  /** the cluster secret bootstrap generates on the orchestrator (its file name in the secrets dir) */
  readonly clusterKeySecret: string;
  /** the daemon `kill-stack` kills: the membership layer */
  readonly membershipDaemon: string;
  /** where an operator looks when resources do not start or move */
  readonly diagnoseHint: string;
  /** whether the stack watches resources (restarts a failed service) */
  readonly monitorsResources: boolean;
  /** whether resources live in a Pacemaker CIB (else in files, e.g. haresources) */
  readonly cib: boolean;
  /** the inventory's timing of this stack, one line (`hactl inventory show`) */
  timingSummary(c: ClusterModel): string;
  /** nodes with a quorum vote (votequorum); Heartbeat has no vote count */
  voters(c: ClusterModel): NodeModel[];
  /** how an operator moves the resources to `to` by hand (for refusal hints) */
  switchoverHint(to: string): string;
  /** what makes the cluster forget a node that left the membership, if anything has to */
  forgetNodeCommand?(name: string): string;
  /** DRBD fencing on this stack: the policy when stonith is enabled and the inventory says none, and the handlers it needs */
  readonly drbdFencing: DrbdFencingDriver;
  /** shell: stops the stack on a node and keeps it from starting at boot (remove-node, destroy); idempotent */
  readonly stopCommand: string;
  /** shell: prints `running` or `enabled` lines while any of the stack's daemons runs or starts at boot */
  readonly leftCommand: string;
  /** the configuration files hactl writes for this stack on `node` (destroy removes them; report copies the non-secret ones) */
  configFiles(c: ClusterModel, node: NodeModel): string[];
  /** key files: never copied off a node, never printed (report notes their size only) */
  readonly keyFiles: string[];
  /** the stack's own state, removed by destroy (pcs cluster destroy's list for Pacemaker) */
  readonly stateGlobs: string[];
  /** why `node` cannot leave this cluster on this stack, beyond the twins and the vote count (undefined: it can) */
  removalProblem(c: ClusterModel, node: NodeModel): string | undefined;
  /** read-only commands for `hactl report`: file name in the archive → shell */
  readonly reportCommands: Readonly<Record<string, string>>;
}

/** systemd when it runs, else the sysv script: stop now, no start at boot (quiet, always exit 0). */
export function stopAndDisable(services: string[], sysvStop: Record<string, string> = {}): string {
  const sysv = services.map((s) => sysvStop[s] ?? `service ${s} stop >/dev/null 2>&1`);
  return [
    'if [ -d /run/systemd/system ]; then',
    `  systemctl disable --now ${services.join(' ')} >/dev/null 2>&1`,
    'else',
    ...sysv.map((l) => `  ${l}`),
    ...services.map((s) => `  update-rc.d ${s} disable >/dev/null 2>&1`),
    'fi',
    'true',
  ].join('\n');
}

/** Shell: `running NAME` / `enabled NAME` for each of the services. */
export function leftOf(services: string[], processes: string[]): string {
  return [
    ...processes.map((p) => `pgrep -x ${p} >/dev/null && echo "running ${p}"`),
    ...services.map(
      (s) =>
        `{ [ -d /run/systemd/system ] && systemctl -q is-enabled ${s} 2>/dev/null; } || ` +
        `ls /etc/rc[2345].d/S*${s} >/dev/null 2>&1 && echo "enabled ${s}"`,
    ),
    'true',
  ].join('\n');
}

/**
 * How a stack outdates a DRBD peer. The handler paths are those Debian 12 ships for the
 * in-tree DRBD 8.4 module: drbd-utils' crm-fence-peer.sh (the `.9.sh` ones are for DRBD 9),
 * heartbeat's drbd-peer-outdater in /usr/libexec/heartbeat (talking to dopd).
 */
export interface DrbdFencingDriver {
  readonly byDefault: DrbdFencing;
  /** the drbd.conf `handlers` lines, name → command */
  readonly handlers: Readonly<Record<string, string>>;
}

const num = (v: unknown, dflt: number): number => (v === undefined || v === null || Number.isNaN(Number(v)) ? dflt : Number(v));
const isTwin = (n: NodeModel): boolean => n.role === 'master' || n.role === 'slave';
/** LVS's packages on the nodes that direct: the directors when there are any, else the twins. */
export const LVS_PACKAGES = ['ldirectord', 'ipvsadm'];
const twinExtras = (c: ClusterModel, node: NodeModel): string[] => [
  ...(c.lvm.length ? [LVM_PACKAGE] : []),
  ...(c.drbd.length ? ['drbd-utils'] : []),
  ...(directsLvs(c, node) ? LVS_PACKAGES : []),
];

/**
 * The Pacemaker stack's own packages on `node`: what it needs to start and form (and SBD,
 * which corosync requires when configured), without DRBD, services or guests. A fresh
 * cluster installs these first and the rest while it forms (playbooks/pacemaker.ts).
 * @example pacemakerCorePackages(cluster, cluster.master) // ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents']
 */
export function pacemakerCorePackages(c: ClusterModel, node: NodeModel): string[] {
  if (node.role === 'realserver') return [];
  // a QNetd arbitrator runs corosync-qnetd alone; the voters ask it through corosync-qdevice
  if (c.qdevice && node.role === 'arbitrator') return [QNETD_PACKAGE];
  return [...PACEMAKER_STACK, ...(c.qdevice ? [QDEVICE_PACKAGE] : []), ...(c.stonith.sbd ? [SBD_PACKAGE] : [])];
}

/** Debian's QNetd server (the arbitrator, `cluster.arbitrator.mode: qdevice`) and the voters' client. */
export const QNETD_PACKAGE = 'corosync-qnetd';
export const QDEVICE_PACKAGE = 'corosync-qdevice';

const pacemaker: StackDriver<'pacemaker'> = {
  name: 'pacemaker',
  runsStack: (c) => members(c),
  packages(c, node) {
    const stack = pacemakerCorePackages(c, node);
    // a director (the three tiers): the stack and LVS, no DRBD, services or guests
    if (node.role === 'director') return directsLvs(c, node) ? [...stack, ...LVS_PACKAGES] : stack;
    if (!isTwin(node)) return stack;
    return [...new Set([...stack, ...twinExtras(c, node), ...c.services.map((s) => s.package), ...guestPackages(c)])];
  },
  effectiveTiming(c) {
    const totem = corosyncView(c).totem as Record<string, unknown>;
    const extraNodes = Math.max(0, members(c).length - 2);
    const tokenMs = num(totem.token, c.timing.token);
    const runtimeTokenMs = tokenMs + extraNodes * num(totem.token_coefficient, TOKEN_COEFFICIENT_MS);
    const consensusMs = num(totem.consensus, c.timing.consensus);
    return {
      stack: 'pacemaker',
      layer: 'corosync',
      tokenMs,
      runtimeTokenMs,
      consensusMs,
      detectionMs: runtimeTokenMs + consensusMs,
      basis: `token ${runtimeTokenMs} + consensus ${consensusMs}`,
    };
  },
  clusterKeySecret: 'corosync-authkey',
  membershipDaemon: 'corosync',
  diagnoseHint: 'crm_mon -1 shows why (constraints, failed starts)',
  monitorsResources: true,
  cib: true,
  timingSummary: ({ timing: t }) => `corosync token ${t.token} ms, consensus ${t.consensus} ms; monitor every ${t.monitorInterval} s`,
  voters: (c) => members(c),
  switchoverHint: (to) =>
    `\`crm_resource --move -r ${GROUP_ID} -N ${quote(to)} && crm_resource --wait; crm_resource --clear -r ${GROUP_ID}\``,
  // corosync forgets a removed node on reload; Pacemaker's node list keeps it until told
  // bounded retries: right after the corosync reload Pacemaker may still hold the node as `lost` and keep it; exit 1 if it stays
  // the controller can learn a removed node again (as "lost") from a late membership event:
  // done only once it stayed out of `crm_node -l` for 5 checks in a row
  forgetNodeCommand: (name) =>
    `gone=0; for i in $(seq 1 60); do ` +
    `if crm_node -l 2>/dev/null | awk '{print $2}' | grep -qxF ${quote(name)}; ` +
    `then gone=0; crm_node -R ${quote(name)} --force >/dev/null 2>&1; ` +
    `else gone=$((gone+1)); [ $gone -ge 5 ] && exit 0; fi; sleep 1; done; ` +
    `echo "crm_node -l still lists ${name.replace(/[^A-Za-z0-9_.-]/g, '')} after 60 s" >&2; exit 1`,
  // pacemaker first (it stops the resources), then corosync (the notes' graceful stop); no systemd in the namespace lab
  stopCommand: stopAndDisable(['pacemaker', 'corosync'], {
    pacemaker:
      'pacemakerd --shutdown >/dev/null 2>&1; t=0; while pgrep -x pacemakerd >/dev/null && [ $t -lt 300 ]; do sleep 1; t=$((t+1)); done',
    corosync: 'service corosync stop >/dev/null 2>&1; pgrep -x corosync >/dev/null && corosync-cfgtool -H --force >/dev/null 2>&1',
  }),
  leftCommand: leftOf(['pacemaker', 'corosync'], ['pacemakerd', 'corosync']),
  configFiles: (c, node) =>
    node.role === 'realserver'
      ? []
      : [
          COROSYNC_CONF,
          ...(c.stonith.sbd ? [SBD_DEFAULTS] : []),
          ...(node.role === 'master' ? CIB_FILES.map((f) => `${CIB_DIR}/${f}`) : []),
          ...(directsLvs(c, node) ? [LDIRECTORD_CF] : []),
        ],
  keyFiles: [COROSYNC_AUTHKEY],
  // what `pcs cluster destroy` removes besides corosync.conf and the key: the CIB and the policy engine's inputs
  stateGlobs: ['/var/lib/pacemaker/cib/cib*', '/var/lib/pacemaker/pengine/*', '/var/lib/corosync/*'],
  removalProblem: () => undefined,
  reportCommands: {
    'crm_mon.xml': 'crm_mon -1 --output-as=xml',
    'crm_mon.txt': 'crm_mon -1 -rf',
    'cib.xml': 'cibadmin -Q',
    'corosync-cfgtool.txt': 'corosync-cfgtool -s',
    'corosync-quorumtool.txt': 'corosync-quorumtool -s',
  },
  // crm-fence-peer puts a location constraint "Promoted only where the data is" into the
  // CIB; crm-unfence-peer (after the resync, or from the drbd agent's unfence_if_all_uptodate) removes it
  drbdFencing: {
    byDefault: 'resource-and-stonith',
    handlers: {
      'fence-peer': '/usr/lib/drbd/crm-fence-peer.sh',
      'unfence-peer': '/usr/lib/drbd/crm-unfence-peer.sh',
      'after-resync-target': '/usr/lib/drbd/crm-unfence-peer.sh',
    },
  },
};

const heartbeat: StackDriver<'heartbeat'> = {
  name: 'heartbeat',
  runsStack: (c) => [c.master, c.slave],
  packages(c, node) {
    if (!isTwin(node)) return [];
    return ['heartbeat', 'resource-agents', ...c.services.map((s) => s.package), ...twinExtras(c, node), ...guestPackages(c)];
  },
  effectiveTiming: (c) => ({
    stack: 'heartbeat',
    layer: 'heartbeat',
    deadtime: c.timing.deadtime,
    detectionMs: c.timing.deadtime * 1000,
    basis: `deadtime ${c.timing.deadtime * 1000}`,
  }),
  clusterKeySecret: 'heartbeat-authkey',
  membershipDaemon: 'heartbeat',
  diagnoseHint: 'see /var/log/ha-log on both twins',
  // Heartbeat R1 (haresources) starts and stops resources; it does not monitor them
  monitorsResources: false,
  cib: false,
  timingSummary: ({ timing: t }) =>
    `heartbeat keepalive ${t.keepalive} s, warntime ${t.warntime} s, deadtime ${t.deadtime} s, initdead ${t.initdead} s`,
  voters: () => [],
  switchoverHint: (to) => `\`/usr/share/heartbeat/hb_takeover all\` on ${to}`,
  stopCommand: stopAndDisable(['heartbeat']),
  leftCommand: leftOf(['heartbeat'], ['heartbeat']),
  configFiles: (c, node) => (isTwin(node) ? [HA_CF, HARESOURCES, ...(c.lvs.length ? [LDIRECTORD_CF] : [])] : []),
  keyFiles: [AUTHKEYS],
  stateGlobs: ['/var/lib/heartbeat/hostcache', '/var/lib/heartbeat/delhostcache'],
  // the arbitrator is ipfail's ping node: without it a twin that loses its network takes the address
  removalProblem: (_c, node) =>
    node.role === 'arbitrator'
      ? `${node.name} is Heartbeat's ping node (ipfail): without it a twin that loses its network still takes the resources over`
      : undefined,
  reportCommands: {
    'cl_status.txt': `for a in hbstatus listnodes rscstatus; do echo "== cl_status $a"; timeout -k 1 5 cl_status $a 2>&1; done`,
  },
  // the classic howto: dopd (respawned by heartbeat, ha.cf) outdates the peer over heartbeat's links
  drbdFencing: {
    byDefault: 'resource-only',
    handlers: { 'fence-peer': `${DOPD_DIR}/drbd-peer-outdater -t 5` },
  },
};

/** Every stack hactl drives, by name. */
export const STACKS: { readonly [S in Stack]: StackDriver<S> } = { pacemaker, heartbeat };

/** The stack names, for argument parsing and help texts. */
export const STACK_NAMES = Object.keys(STACKS) as Stack[];

/** True when `s` names a stack hactl drives. */
export const isStack = (s: unknown): s is Stack => typeof s === 'string' && Object.hasOwn(STACKS, s);

/**
 * The driver of a cluster's stack.
 * @example driverOf(cluster).effectiveTiming(cluster).detectionMs // 4850 (token 1000 + 650 + consensus 1200 … )
 */
export function driverOf(c: Pick<ClusterModel, 'stack'>): StackDriver {
  return STACKS[c.stack];
}
