/**
 * SBD (sbd(8), ClusterLabs/sbd) on the Pacemaker stack: `/etc/default/sbd`, the
 * `stonith-watchdog-timeout` property, the fence_sbd device of disk-based SBD and the
 * idempotent header creation. Pure: model in, data or shell text out.
 *
 * Diskless SBD: the watchdog plus quorum. A node that loses quorum stops feeding its
 * watchdog and is reset within SBD_WATCHDOG_TIMEOUT; the survivors take it as fenced once
 * `stonith-watchdog-timeout` has passed, which Pacemaker's documentation asks to be twice
 * SBD_WATCHDOG_TIMEOUT. Disk-based SBD: a fence_sbd device writes a poison pill into the
 * shared devices' slots; `stonith-watchdog-timeout` stays 0 (no watchdog self-fencing).
 */
import { quote } from '../core/shell.js';
import type { ClusterModel, SbdModel } from '../inventory/model.js';

/** SBD's configuration on Debian (the package's EnvironmentFile; /etc/sysconfig/sbd elsewhere). */
export const SBD_DEFAULTS = '/etc/default/sbd';
/** The unit: `RequiredBy=corosync.service` and `RefuseManualStart`: enabled, never started by hand. */
export const SBD_SERVICE = 'sbd';
export const SBD_PACKAGE = 'sbd';
/** The fence device of disk-based SBD. */
export const SBD_FENCE_ID = 'stonith-sbd';

/** The cluster's SBD settings, undefined without `cluster.stonith.sbd`. */
export const sbdOf = (c: Pick<ClusterModel, 'stonith'>): SbdModel | undefined => c.stonith.sbd;

/** Diskless SBD: no shared device, the watchdog and quorum fence. */
export const isDiskless = (s: SbdModel): boolean => s.devices.length === 0;

/**
 * The `stonith-watchdog-timeout` hactl sets (s): 2 × SBD_WATCHDOG_TIMEOUT for diskless SBD
 * (Pacemaker Explained: "twice the value of SBD_WATCHDOG_TIMEOUT"), 0 for disk-based SBD,
 * undefined without SBD (the property is not written).
 * @example stonithWatchdogTimeout(diskless5) // 10
 */
export function stonithWatchdogTimeout(c: Pick<ClusterModel, 'stonith'>): number | undefined {
  const s = sbdOf(c);
  if (!s) return undefined;
  return isDiskless(s) ? 2 * s.watchdogTimeout : 0;
}

/** The data templates/sbd/sbd.hbs renders. */
export function sbdView(c: ClusterModel): Record<string, unknown> {
  const s = sbdOf(c)!;
  return {
    cluster_name: c.name,
    // SBD_DEVICE separates several devices with ";" (sbd.sysconfig)
    device: s.devices.join(';'),
    watchdog: s.watchdog,
    watchdog_timeout: s.watchdogTimeout,
  };
}

/**
 * Shell, run on one node: for each device, `sbd -d DEV dump` (reads the header, exit 0 when
 * there is one) decides; only a device without a header gets `sbd -d DEV create` (with
 * `-1` = watchdog timeout, msgwait then defaults to twice it). An existing header is never
 * overwritten. Prints `created DEV` for each header it wrote.
 */
export function sbdHeaderScript(s: SbdModel): string {
  return (
    [
      'set -e',
      ...s.devices.map(
        (d) =>
          `if ! sbd -d ${quote(d)} dump >/dev/null 2>&1; then ` +
          `sbd -d ${quote(d)} -1 ${s.watchdogTimeout} -4 ${2 * s.watchdogTimeout} create && echo ${quote(`created ${d}`)}; fi`,
      ),
    ].join('\n') + '\n'
  );
}

/** Read-only: exit 0 when every device has an SBD header (the header task is done). */
export const sbdHeadersPresent = (s: SbdModel): string => s.devices.map((d) => `sbd -d ${quote(d)} dump >/dev/null 2>&1`).join(' && ');

/** The fence_sbd device of disk-based SBD (rendered with the other fence devices), or undefined. */
export function sbdFenceDevice(
  c: ClusterModel,
  delay: Record<string, string>,
): { id: string; agent: string; target: string; params: Record<string, string> } | undefined {
  const s = sbdOf(c);
  if (!c.stonith.enabled || !s || isDiskless(s)) return undefined;
  // no target: it fences every node (no "not on itself" location constraint)
  return { id: SBD_FENCE_ID, agent: 'fence_sbd', target: '', params: { ...delay, devices: s.devices.join(',') } };
}
