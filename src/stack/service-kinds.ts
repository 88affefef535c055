/**
 * The service kinds' resources (`services[].kind`, docs/inventory.md "services"): which
 * resource agent runs each, with which parameters and operations. Pacemaker renders them as
 * OCF primitives in hactl's group; Heartbeat runs the same agents through hactl's resource
 * script (haresources `hactl-ocf::AGENT::ID`, the parameters in an instance file it sources). Parameter
 * names are the agents' own (resource-agents 4.12: mysql, nfsserver, exportfs).
 */
import { quote } from '../core/shell.js';
import type { ClusterModel, DrbdResource, ServiceModel } from '../inventory/model.js';

/** One OCF primitive of a service kind: agent (provider heartbeat), parameters, operation timeouts in seconds. */
export interface KindResource {
  id: string;
  /** ocf:heartbeat:TYPE */
  type: 'mysql' | 'nfsserver' | 'exportfs';
  params: Array<{ name: string; value: string }>;
  /** start and stop timeouts, the monitor's (its interval is the cluster's monitor interval) */
  timeouts: { start: number; stop: number; monitor: number };
}

/** The Pacemaker id of an NFS export's exportfs primitive. @example exportId(s, 0) // 'svc-nfs-kernel-server-export-1' */
export const exportId = (s: Pick<ServiceModel, 'name'>, i: number): string => `svc-${s.name}-export-${i + 1}`;

/**
 * The primitives of a service of a kind, in start order; [] for a plain service.
 * - mariadb: one `mysql` (datadir, socket, pid, user/group; `enable_creation` makes the agent
 *   run mysql_install_db on an empty datadir, so a fresh DRBD filesystem gets its system
 *   tables on the first start; `--bind-address=0.0.0.0` over Debian's 127.0.0.1, so
 *   clients reach it through the floating IP);
 * - nfs: `nfsserver` (its state bind-mounted from the DRBD filesystem onto /var/lib/nfs,
 *   `nfs_ip` the floating IPs for the NSM reboot notifications), then one `exportfs` per
 *   export (`unlock_on_stop`: the locks go with the export, so the filesystem can unmount).
 * @example kindResources(c, mariadb)[0] // { id: 'svc-mariadb', type: 'mysql', params: [{ name: 'datadir', … }], … }
 */
export function kindResources(c: Pick<ClusterModel, 'floatingIps'>, s: ServiceModel): KindResource[] {
  if (s.kind === 'mariadb' && s.mariadb) {
    const m = s.mariadb;
    return [
      {
        id: `svc-${s.name}`,
        type: 'mysql',
        params: [
          { name: 'datadir', value: m.datadir },
          { name: 'socket', value: m.socket },
          { name: 'pid', value: m.pid },
          { name: 'user', value: m.user },
          { name: 'group', value: m.user },
          { name: 'log', value: m.log },
          { name: 'enable_creation', value: 'true' },
          { name: 'additional_parameters', value: '--bind-address=0.0.0.0' },
        ],
        timeouts: { start: 120, stop: 120, monitor: 30 },
      },
    ];
  }
  if (s.kind === 'nfs' && s.nfs) {
    const n = s.nfs;
    const server: KindResource = {
      id: `svc-${s.name}`,
      type: 'nfsserver',
      params: [
        ...(n.stateDir ? [{ name: 'nfs_shared_infodir', value: n.stateDir }] : []),
        { name: 'nfs_ip', value: c.floatingIps.map((v) => v.address).join(',') },
      ],
      timeouts: { start: 60, stop: 60, monitor: 20 },
    };
    const exports = n.exports.map(
      (e, i): KindResource => ({
        id: exportId(s, i),
        type: 'exportfs',
        params: [
          { name: 'directory', value: e.path },
          { name: 'clientspec', value: e.clients },
          { name: 'options', value: e.options },
          { name: 'fsid', value: String(e.fsid) },
          { name: 'unlock_on_stop', value: 'true' },
        ],
        timeouts: { start: 60, stop: 120, monitor: 20 },
      }),
    );
    return [server, ...exports];
  }
  return [];
}

/** Where a resource instance's parameters are kept for Heartbeat (the path Heartbeat's own OCF wrapper uses too). */
export const heartbeatInstanceFile = (r: Pick<KindResource, 'id' | 'type'>): string => `/etc/ha.d/conf/OCF/${r.type}/${r.id}`;

/**
 * The instance file of one resource for Heartbeat, which {@link HACTL_OCF} sources with sh
 * (`set -a`: every name it assigns is exported): OCF_ROOT (the agents need it) and
 * OCF_RESKEY_<param>, each value one quoted word (the layout of Heartbeat's own OCF wrapper,
 * which also reads it).
 */
export function heartbeatInstanceView(c: Pick<ClusterModel, 'name'>, r: KindResource): Record<string, unknown> {
  return {
    cluster_name: c.name,
    agent: r.type,
    lines: ['OCF_ROOT=/usr/lib/ocf', ...r.params.map((p) => `OCF_RESKEY_${p.name}=${quote(p.value)}`)],
  };
}

/**
 * hactl's resource script for Heartbeat: runs an OCF agent with its instance file. Not
 * Heartbeat's own `OCF` wrapper: that one looks for the agent in `$OCF_AGENTS/*` and
 * resource-agents' shellfuncs set OCF_AGENTS to /usr/lib/ocf/resource.d/heartbeat/, one level
 * too deep (Debian 12: heartbeat 3.0.6, resource-agents 4.12), so it finds none.
 */
export const HACTL_OCF = '/etc/ha.d/resource.d/hactl-ocf';

/** Every kind resource Heartbeat runs, with its haresources word (`hactl-ocf::AGENT::ID`). */
export function heartbeatKindResources(c: ClusterModel, s: ServiceModel): Array<KindResource & { haresource: string }> {
  return kindResources(c, s).map((r) => ({ ...r, haresource: `hactl-ocf::${r.type}::${r.id}` }));
}

/** The file that gives the NFS server its lease and grace on both twins (nfs.conf(5) reads /etc/nfs.conf.d/*.conf). */
export const NFS_CONF = '/etc/nfs.conf.d/hactl.conf';

/** The data nfs/hactl.conf.hbs renders (undefined: no nfs service). */
export function nfsConfView(c: ClusterModel): Record<string, unknown> | undefined {
  const n = c.services.find((s) => s.kind === 'nfs')?.nfs;
  return n ? { cluster_name: c.name, lease: n.leaseTime, grace: n.graceTime } : undefined;
}

/**
 * The directories a fresh DRBD filesystem must hold before the cluster starts its services,
 * relative to the mount point: the nfs exports (exportfs refuses to start on a missing
 * directory) and a mariadb datadir (the mysql agent's validation refuses a missing one
 * before `enable_creation` fills it; seen on the lab). nfsserver makes its state dir itself.
 * @example freshDirs(c, r0) // ['mysql', 'export', 'public']
 */
export function freshDirs(c: Pick<ClusterModel, 'services'>, r: Pick<DrbdResource, 'name' | 'filesystem'>): string[] {
  const mount = r.filesystem?.mount.replace(/\/+$/, '');
  if (mount === undefined) return [];
  return c.services
    .filter((s) => s.drbd === r.name)
    .flatMap((s) => [...(s.mariadb ? [s.mariadb.datadir] : []), ...(s.nfs?.exports ?? []).map((e) => e.path)])
    .map((p) => p.replace(/\/+$/, ''))
    .filter((p) => p.startsWith(`${mount}/`))
    .map((p) => p.slice(mount.length + 1));
}

/** mariadb datadirs that are not on a DRBD filesystem: made on both twins (mkdir -p), as the agent needs them to exist. */
export function localDataDirs(c: Pick<ClusterModel, 'services'>): string[] {
  return c.services.filter((s) => s.mariadb && s.drbd === undefined).map((s) => s.mariadb!.datadir);
}

/**
 * Shell: mounts a just-made filesystem on a temporary directory, creates `dirs` in it and
 * unmounts it again (the cluster mounts it for real later), failing when any step fails.
 * Every value is one quoted word; mount and mkdir get `--` before them.
 */
export function seedDirsCommand(device: string, fstype: string, dirs: string[]): string {
  const made = dirs.map((d) => `"$d"/${quote(d)}`).join(' ');
  return (
    `{ d=$(mktemp -d) && mount -t ${quote(fstype)} -- ${quote(device)} "$d" && ` +
    `{ mkdir -p -- ${made}; rc=$?; umount "$d"; rmdir "$d"; [ $rc -eq 0 ]; }; }`
  );
}
