import type { ClusterModel, DrbdResource } from '../inventory/model.js';

export const drbdResFile = (r: DrbdResource): string => `/etc/drbd.d/${r.name}.res`;
/** drbd-utils' parser; works without the kernel module (rc 10 on a syntax error) */
export const DRBD_VALIDATE = 'drbdadm -c %s dump all >/dev/null';

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
    a: { name: c.master.name, address: c.master.address },
    b: { name: c.slave.name, address: c.slave.address },
    net_extra: extra.net ?? {},
    disk_extra: extra.disk ?? {},
  };
}

/** Read-only shell test: does this node's kernel have DRBD (loaded, or a module to load)? */
export const DRBD_KERNEL_CHECK = '[ -e /proc/drbd ] || modinfo drbd >/dev/null 2>&1';
/** Loads the module (a change: only in apply mode, as a task) */
export const DRBD_MODPROBE = 'modprobe drbd';
