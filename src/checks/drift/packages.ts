/**
 * Which packages each node should have (the same lists the bootstrap playbook installs),
 * and version skew between nodes: a package upgraded on one twin only is drift even when
 * both have it.
 */
import type { DebPackages } from '../../facts/dpkg.js';
import type { ClusterModel, NodeModel } from '../../inventory/model.js';
import { stackPackages } from '../../stack/packages.js';
import type { DriftItem } from './items.js';

/**
 * The stack packages of one node: the list bootstrap installs (the stack's driver).
 *
 * @example
 *   expectedPackages(cluster, cluster.arbitrator!) // ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents']
 */
export function expectedPackages(c: ClusterModel, n: NodeModel): string[] {
  return stackPackages(c, n);
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
