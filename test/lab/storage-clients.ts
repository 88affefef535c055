/**
 * Clients of the storage tier for the VM lab tests (issue #21): while a failover runs, an
 * NFS client writes a numbered file sequence through the floating IP and a MariaDB client
 * inserts numbered rows through it. Both run on the arbitrator VM (a kernel of its own: a
 * `hard` NFS mount that hangs during the failover hangs there, not on this machine) and log
 * every write the server confirmed, with its time; the test then checks that every
 * confirmed write is on the survivor and measures the longest pause each client saw.
 */

/** Where the writers live on the client, and the NFS mount point. */
export const WRITERS_DIR = '/root/hactl-writers';
export const NFS_MOUNT = '/mnt/hactl-nfs';
/** The user the NFS client writes as (the export directory must be writable for it). */
export const CLIENT_UID = 1000;
/** The MariaDB database, table and client user the writers use (made on the server by {@link mariadbSetup}). */
export const DB = { name: 'hactl_probe', table: 'seq', user: 'probe', password: 'probe-pw' } as const;

/**
 * Shell for the twin running MariaDB (through its socket, as root): the probe database,
 * its table (InnoDB: a commit is on disk, here DRBD, before the client hears of it) and a
 * user that may connect from any host (a pattern by network would meet reverse lookups).
 */
export function mariadbSetup(socket: string): string {
  const sql = [
    `CREATE DATABASE IF NOT EXISTS ${DB.name}`,
    `CREATE TABLE IF NOT EXISTS ${DB.name}.${DB.table} (id INT PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
    `CREATE USER IF NOT EXISTS '${DB.user}'@'%' IDENTIFIED BY '${DB.password}'`,
    `GRANT INSERT, SELECT ON ${DB.name}.* TO '${DB.user}'@'%'`,
  ].join('; ');
  return `mariadb --protocol=socket -S ${socket} -e "${sql}"`;
}

/**
 * Shell for the client: mounts the export through the floating IP (`hard`: a client waits
 * through the failover, as docs/inventory.md tells users to mount) and starts both writers in
 * the background (the ssh session returns at once). The NFS writer retries a failed write of
 * the same number (a client's retry; each failure is logged), so its confirmed numbers run
 * 1..N without a hole; the MariaDB writer takes a new number after a failed insert (a
 * failed insert may or may not have committed; only confirmed ones are checked).
 */
export function startWriters(vip: string, exportPath: string): string {
  const nfs = [
    'i=1',
    'while [ ! -e stop ]; do',
    // as an application user: root is squashed (root_squash), and Linux's NFSv4 client then
    // refuses root the write to the file it just created (seen in the VM lab; uid 1000 writes)
    `  if printf '%s\\n' "$i" | setpriv --reuid=${CLIENT_UID} --regid=${CLIENT_UID} --clear-groups dd of=${NFS_MOUNT}/seq.$i conv=fsync status=none 2>>nfs.err; then`,
    '    echo "$i $(date +%s.%N)" >> nfs.ok; i=$((i+1))',
    '  else echo "$i $(date +%s.%N)" >> nfs.fail; fi',
    '  sleep 0.2',
    'done',
    'touch nfs.done',
  ].join('\n');
  const insert = `INSERT INTO ${DB.name}.${DB.table} (id) VALUES ($i)`;
  const db = [
    'i=0',
    'while [ ! -e stop ]; do',
    '  i=$((i+1))',
    // timeout: a query in flight to a powered-off server would wait for TCP's retransmissions
    `  if timeout 10 mariadb -h ${vip} -u ${DB.user} -p${DB.password} --connect-timeout=3 -e "${insert}" 2>>db.err; then`,
    '    echo "$i $(date +%s.%N)" >> db.ok',
    '  else echo "$i $(date +%s.%N)" >> db.fail; fi',
    '  sleep 0.2',
    'done',
    'touch db.done',
  ].join('\n');
  return [
    `rm -rf ${WRITERS_DIR} && mkdir -p ${WRITERS_DIR} ${NFS_MOUNT} && cd ${WRITERS_DIR}`,
    `mountpoint -q ${NFS_MOUNT} || mount -t nfs4 -o hard,timeo=50 ${vip}:${exportPath} ${NFS_MOUNT}`,
    `cat > nfs.sh <<'EOF'\n${nfs}\nEOF`,
    `cat > db.sh <<'EOF'\n${db}\nEOF`,
    'touch nfs.ok nfs.fail db.ok db.fail',
    'setsid nohup sh nfs.sh </dev/null >/dev/null 2>&1 &',
    'setsid nohup sh db.sh </dev/null >/dev/null 2>&1 &',
    'echo started',
  ].join('\n');
}

/** Shell for the client: asks both writers to stop (after the write in flight). */
export const STOP_WRITERS = `touch ${WRITERS_DIR}/stop`;
/** Shell for the client: true once both writers have stopped. */
export const WRITERS_DONE = `test -e ${WRITERS_DIR}/nfs.done && test -e ${WRITERS_DIR}/db.done`;
/** Shell for the client: the four logs, each after a `== name` line. */
export const WRITER_LOGS = `cd ${WRITERS_DIR} && for f in nfs.ok nfs.fail db.ok db.fail; do echo "== $f"; cat $f; done`;

export interface WriterLog {
  /** confirmed writes: number and client time (s) */
  ok: Array<{ id: number; at: number }>;
  /** failed attempts: number and time */
  failed: Array<{ id: number; at: number }>;
}

/** Parses {@link WRITER_LOGS}' output into the NFS and the MariaDB writer's logs. */
export function parseWriterLogs(text: string): { nfs: WriterLog; db: WriterLog } {
  const files: Record<string, Array<{ id: number; at: number }>> = {};
  let current = '';
  for (const line of text.split('\n')) {
    const head = /^== (\S+)$/.exec(line);
    if (head) {
      current = head[1]!;
      files[current] = [];
    } else if (current && /^\d+ [\d.]+$/.test(line)) {
      const [id, at] = line.split(' ');
      files[current]!.push({ id: Number(id), at: Number(at) });
    }
  }
  const log = (k: string): WriterLog => ({ ok: files[`${k}.ok`] ?? [], failed: files[`${k}.fail`] ?? [] });
  return { nfs: log('nfs'), db: log('db') };
}

/** The longest time between two confirmed writes, in seconds: the client-visible pause. */
export function longestPause(log: WriterLog): number {
  let most = 0;
  for (let i = 1; i < log.ok.length; i++) most = Math.max(most, log.ok[i]!.at - log.ok[i - 1]!.at);
  return most;
}

/** Shell for a server: the sha256 of files seq.1 … seq.N in `dir`, concatenated (as the client wrote "1\n" … "N\n"). */
export const sequenceSum = (dir: string, n: number): string => `cd ${dir} && for i in $(seq 1 ${n}); do cat seq.$i; done | sha256sum`;
