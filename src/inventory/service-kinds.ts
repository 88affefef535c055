/**
 * Defaults of the service kinds (`services[].kind`): the package, the settings the resource
 * agents are given, and a check that asks the service itself (a real query, the kernel's
 * export table), not only whether its port answers.
 */
import { quote } from '../core/shell.js';
import type { DrbdResource, MariadbSettings, NfsSettings, ServiceCheck, ServiceKind } from './model.js';
import type { RawService } from './raw.js';

/** The Debian package of each kind (`package:` overrides it). */
export const KIND_PACKAGES = { mariadb: 'mariadb-server', nfs: 'nfs-kernel-server' } as const satisfies Record<ServiceKind, string>;

/** A real query through the local socket: exit 0 only when the server answers SQL (as root: unix_socket authentication). */
export const MARIADB_QUERY = "mysql --protocol=socket -N -B -e 'SELECT 1'";
export const MARIADB_PORT = 3306;
export const NFS_PORT = 2049;
/** exports(5) options of an export without `options:`. */
export const NFS_DEFAULT_OPTIONS = 'rw,sync,no_subtree_check';
/** The kernel's own NFSv4 lease and grace (seconds): written explicitly so both twins agree. */
export const NFS_DEFAULT_LEASE = 90;
export const NFS_DEFAULT_GRACE = 90;

/**
 * The command that checks every export is in the kernel's export table (`exportfs -s`, one
 * export a line, its path first), naming the first one missing. Paths are quoted words.
 * @example nfsExportsCommand(['/srv/shared/export']) // "t=$(exportfs -s) || exit 1; for p in /srv/shared/export; do …"
 */
export function nfsExportsCommand(paths: string[]): string {
  return (
    `t=$(exportfs -s) || exit 1; for p in ${paths.map(quote).join(' ')}; do ` +
    'printf \'%s\\n\' "$t" | awk -v p="$p" \'$1 == p { f = 1 } END { exit !f }\' || { echo "not exported: $p"; exit 1; }; ' +
    `done; echo 'exported: ${paths.length}'`
  );
}

/** The service's check when the inventory gives none: mariadb a query, nfs the export table (and their ports through the VIP). */
export function kindCheck(kind: ServiceKind, nfs?: NfsSettings): ServiceCheck {
  if (kind === 'mariadb') return { port: MARIADB_PORT, command: MARIADB_QUERY };
  return { port: NFS_PORT, command: nfsExportsCommand((nfs?.exports ?? []).map((e) => e.path)) };
}

/** The DRBD filesystem's mount point a service keeps its data on, if any. */
const mountOf = (s: RawService, drbd: DrbdResource[]): string | undefined => drbd.find((d) => d.name === s.drbd)?.filesystem?.mount;

/** kind mariadb, resolved: the datadir on the DRBD filesystem (MOUNT/mysql) unless given, Debian's socket, pid and user. */
export function resolveMariadb(s: RawService, drbd: DrbdResource[]): MariadbSettings {
  const mount = mountOf(s, drbd);
  return {
    datadir: s.datadir ?? (mount ? `${mount}/mysql` : '/var/lib/mysql'),
    socket: '/run/mysqld/mysqld.sock',
    pid: '/run/mysqld/mysqld.pid',
    user: 'mysql',
    // the agent's Debian default, /var/log/mysql/error.log, is in a directory mariadb-server
    // 10.11 no longer makes: its start then fails ("touch: cannot touch", seen on the lab)
    log: '/var/log/mariadb-error.log',
  };
}

/** kind nfs, resolved: the state dir on the DRBD filesystem (MOUNT/nfs) unless given, the exports with their defaults. */
export function resolveNfs(s: RawService, drbd: DrbdResource[]): NfsSettings {
  const mount = mountOf(s, drbd);
  const stateDir = s.state_dir ?? (mount ? `${mount}/nfs` : undefined);
  return {
    ...(stateDir ? { stateDir } : {}),
    exports: (s.exports ?? []).map((e, i) => ({
      path: e.path,
      clients: e.clients,
      options: e.options ?? NFS_DEFAULT_OPTIONS,
      fsid: e.fsid ?? i + 1,
    })),
    leaseTime: s.lease_time ?? NFS_DEFAULT_LEASE,
    graceTime: s.grace_time ?? NFS_DEFAULT_GRACE,
  };
}
