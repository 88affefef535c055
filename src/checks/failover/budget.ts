/**
 * How long clients may be without the service in each scenario, derived from the
 * cluster's configured timeouts, so a pass means "as fast as this configuration allows"
 * and a slow cluster is caught. `--budget SECONDS` overrides it.
 */
import type { ClusterModel } from '../../inventory/model.js';
import { driverOf } from '../../stack/driver.js';
import { fenceRaceDelay } from '../../stack/pacemaker.js';
import { isDiskless, stonithWatchdogTimeout } from '../../stack/sbd.js';
import { timeoutFactor } from './settings.js';
import type { Budget } from './types.js';

/**
 * Allowances on top of the configured detection time (ms), measured on the namespace lab
 * (token 1000: VIP back 4.6–5.6 s after a power-off; heartbeat deadtime 5: 5.5–5.9 s).
 */
export const ALLOWANCE = {
  /** new transition, VIP up with gratuitous ARP, service start */
  recovery: 5000,
  /** a fence device confirming the node is off (the lab's takes well under a second) */
  fencing: 3000,
  /** a planned move: stop on one twin, start on the other (lab: 1.6–2.1 s, 4–7 s on a loaded host) */
  move: 8000,
  /** nothing should move: one lost probe is measurement noise, more is an outage */
  none: 1000,
} as const;

/** The kinds of budget a scenario can ask for. */
export type BudgetKind = 'node-loss' | 'service-restart' | 'planned-move' | 'no-outage';

/**
 * Time until the cluster declares a node dead: the runtime corosync token (with the
 * per-node coefficient) + consensus, or heartbeat deadtime — the stack driver's one
 * figure, which drift's timing rules use too.
 * @example detectionMs(cluster) // { ms: 2850, basis: 'token 1650 + consensus 1200' }
 */
export function detectionMs(c: ClusterModel): { ms: number; basis: string } {
  const t = driverOf(c).effectiveTiming(c);
  return { ms: t.detectionMs, basis: t.basis };
}

/**
 * The budget of one scenario kind.
 * @example
 *   budgetFor('node-loss', cluster)  // { ms: 7200, basis: 'token 1000 + consensus 1200 + recovery 5000 ms' }
 */
export function budgetFor(kind: BudgetKind, c: ClusterModel, override?: number): Budget {
  if (override !== undefined) return { ms: override, basis: '--budget' };
  const parts: Array<[string, number]> = [];
  // slow (emulated) nodes start resources slower: recovery and moves × vars.failover.timeout_factor
  const slow = timeoutFactor(c);
  const recovery = ALLOWANCE.recovery * slow;
  switch (kind) {
    case 'node-loss': {
      const d = detectionMs(c);
      parts.push([d.basis, d.ms]);
      // a QNetd arbitrator: the survivor is quorate again only once qnetd's vote arrived
      const qd = qdeviceRoundMs(c);
      if (qd) parts.push([`qdevice vote round ${qd}`, qd]);
      if (c.stonith.enabled) {
        // SBD: diskless, the lost node counts as fenced once stonith-watchdog-timeout has
        // passed (it reset itself); disk-based, fence_sbd waits msgwait (2 × watchdog timeout)
        const sbd = sbdFencingMs(c);
        if (sbd) parts.push([sbd.basis, sbd.ms]);
        else parts.push([`fencing ${ALLOWANCE.fencing}`, ALLOWANCE.fencing]);
      }
      // the fence device may wait its random race delay (pcmk_delay_max) before it shoots
      const delay = fenceDelayMs(c);
      if (c.stonith.enabled && delay) parts.push([`fence delay ${delay}`, delay]);
      parts.push([`recovery ${recovery}`, recovery]);
      break;
    }
    case 'service-restart':
      // the monitor notices at its next run at the latest, then stop + start in place
      parts.push([`monitor ${c.timing.monitorInterval * 1000}`, c.timing.monitorInterval * 1000], [`recovery ${recovery}`, recovery]);
      break;
    case 'planned-move':
      parts.push([`move ${ALLOWANCE.move * slow}`, ALLOWANCE.move * slow]);
      break;
    case 'no-outage':
      parts.push([`none ${ALLOWANCE.none}`, ALLOWANCE.none]);
      break;
  }
  return { ms: parts.reduce((a, [, v]) => a + v, 0), basis: `${parts.map(([b]) => b).join(' + ')} ms` };
}

/** corosync-qdevice's `quorum.device.timeout` default (corosync-qdevice(8)), ms */
export const QDEVICE_TIMEOUT_MS = 10_000;

/**
 * How long a node loss may wait for the quorum device's vote (cluster.arbitrator.mode:
 * qdevice), ms: corosync-qdevice's `timeout` (hactl renders none, so its default 10000),
 * how often it polls votequorum and the net model's heartbeat; 0 without a qdevice.
 * Measured on the namespace lab: the VIP moved 9.4 s after a power-off with token 1000,
 * against 4.6–5.6 s with a full-member arbitrator.
 * @example qdeviceRoundMs(qdeviceCluster) // 10000
 */
export function qdeviceRoundMs(c: Pick<ClusterModel, 'qdevice'>): number {
  return c.qdevice ? QDEVICE_TIMEOUT_MS : 0;
}

/**
 * The longest random delay a fence device waits before shooting (Pacemaker's
 * pcmk_delay_max, set by hactl or the inventory; Heartbeat's stonith has none), ms.
 * @example fenceDelayMs(pacemakerCluster) // 15000
 */
export function fenceDelayMs(c: ClusterModel): number {
  if (!c.stonith.enabled || !driverOf(c).cib) return 0;
  // diskless SBD alone has no fence device, so nothing waits a race delay
  if (!c.stonith.agent && c.stonith.sbd && isDiskless(c.stonith.sbd)) return 0;
  const v = fenceRaceDelay(c).pcmk_delay_max ?? c.stonith.params?.pcmk_delay_max;
  const m = /^\s*(\d+)\s*(ms|s)?\s*$/.exec(typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return m ? Number(m[1]) * (m[2] === 'ms' ? 1 : 1000) : 0;
}

/**
 * The fencing time of a lost node under SBD (ms), or undefined without SBD: diskless,
 * stonith-watchdog-timeout; disk-based, SBD's msgwait (2 × watchdog timeout, as hactl creates the headers).
 * @example sbdFencingMs(disklessCluster) // { ms: 10000, basis: 'stonith-watchdog-timeout 10000' }
 */
export function sbdFencingMs(c: ClusterModel): { ms: number; basis: string } | undefined {
  const sbd = c.stonith.sbd;
  if (!c.stonith.enabled || !sbd) return undefined;
  if (isDiskless(sbd)) {
    const ms = (stonithWatchdogTimeout(c) ?? 0) * 1000;
    return { ms, basis: `stonith-watchdog-timeout ${ms}` };
  }
  const ms = 2 * sbd.watchdogTimeout * 1000;
  return { ms, basis: `sbd msgwait ${ms}` };
}
