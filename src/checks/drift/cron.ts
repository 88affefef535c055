/**
 * The cron entry that runs `hactl drift` every few minutes on the orchestrator host:
 * quiet on success (cron mails only when there is output, i.e. on trouble), one run at a
 * time (flock), optionally feeding a Prometheus textfile.
 */
import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, NodeError } from '../../core/errors.js';
import { quote } from '../../core/shell.js';

export const CRON_DIR = '/etc/cron.d';

/**
 * `10m`, `1h`, `30` (minutes) or a five-field cron schedule → a cron schedule.
 *
 * @example
 *   cronSchedule('10m') // '*\/10 * * * *'
 *   cronSchedule('2h')  // '0 *\/2 * * *'
 */
export function cronSchedule(every: string): string {
  const e = every.trim();
  if (/^\S+(\s+\S+){4}$/.test(e)) return e;
  const m = /^(\d+)\s*(m|min|h)?$/.exec(e);
  const bad = (why: string) =>
    new InputError(`--every ${every}: ${why}`, { hint: 'use minutes (5m, 10m, 30m), hours (1h, 2h) or a cron schedule ("*/10 * * * *")' });
  if (!m) throw bad('not a duration');
  const n = Number(m[1]);
  if (m[2] === 'h') {
    if (n < 1 || n > 23 || 24 % n !== 0) throw bad('hours must divide a day (1, 2, 3, 4, 6, 8, 12)');
    return n === 1 ? '0 * * * *' : `0 */${n} * * *`;
  }
  // cron restarts */N at every hour: only divisors of 60 give even intervals
  if (n < 1 || n > 59 || 60 % n !== 0) throw bad('minutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)');
  return n === 1 ? '* * * * *' : `*/${n} * * * *`;
}

export interface CronEntryOptions {
  /** --playbook FILE (absolute), when drift checks a user's playbook */
  playbook?: string;
  /** the cluster's name, or the fleet's (names the cron file and the units) */
  cluster: string;
  /** absolute path of the inventory; several (files or directories) for fleet drift: one run over all of them */
  inventory: string | readonly string[];
  /** fleet drift: the clusters' names, for the comment */
  clusters?: readonly string[];
  every: string;
  /** absolute paths of node and of hactl's bin script */
  node: string;
  hactl: string;
  /** the user the job runs as (a field of /etc/cron.d lines) */
  user: string;
  prometheus?: string;
}

/** /etc/cron.d names may hold only letters, digits, `-` and `_` (run-parts rules). */
export const cronFileName = (cluster: string): string => `hactl-drift-${cluster.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** cron turns an unescaped `%` into a newline: escape it after shell quoting. */
const cronQuote = (s: string): string => quote(s).replace(/%/g, '\\%');

/** What a scheduled run checks, for comments: `cluster web`, or `fleet prod (clusters web, db)`. */
export const what = (o: CronEntryOptions): string =>
  typeof o.inventory === 'string'
    ? `cluster ${o.cluster}`
    : `fleet ${o.cluster}${o.clusters?.length ? ` (clusters ${o.clusters.join(', ')})` : ''}`;

/** The drift run a scheduler starts (cron line, systemd service): node, hactl and its arguments. */
export function driftArgv(o: CronEntryOptions): string[] {
  return [
    o.node,
    o.hactl,
    'drift',
    ...(typeof o.inventory === 'string' ? [o.inventory] : o.inventory).flatMap((i) => ['-i', i]),
    '--quiet',
    ...(o.playbook ? ['--playbook', o.playbook] : []),
    ...(o.prometheus ? ['--prometheus', o.prometheus] : []),
  ];
}

/**
 * The whole /etc/cron.d file.
 *
 * @example
 *   cronEntry({ cluster: 'lab', inventory: '/etc/hactl/lab.yaml', every: '10m', node: '/usr/bin/node',
 *               hactl: '/opt/hactl/bin/hactl', user: 'root' })
 *   // "…\n*\/10 * * * * root flock -n /run/lock/hactl-drift-lab.lock
 *   //   /usr/bin/node /opt/hactl/bin/hactl drift -i /etc/hactl/lab.yaml --quiet\n" (one line)
 *   // a fleet: inventory: ['/etc/hactl/fleet', '/etc/hactl/lab.yaml'] → one line, `drift -i /etc/hactl/fleet -i /etc/hactl/lab.yaml`
 */
export function cronEntry(o: CronEntryOptions): string {
  const name = cronFileName(o.cluster);
  const args = driftArgv(o);
  return [
    `# hactl drift for ${what(o)}: read-only checks; written by \`hactl drift --install-cron\`.`,
    '# Output (and so a cron mail) only on trouble. Exit codes: 0 no drift, 2 drift, 1 could not check.',
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // flock -n: a run still going (an unreachable node waits for its SSH timeout) is not doubled
    `${cronSchedule(o.every)} ${o.user} flock -n /run/lock/${name}.lock ${args.map(cronQuote).join(' ')}`,
    '',
  ].join('\n');
}

/**
 * Writes the entry to DIR/hactl-drift-CLUSTER (mode 0644, atomically) and returns the path.
 *
 * @example
 *   installCron(cronEntry({ … }), 'lab') // '/etc/cron.d/hactl-drift-lab'
 */
export function installCron(content: string, cluster: string, dir = CRON_DIR): string {
  if (!existsSync(dir))
    throw new InputError(`${dir} does not exist`, {
      hint: 'is cron installed on this host? (apt-get install cron), or print the line with --print',
    });
  const file = join(dir, cronFileName(cluster));
  const tmp = join(dir, `.${cronFileName(cluster)}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    chmodSync(tmp, 0o644); // cron ignores group/other-writable files; the umask must not decide
    renameSync(tmp, file);
  } catch (err) {
    throw new NodeError(`cannot write ${file}: ${(err as Error).message}`, {
      location: file,
      hint: 'writing /etc/cron.d needs root; or print the line with --print and install it yourself',
    });
  }
  return file;
}
