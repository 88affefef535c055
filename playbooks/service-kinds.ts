/**
 * What the service kinds need on each twin before the cluster starts them, the same on both
 * stacks (src/stack/service-kinds.ts): the NFS server's lease and grace time in nfs.conf.d,
 * and a mariadb datadir that is not on DRBD (the mysql agent refuses a missing one).
 */
import { quote } from '../src/core/shell.js';
import type { ClusterModel, HostContext } from '../src/index.js';
import { localDataDirs, NFS_CONF, nfsConfView } from '../src/stack/service-kinds.js';

/** True when the cluster's services need anything of {@link serviceKindFiles}. */
export const needsServiceKindFiles = (cluster: ClusterModel): boolean =>
  nfsConfView(cluster) !== undefined || localDataDirs(cluster).length > 0;

export async function serviceKindFiles<H extends string>(h: HostContext<H>, cluster: ClusterModel): Promise<void> {
  const nfsConf = nfsConfView(cluster);
  if (nfsConf) await h.template('nfs/hactl.conf.hbs', NFS_CONF, { vars: nfsConf });
  for (const d of localDataDirs(cluster)) await h.command(`mkdir -p -- ${quote(d)}`, { creates: d, name: `datadir ${d}` });
}
