/**
 * What a failover test needs to know about each cluster stack, as shell commands (pure
 * builders, so they are tested as data): how to look at a node, kill its stack, start it
 * again, clean a node whose stack died under its resources, and move the resources.
 */
import { quote } from '../../core/shell.js';
import { holdsAddressCommand } from '../../facts/addresses.js';
import type { Fact } from '../../facts/fact.js';
import { FENCE_HISTORY, type FenceEvent } from '../../facts/fence-history.js';
import { parseQuorum, quorumMembers } from '../../facts/quorum.js';
import type { ClusterModel, NodeModel, Stack } from '../../inventory/model.js';
import { STACKS } from '../../stack/driver.js';
import { clStatus, HEARTBEAT_ALIVE, hbTool } from '../../stack/heartbeat.js';
import { GROUP_ID } from '../../stack/pacemaker.js';
import type { NodeSample } from './types.js';

/** A cluster tool that may hang on a dying daemon: TERM after 1 s, KILL 1 s later. */
const BOUND = 'timeout -k 1 1';

/** Prefix of scenario-specific lines in a watch poll's output. */
export const EXTRA_PREFIX = 'x:';

export interface StackOps {
  stack: Stack;
  /** the daemon {@link kill} kills (src/stack/driver.ts) */
  membershipDaemon: string;
  /** where an operator looks when resources do not start or move */
  diagnoseHint: string;
  /** nodes that run the stack (heartbeat: the twins; pacemaker: every voter) */
  runsStack(c: ClusterModel): NodeModel[];
  /** one poll of a node: VIP, stack, quorum and membership lines (parsed by {@link parseSample}) */
  watch(c: ClusterModel, node: NodeModel): string;
  /** kill -9 of the membership layer: corosync (pacemaker stays) or heartbeat */
  kill: string;
  /** exits 0 when the stack runs */
  running: string;
  /** starts the stack (it must not be running) */
  start: string;
  /**
   * Leaves a node whose stack is gone as a fresh boot would: no stack leftovers, no VIP,
   * no cluster-managed service, so the cluster finds nothing running twice when it rejoins.
   */
  reset(c: ClusterModel): string;
  /** clears fail-counts and failed actions (run on one member) */
  cleanup?: string;
  /** the command that moves the resources to `to`, and the node it runs on */
  move(c: ClusterModel, from: NodeModel, to: NodeModel): { on: NodeModel; command: string };
  /** who fenced whom, read on a running member (undefined: the stack keeps no fencing history) */
  fenceHistory?: Fact<FenceEvent[]>;
}

const vipTest = (c: ClusterModel): string => {
  const vip = c.floatingIps[0];
  return vip ? `${holdsAddressCommand(vip.address)} && echo vip=1 || echo vip=0` : 'echo vip=0';
};

const releaseVips = (c: ClusterModel): string[] =>
  c.floatingIps.map((v) => `ip addr del ${v.address}/${v.prefix} dev ${quote(v.interface)} 2>/dev/null`);

const stopServices = (c: ClusterModel): string[] => c.services.map((s) => `service ${quote(s.name)} stop >/dev/null 2>&1`);

const wrapExtra = (extra?: string): string[] => (extra ? [`{ ${extra}; } 2>/dev/null | sed 's/^/${EXTRA_PREFIX}/'`] : []);

/** Shell: starts a daemon unless its init script says it runs (systemd or sysv). */
export const startService = (name: string): string =>
  `{ service ${name} status >/dev/null 2>&1 || service ${name} start >/dev/null 2>&1; }`;

/**
 * Shell: starts corosync-qdevice once corosync answers on cmap (right after `service corosync
 * start` it may not yet: qdevice then exits with "Failed to initialize the cmap API"), up to
 * 3 tries; exits 1 when it does not run after that. Bounded: 15 s for cmap, 3 × 1 s for qdevice.
 */
export const START_QDEVICE = [
  'i=0; until corosync-cmapctl -g runtime.votequorum.this_node_id >/dev/null 2>&1; do',
  '  i=$((i+1)); [ $i -ge 30 ] && break; sleep 0.5; done',
  'i=0; until corosync-qdevice-tool -s >/dev/null 2>&1; do',
  '  i=$((i+1)); [ $i -gt 3 ] && exit 1',
  `  ${startService('corosync-qdevice')}; sleep 1; done`,
].join('\n');

/** Corosync + Pacemaker. */
export const pacemakerOps: StackOps = {
  stack: 'pacemaker',
  membershipDaemon: STACKS.pacemaker.membershipDaemon,
  diagnoseHint: STACKS.pacemaker.diagnoseHint,
  runsStack: (c) => STACKS.pacemaker.runsStack(c),
  watch: (c) =>
    [
      vipTest(c),
      '{ pgrep -x corosync && pgrep -x pacemakerd; } >/dev/null && echo stack=1 || echo stack=0',
      `pgrep -x corosync >/dev/null && ${BOUND} corosync-quorumtool -s 2>/dev/null`,
    ].join('\n'),
  kill: 'pkill -9 -x corosync',
  running: 'pgrep -x corosync >/dev/null && pgrep -x pacemakerd >/dev/null',
  // no systemd in the namespace lab: corosync's sysv script is fine, pacemakerd must be
  // detached by hand (Debian's sysv script misbehaves over SSH)
  start: [
    'if [ -d /run/systemd/system ]; then systemctl start corosync pacemaker || exit 1; else',
    '  service corosync start >/dev/null 2>&1 || exit 1',
    '  pgrep -x pacemakerd >/dev/null || setsid -f pacemakerd </dev/null >/dev/null 2>&1',
    'fi',
    // a QNetd arbitrator (cluster.arbitrator.mode: qdevice): the twins' corosync-qdevice
    `if grep -q '^ *model: net' /etc/corosync/corosync.conf 2>/dev/null; then ${START_QDEVICE}; fi`,
  ].join('\n'),
  reset: (c) =>
    [
      'pkill -9 -x pacemakerd',
      "pkill -9 -f '^/usr/lib/pacemaker/pacemaker-'",
      'pkill -9 -x corosync',
      "pkill -9 -f '^/usr/sbin/corosync-qdevice'",
      ...releaseVips(c),
      ...stopServices(c),
      'true',
    ].join('; '),
  cleanup: 'crm_resource --cleanup >/dev/null 2>&1; crm_resource --wait --timeout=60s >/dev/null 2>&1; true',
  // a temporary preference moves the group; cleared at once, stickiness keeps it there
  move: (_c, from, to) => ({
    on: from,
    command:
      `crm_resource --move -r ${GROUP_ID} -N ${quote(to.name)} >/dev/null && crm_resource --wait --timeout=60s; rc=$?; ` +
      `crm_resource --clear -r ${GROUP_ID} >/dev/null 2>&1; exit $rc`,
  }),
  fenceHistory: FENCE_HISTORY,
};

/** Heartbeat R1 (haresources). */
export const heartbeatOps: StackOps = {
  stack: 'heartbeat',
  membershipDaemon: STACKS.heartbeat.membershipDaemon,
  diagnoseHint: STACKS.heartbeat.diagnoseHint,
  runsStack: (c) => STACKS.heartbeat.runsStack(c),
  watch: (c, node) => {
    const peer = node.name === c.master.name ? c.slave : c.master;
    return [
      vipTest(c),
      // cl_status hangs on the IPC of a killed heartbeat: asked only while heartbeat runs,
      // and bounded, or the poll (and the VIP seen in it) would be late
      `if ${HEARTBEAT_ALIVE}; then`,
      `  ${clStatus('hbstatus', 1)} >/dev/null 2>&1 && echo stack=1 || echo stack=0`,
      `  echo "hbnode ${node.name} $(${clStatus(`nodestatus ${quote(node.name)}`, 1)} 2>/dev/null)"`,
      `  echo "hbnode ${peer.name} $(${clStatus(`nodestatus ${quote(peer.name)}`, 1)} 2>/dev/null)"`,
      'else echo stack=0; fi',
    ].join('\n');
  },
  kill: 'pkill -9 -x heartbeat',
  running: `${HEARTBEAT_ALIVE} && ${clStatus('hbstatus', 5)} >/dev/null 2>&1`,
  start: 'rm -f /var/run/heartbeat.pid; service heartbeat start </dev/null >/dev/null 2>&1',
  // `[/]`: the pattern must not match this very shell's command line
  reset: (c) => ['pkill -9 -x heartbeat', "pkill -9 -f '[/]heartbeat/ipfail'", ...releaseVips(c), ...stopServices(c), 'true'].join('; '),
  // R1: the node that is to hold the resources asks for them (hb_takeover); the holder
  // releases them, then it acquires them
  move: (_c, _from, to) => ({
    on: to,
    command: hbTool('hb_takeover'),
  }),
};

const OPS: { readonly [S in Stack]: StackOps } = { pacemaker: pacemakerOps, heartbeat: heartbeatOps };

/**
 * The commands of a stack.
 * @example stackOps(cluster.stack).kill // 'pkill -9 -x corosync'
 */
export function stackOps(stack: Stack): StackOps {
  return OPS[stack];
}

/**
 * Parses one watch poll (see {@link StackOps.watch}).
 * @example parseSample('vip=1\nstack=1\nQuorate: Yes\n 1 1 master (local)\n', 'master', 0)
 */
export function parseSample(out: string, node: string, t: number): NodeSample {
  const extra: Record<string, string> = {};
  const own: string[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith(EXTRA_PREFIX)) {
      const [k, ...v] = line.slice(EXTRA_PREFIX.length).split('=');
      if (k) extra[k.trim()] = v.join('=').trim();
      continue;
    }
    own.push(line);
  }
  const text = own.join('\n');
  // corosync-quorumtool's lines (src/facts/quorum.ts), or Heartbeat's `hbnode NAME STATUS`
  const hasQuorum = /^Quorate:/m.test(text);
  const q = hasQuorum ? parseQuorum(text) : undefined;
  const hbMembers = [...text.matchAll(/^hbnode (\S+) active\b/gm)].map((m) => m[1]!);
  const drbd = /^drbd=(Primary|Secondary)$/m.exec(text)?.[1] as NodeSample['drbd'];
  return {
    t,
    node,
    reachable: true,
    vip: /^vip=1$/m.test(text),
    stack: /^stack=1$/m.test(text),
    quorate: q?.quorate,
    members: [...quorumMembers(text), ...hbMembers],
    extra,
    ...(drbd ? { drbd } : {}),
  };
}

/**
 * The node's DRBD role in one line, `drbd=Primary` when any resource is Primary there, else
 * `drbd=Secondary` (`drbdadm role all`: 8.4 prints `Primary/Secondary`, 9 the local role
 * alone); nothing when DRBD is not up. Bounded like the cluster tools.
 */
export const DRBD_ROLE_LINE =
  `r=$(${BOUND} drbdadm role all 2>/dev/null) && ` +
  `{ echo "$r" | cut -d/ -f1 | grep -qx Primary && echo drbd=Primary || echo drbd=Secondary; }`;

/**
 * The watch command with the DRBD role (inventories with `drbd:`) and a scenario's extra lines appended.
 * @example watchCommand(pacemakerOps, cluster, cluster.master, 'echo fail=0')
 */
export function watchCommand(ops: StackOps, c: ClusterModel, node: NodeModel, extra?: string): string {
  return [ops.watch(c, node), ...(c.drbd.length ? [DRBD_ROLE_LINE] : []), ...wrapExtra(extra)].join('\n');
}
