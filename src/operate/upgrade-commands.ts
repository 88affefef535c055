/**
 * What a rolling upgrade sends to a node, per stack (pure builders, tested as data): how a
 * node is kept off the resources, how its stack is stopped and started again, how it is
 * known to have rejoined. Typed over the stack names: a third stack is one more entry.
 */

import { stackOps } from '../checks/failover/stacks.js';
import { quote } from '../core/shell.js';
import { CRM_MON_COMMAND, parseCrmMon } from '../facts/crm-mon.js';
import { UPGRADE_RECORD_PATH, type UpgradeRecord } from '../facts/upgrade-record.js';
import type { Stack } from '../inventory/model.js';
import { pacemakerCommands } from './commands.js';

export interface UpgradeStackOps {
  /** keeps resources off the node while it is upgraded (run on another member); absent: the stack keeps no such state */
  standby?(node: string): string;
  unstandby?(node: string): string;
  /** waits until the cluster has nothing left to do (run on a member), bounded by `seconds` */
  settle?(seconds: number): string;
  /** stops the stack on the node, gracefully, and waits until it is gone */
  stop: string;
  /** starts it again */
  start: string;
  /** exits 0 when the stack runs */
  running: string;
  /** on the node itself: prints what {@link rejoined} reads */
  rejoinedCommand: string;
  /** the node is a member again and its partition has quorum */
  rejoined(out: string, node: string): boolean;
  /** why this stack needs no standby (for the report), when it has none */
  noStandby?: string;
}

/** A loop waiting (up to `seconds`) until no process named `name` is left; exits 1 if one is. */
const gone = (name: string, seconds: number): string =>
  `i=0; while pgrep -x ${name} >/dev/null && [ $i -lt ${seconds} ]; do sleep 1; i=$((i+1)); done; ! pgrep -x ${name} >/dev/null`;

const pacemaker: UpgradeStackOps = {
  standby: pacemakerCommands.standby,
  unstandby: pacemakerCommands.unstandby,
  settle: pacemakerCommands.settle,
  // pacemakerd stops its resources and daemons, then corosync leaves the membership cleanly
  stop: [
    'if [ -d /run/systemd/system ]; then systemctl stop pacemaker corosync; else',
    `  pacemakerd --shutdown >/dev/null 2>&1 || true; ${gone('pacemakerd', 120)} || exit 1`,
    `  corosync-cfgtool -H --force >/dev/null 2>&1 || service corosync stop >/dev/null 2>&1; ${gone('corosync', 30)}`,
    'fi',
  ].join('\n'),
  start: stackOps('pacemaker').start,
  running: stackOps('pacemaker').running,
  rejoinedCommand: `${CRM_MON_COMMAND} 2>/dev/null`,
  rejoined(out, node) {
    try {
      const st = parseCrmMon(out);
      return st.quorate && st.nodes.some((n) => n.name === node && n.online);
    } catch {
      return false; // no XML yet: pacemaker still starting
    }
  },
};

const heartbeat: UpgradeStackOps = {
  noStandby:
    'Heartbeat R1 keeps no standby state: the passive twin holds no resources, ' +
    'and auto_failback decides whether the master takes them back when it rejoins',
  stop: `service heartbeat stop </dev/null >/dev/null 2>&1; ${gone('heartbeat', 60)}`,
  start: stackOps('heartbeat').start,
  running: stackOps('heartbeat').running,
  rejoinedCommand: `if ${stackOps('heartbeat').running}; then echo rejoined; fi`,
  rejoined: (out) => out.split('\n').includes('rejoined'),
};

export const UPGRADE_STACKS: { readonly [S in Stack]: UpgradeStackOps } = { pacemaker, heartbeat };

/**
 * Writes a node's progress record in one round trip (a temp file, then `mv`).
 * @example recordCommand({ run: 'r', packages: ['p'], phase: 'standby', at: '…', before: {} })
 * // "mkdir -p /var/lib/hactl && printf '%s\\n' '{…}' > …"
 */
export function recordCommand(r: UpgradeRecord): string {
  const tmp = `${UPGRADE_RECORD_PATH}.tmp`;
  return `mkdir -p /var/lib/hactl && printf '%s\\n' ${quote(JSON.stringify(r))} > ${tmp} && mv -f ${tmp} ${UPGRADE_RECORD_PATH}`;
}

/** Removes a node's record (the whole upgrade completed). */
export const CLEAR_RECORD_COMMAND = `rm -f ${UPGRADE_RECORD_PATH} ${UPGRADE_RECORD_PATH}.tmp`;

/** Reboots the node without waiting for it (the SSH session ends with it). */
export const REBOOT_COMMAND = 'nohup sh -c "sleep 1; reboot" >/dev/null 2>&1 &';
