/**
 * Timing rules across layers. Each layer's timeouts can be valid on their own and still
 * contradict each other: a corosync token passed through `vars.corosync.totem` without a
 * matching consensus, a DRBD `timeout` above its `ping-int`, or a layer that notices a dead
 * peer later than the failover budget allows. The values are the ones hactl renders (the
 * inventory plus its passthrough options); edits on the nodes show up as file drift.
 */
import type { ClusterModel } from '../../inventory/model.js';
import { drbdFencing, drbdView } from '../../stack/drbd.js';
import { driverOf, type EffectiveTiming } from '../../stack/driver.js';
import { fenceRaceDelay } from '../../stack/pacemaker.js';
import { isDiskless, stonithWatchdogTimeout } from '../../stack/sbd.js';
import type { DriftItem } from './items.js';

/** Failover budget (s) when the inventory sets none in `vars.failover_budget`. */
export const DEFAULT_BUDGET_S = 30;

/** DRBD net options that decide how fast a dead peer is noticed, in seconds. */
export interface DrbdTiming {
  name: string;
  pingInt: number;
  pingTimeout: number;
  timeout: number;
  connectInt: number;
}

/**
 * The effective values, after the inventory's passthrough options: the stack's
 * membership timing (src/stack/driver.ts, the same figures the failover budget uses),
 * the budget, the monitor interval and DRBD's net timeouts.
 */
export type TimingFacts = EffectiveTiming & {
  budget: number;
  monitorInterval: number;
  /** whether the stack monitors resources (the monitor interval then counts against the budget) */
  monitorsResources: boolean;
  drbd: DrbdTiming[];
  /** STONITH on (cluster.stonith.enabled) */
  stonith: boolean;
  /** the random delay a fence device waits before it shoots (s), 0 when none */
  fenceDelay: number;
  /** DRBD resources whose fencing is off */
  drbdUnfenced: string[];
  /** SBD (cluster.stonith.sbd): SBD_WATCHDOG_TIMEOUT and stonith-watchdog-timeout (s), as rendered or as read live */
  sbd?: SbdTiming;
};

/** SBD's timeouts, in seconds. */
export interface SbdTiming {
  diskless: boolean;
  watchdogTimeout: number;
  stonithWatchdogTimeout: number;
}

const num = (v: unknown, dflt: number): number => (v === undefined || v === null || Number.isNaN(Number(v)) ? dflt : Number(v));

/**
 * @example
 *   timingFacts(cluster)
 *   // { stack: 'pacemaker', layer: 'corosync', tokenMs: 3000, runtimeTokenMs: 3650, consensusMs: 3600, detectionMs: 7250,
 *   //   budget: 30, drbd: [{ name: 'r0', pingInt: 3, … }], … }
 */
export function timingFacts(c: ClusterModel, budget?: number): TimingFacts {
  const drbd = c.drbd.map((r) => {
    const net = (drbdView(c, r).net_extra ?? {}) as Record<string, unknown>;
    // the template's own values (templates/drbd/resource.res.hbs), then DRBD's defaults;
    // ping-timeout and timeout are in tenths of a second
    return {
      name: r.name,
      pingInt: num(net['ping-int'], 3),
      pingTimeout: num(net['ping-timeout'], 10) / 10,
      timeout: num(net.timeout, 20) / 10,
      connectInt: num(net['connect-int'], 10),
    };
  });
  const driver = driverOf(c);
  return {
    ...driver.effectiveTiming(c),
    budget: budget ?? num(c.vars.failover_budget, DEFAULT_BUDGET_S),
    monitorInterval: c.timing.monitorInterval,
    monitorsResources: driver.monitorsResources,
    drbd,
    stonith: c.stonith.enabled,
    fenceDelay:
      c.stonith.enabled && driver.cib && (c.stonith.agent || (c.stonith.sbd && !isDiskless(c.stonith.sbd)))
        ? seconds(fenceRaceDelay(c).pcmk_delay_max ?? String(c.stonith.params?.pcmk_delay_max ?? 0))
        : 0,
    drbdUnfenced: c.drbd.filter((r) => drbdFencing(c, r) === 'off').map((r) => r.name),
    ...(c.stonith.enabled && c.stonith.sbd
      ? {
          sbd: {
            diskless: isDiskless(c.stonith.sbd),
            watchdogTimeout: c.stonith.sbd.watchdogTimeout,
            stonithWatchdogTimeout: stonithWatchdogTimeout(c) ?? 0,
          },
        }
      : {}),
  };
}

/** A Pacemaker duration (`15s`, `15`, `1500ms`, `1min`) in seconds; 0 when unreadable. */
export function seconds(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min)?$/.exec(v.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  return m[2] === 'ms' || m[2] === 'msec' ? n / 1000 : m[2] === 'm' || m[2] === 'min' ? n * 60 : n;
}

const item = (subject: string, message: string, hint?: string): DriftItem => ({ kind: 'timing', subject, message, hint });
const s = (x: number): string => `${Number(x.toFixed(2))} s`;

/**
 * The rules. Pure: facts in, items out.
 *
 * @example
 *   timingItems({ ...timingFacts(cluster), budget: 5 }) // token 5000, consensus 6000
 *   // [{ kind: 'timing', subject: 'failover budget',
 *   //    message: 'corosync notices a dead node after 11 s … over the failover budget of 5 s' }]
 */
export function timingItems(f: TimingFacts): DriftItem[] {
  const out: DriftItem[] = [];
  if (f.layer === 'corosync' && f.consensusMs < 1.2 * f.tokenMs) {
    out.push(
      item(
        'corosync consensus',
        `consensus ${f.consensusMs} ms is below 1.2 × token (${f.tokenMs} ms): ` +
          'corosync.conf(5) requires at least that, and `corosync -t` does not catch it',
        `set cluster.timing.consensus ≥ ${Math.ceil(1.2 * f.tokenMs)} (or the same key in vars.corosync.totem)`,
      ),
    );
  }
  for (const d of f.drbd) {
    if (d.timeout >= d.pingInt || d.timeout >= d.connectInt) {
      out.push(
        item(
          `drbd ${d.name} timeout`,
          `DRBD ${d.name}: timeout ${s(d.timeout)} must be lower than ping-int (${s(d.pingInt)}) and connect-int (${s(d.connectInt)})`,
          `lower vars.drbd_options.${d.name}.net.timeout (tenths of a second) or raise ping-int`,
        ),
      );
    }
  }
  const membership = {
    layer: f.layer,
    secs: f.detectionMs / 1000,
    how: f.layer === 'corosync' ? `token ${f.runtimeTokenMs} ms + consensus ${f.consensusMs} ms` : `deadtime ${f.deadtime} s`,
  };
  const drbdSlowest = [...f.drbd].sort((a, b) => b.pingInt + b.pingTimeout - (a.pingInt + a.pingTimeout))[0];
  const drbdSecs = drbdSlowest ? drbdSlowest.pingInt + drbdSlowest.pingTimeout : 0;
  if (membership.secs > f.budget) {
    out.push(
      item(
        'failover budget',
        `${membership.layer} notices a dead node after ${s(membership.secs)} (${membership.how}), ` +
          `over the failover budget of ${s(f.budget)}`,
        'lower the timeouts or raise vars.failover_budget',
      ),
    );
  }
  if (drbdSlowest && drbdSecs > f.budget) {
    out.push(
      item(
        `drbd ${drbdSlowest.name} failover budget`,
        `DRBD ${drbdSlowest.name} notices a dead peer after ${s(drbdSecs)} ` +
          `(ping-int ${s(drbdSlowest.pingInt)} + ping-timeout ${s(drbdSlowest.pingTimeout)}); ` +
          `the survivor cannot be promoted before that, over the failover budget of ${s(f.budget)}` +
          `${drbdSecs > membership.secs ? ` (and later than ${membership.layer}, ${s(membership.secs)})` : ''}`,
        `lower vars.drbd_options.${drbdSlowest.name}.net.ping-int`,
      ),
    );
  }
  if (f.stonith && f.drbdUnfenced.length) {
    const which = `DRBD ${f.drbdUnfenced.join(', ')} ${f.drbdUnfenced.length > 1 ? 'have' : 'has'}`;
    out.push(
      item(
        'drbd fencing',
        `STONITH is on but ${which} fencing off: a twin cut from its peer may promote over data the peer still writes`,
        "drop `fencing: off` from drbd: (the default with STONITH is the stack's fencing policy)",
      ),
    );
  }
  if (f.fenceDelay > 0 && membership.secs + f.fenceDelay > f.budget) {
    const total = s(membership.secs + f.fenceDelay);
    out.push(
      item(
        'fence delay',
        `a dead node is noticed after ${s(membership.secs)} and fenced after up to ${s(f.fenceDelay)} more (pcmk_delay_max): ${total}, ` +
          `over the failover budget of ${s(f.budget)}`,
        'lower cluster.stonith.params.pcmk_delay_max or raise vars.failover_budget',
      ),
    );
  }
  out.push(...sbdItems(f, membership));
  if (f.monitorsResources && f.monitorInterval > f.budget) {
    out.push(
      item(
        'monitor interval',
        `a failed service is noticed only after up to ${s(f.monitorInterval)} (timing.monitor_interval), ` +
          `over the failover budget of ${s(f.budget)}`,
        'lower cluster.timing.monitor_interval',
      ),
    );
  }
  return out;
}

/**
 * SBD's chain: SBD_WATCHDOG_TIMEOUT < stonith-watchdog-timeout (diskless: the survivors
 * must not take the lost node for dead before its watchdog has surely reset it; Pacemaker
 * asks for twice) < the failover budget (with the detection time before it).
 */
export function sbdItems(f: TimingFacts, membership: { layer: string; secs: number }): DriftItem[] {
  const sbd = f.sbd;
  if (!sbd) return [];
  const out: DriftItem[] = [];
  const wd = sbd.watchdogTimeout;
  const swt = sbd.stonithWatchdogTimeout;
  if (sbd.diskless && swt <= wd) {
    out.push(
      item(
        'sbd watchdog timeout',
        `stonith-watchdog-timeout (${s(swt)}) is not above SBD_WATCHDOG_TIMEOUT (${s(wd)}): the survivors may take a lost node ` +
          'for fenced before its watchdog has reset it, and run its resources twice',
        `set stonith-watchdog-timeout to ${2 * wd}s (2 × cluster.stonith.sbd.watchdog_timeout): hactl does, unless changed by hand`,
      ),
    );
  }
  if (wd >= f.budget) {
    out.push(
      item(
        'sbd watchdog budget',
        `SBD_WATCHDOG_TIMEOUT (${s(wd)}, cluster.stonith.sbd.watchdog_timeout) is not below the failover budget of ${s(f.budget)}`,
        'lower cluster.stonith.sbd.watchdog_timeout or raise vars.failover_budget',
      ),
    );
  }
  const fencing = sbd.diskless ? swt : 2 * wd;
  const what = sbd.diskless ? 'stonith-watchdog-timeout' : 'SBD msgwait (2 × watchdog_timeout)';
  if (membership.secs + fencing > f.budget) {
    out.push(
      item(
        'sbd failover budget',
        `a lost node is noticed after ${s(membership.secs)} and counts as fenced ${s(fencing)} later (${what}): ` +
          `${s(membership.secs + fencing)}, over the failover budget of ${s(f.budget)}`,
        'lower cluster.stonith.sbd.watchdog_timeout (or the membership timeouts), or raise vars.failover_budget',
      ),
    );
  }
  return out;
}
