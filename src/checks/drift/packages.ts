/**
 * Which packages each node should have (the same lists the bootstrap playbook installs),
 * and version skew between nodes: a package upgraded on one twin only is drift even when
 * both have it.
 */
import type { DebPackages } from '../../facts/dpkg.js';
import type { ClusterModel, NodeModel } from '../../inventory/model.js';
import { guestPackages } from '../../stack/guests.js';
import type { DriftItem } from './items.js';

const PACEMAKER_STACK = ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents'];

const isTwin = (n: NodeModel): boolean => n.role === 'master' || n.role === 'slave';

/**
 * The stack packages of one node, as bootstrap installs them (kept in step with
 * playbooks/bootstrap.ts and heartbeat.ts).
 *
 * @example
 *   expectedPackages(cluster, cluster.arbitrator!) // ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents']
 */
export function expectedPackages(c: ClusterModel, n: NodeModel): string[] {
  const services = c.services.map((s) => s.package);
  if (c.stack === 'heartbeat') {
    if (!isTwin(n)) return [];
    return [
      'heartbeat', 'resource-agents', ...services,
      ...(c.drbd.length ? ['drbd-utils'] : []),
      ...(c.lvs.length ? ['ldirectord', 'ipvsadm'] : []),
    ];
  }
  if (n.role === 'realserver') return [];
  if (!isTwin(n)) return [...PACEMAKER_STACK];
  return [...new Set([...PACEMAKER_STACK, ...(c.drbd.length ? ['drbd-utils'] : []), ...services, ...guestPackages(c)])];
}

/**
 * One item per package whose installed versions differ between the nodes that should
 * have it. Missing packages are not skew: the check-mode bootstrap names those per node.
 *
 * @example
 *   versionSkew(new Map([['master', new Map([['corosync', '3.1.7-1']])], ['slave', new Map([['corosync', '3.1.8-1']])]]))
 *   // [{ kind: 'packages', subject: 'corosync', message: 'versions differ: 3.1.7-1 on master, 3.1.8-1 on slave' }]
 */
export function versionSkew(installed: Map<string, DebPackages>): DriftItem[] {
  const byPkg = new Map<string, [string, string][]>();
  for (const [host, pkgs] of installed) {
    for (const [p, v] of pkgs) byPkg.set(p, [...(byPkg.get(p) ?? []), [host, v]]);
  }
  const items: DriftItem[] = [];
  for (const [p, list] of [...byPkg].sort(([a], [b]) => a.localeCompare(b))) {
    if (new Set(list.map(([, v]) => v)).size < 2) continue;
    const where = list.map(([h, v]) => `${v} on ${h}`).join(', ');
    items.push({
      kind: 'packages',
      subject: p,
      message: `versions differ: ${where}`,
      hint: `upgrade the older node(s) to the same version (apt-get install ${p}=VERSION), one node at a time`,
    });
  }
  return items;
}
