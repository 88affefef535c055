/**
 * LVS (ldirectord + IPVS) on the active director, the same for both stacks: the virtual
 * addresses live on the director that runs ldirectord (Heartbeat: haresources; Pacemaker:
 * IPaddr2 primitives and the ldirectord agent in the services group), ldirectord adds the
 * IPVS rules and checks the real servers. The directors are the twins, or on Pacemaker a
 * pair of nodes with `role: director` (the three tiers), whose own group `lvs` holds them.
 */
import type { ClusterModel } from '../inventory/model.js';

/** The nodes that direct LVS: a director pair (`role: director`), else the twins. */
export { directors, directsLvs, lvsNodes } from '../inventory/model.js';

export { LDIRECTORD_CF } from './heartbeat-paths.js';

/** ldirectord's own parser on a staged file (status exits 3 when it is not running: still parsed). */
export const LDIRECTORD_VALIDATE = 'ldirectord %s status; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ]';

/** Read-only: does this kernel have IPVS (LVS)? The namespace lab's kernel does not. */
export const IPVS_KERNEL_CHECK = '[ -e /proc/net/ip_vs ] || modinfo ip_vs >/dev/null 2>&1';

/** LVS virtual addresses that are not floating IPs already, each once. */
export function lvsAddresses(c: ClusterModel): string[] {
  const floating = new Set(c.floatingIps.map((v) => v.address));
  return [...new Set(c.lvs.map((s) => s.address))].filter((a) => !floating.has(a));
}

export function ldirectordView(c: ClusterModel): Record<string, unknown> {
  const first = c.lvs[0];
  return {
    cluster_name: c.name,
    checktimeout: first?.check.timeout ?? 3,
    checkinterval: first?.check.interval ?? 5,
    services: c.lvs.map((s) => ({
      name: s.name,
      address: s.address,
      port: s.port,
      protocol: s.protocol,
      scheduler: s.scheduler,
      persistent: s.persistent ?? 0,
      forwarding: s.forwarding,
      real: s.realServers,
      http: s.check.type === 'http',
      path: s.check.path,
      expect: s.check.expect ?? '',
    })),
  };
}
