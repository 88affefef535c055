import type { ClusterModel, NodeModel } from '../inventory/model.js';
import { driverOf } from './driver.js';

export { PACEMAKER_STACK } from './driver.js';

/**
 * Debian packages a node needs for its role: bootstrap installs them, drift checks them
 * (the stack's driver decides, src/stack/driver.ts).
 *
 * @example
 *   stackPackages(cluster, cluster.master) // ['corosync', …, 'drbd-utils', 'apache2']
 */
export function stackPackages(c: ClusterModel, node: NodeModel): string[] {
  return driverOf(c).packages(c, node);
}
