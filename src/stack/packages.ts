import type { ClusterModel, NodeModel } from '../inventory/model.js';
import { guestPackages } from './guests.js';

/** The cluster stack every voting node runs (pacemaker stack). */
export const PACEMAKER_STACK = ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents'];

/**
 * Debian packages a node needs for its role: bootstrap installs them, drift checks them.
 *
 * @example
 *   stackPackages(cluster, cluster.master) // ['corosync', …, 'drbd-utils', 'apache2']
 */
export function stackPackages(c: ClusterModel, node: NodeModel): string[] {
  const twin = node.role === 'master' || node.role === 'slave';
  if (c.stack === 'heartbeat') {
    if (!twin) return [];
    const pkgs = ['heartbeat', 'resource-agents', ...c.services.map((s) => s.package)];
    if (c.drbd.length) pkgs.push('drbd-utils');
    if (c.lvs.length) pkgs.push('ldirectord', 'ipvsadm');
    return [...pkgs, ...guestPackages(c)];
  }
  if (node.role === 'realserver') return [];
  const pkgs = [...PACEMAKER_STACK];
  if (twin) {
    if (c.drbd.length) pkgs.push('drbd-utils');
    pkgs.push(...c.services.map((s) => s.package), ...guestPackages(c));
  }
  return pkgs;
}
