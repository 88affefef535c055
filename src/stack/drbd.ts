import { addressOn, type ClusterModel, type DrbdFencing, type DrbdResource, type NodeModel } from '../inventory/model.js';
import { driverOf } from './driver.js';

export const drbdResFile = (r: DrbdResource): string => `/etc/drbd.d/${r.name}.res`;
/**
 * drbd-utils' parser; works without the kernel module (rc 10 on a syntax error). hactl
 * renders DRBD 8.4 syntax (Debian 12's in-tree module; `fencing` is a disk option there):
 * without a loaded module drbdadm would pick its DRBD 9 parser, which refuses that, so the
 * driver version is pinned and drbdadm hands the file to drbdadm-84.
 */
export const DRBD_VALIDATE = 'DRBD_DRIVER_VERSION_OVERRIDE=8.4.11 drbdadm -c %s dump all >/dev/null';

/** A twin's address on the network DRBD replicates over (the public address when it has none there). */
export function replicationAddress(c: ClusterModel, n: NodeModel): string {
  return addressOn(n, c.replication) ?? n.address;
}

export function drbdView(c: ClusterModel, r: DrbdResource): Record<string, unknown> {
  const extra = ((c.vars.drbd_options ?? {}) as Record<string, { net?: object; disk?: object }>)[r.name] ?? {};
  return {
    cluster_name: c.name,
    name: r.name,
    protocol: r.protocol,
    device: r.device,
    disk: r.disk,
    meta_disk: r.metaDisk,
    port: r.port,
    // the replication network's addresses (cluster.replication: e.g. a back-to-back backplane)
    a: { name: c.master.name, address: replicationAddress(c, c.master) },
    b: { name: c.slave.name, address: replicationAddress(c, c.slave) },
    net_extra: extra.net ?? {},
    disk_extra: extra.disk ?? {},
    ...fencingView(c, r),
  };
}

/**
 * The fencing policy a resource runs with: as written, else the stack's default when the
 * cluster has STONITH, else off.
 * @example drbdFencing(pacemakerWithStonith, r0) // 'resource-and-stonith'
 */
export function drbdFencing(c: ClusterModel, r: DrbdResource): DrbdFencing {
  return r.fencing ?? (c.stonith.enabled ? driverOf(c).drbdFencing.byDefault : 'off');
}

/** True when some DRBD resource of the cluster outdates its peer (Heartbeat then runs dopd). */
export const anyDrbdFencing = (c: ClusterModel): boolean => c.drbd.some((r) => drbdFencing(c, r) !== 'off');

/** `fencing` goes into the disk section (DRBD 8.4 syntax: drbdadm-84 refuses it under net) with the stack's handlers. */
function fencingView(c: ClusterModel, r: DrbdResource): { fencing: string; fence_handlers: Record<string, string> } {
  const policy = drbdFencing(c, r);
  if (policy === 'off') return { fencing: '', fence_handlers: {} };
  return { fencing: policy, fence_handlers: { ...driverOf(c).drbdFencing.handlers } };
}

/** Read-only shell test: does this node's kernel have DRBD (loaded, or a module to load)? */
export const DRBD_KERNEL_CHECK = '[ -e /proc/drbd ] || modinfo drbd >/dev/null 2>&1';
/** Loads the module (a change: only in apply mode, as a task) */
export const DRBD_MODPROBE = 'modprobe drbd';
