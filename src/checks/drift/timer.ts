/**
 * The systemd timer + service that run `hactl drift` on the orchestrator host, instead of
 * a cron entry: the same schedule (`--every`: a duration or a five-field cron schedule,
 * turned into OnCalendar=), one run at a time (systemd does not start a oneshot service
 * that is still running), the exit status in `systemctl status` / `systemctl --failed`.
 */
import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, NodeError } from '../../core/errors.js';
import { type CronEntryOptions, cronFileName, cronSchedule, driftArgv, what } from './cron.js';

export const UNIT_DIR = '/etc/systemd/system';

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * A cron schedule (or `--every` duration) → systemd OnCalendar=. Numbers, `*`, `*\/N`,
 * ranges and lists convert; names (jan, mon) and a schedule restricting both day of month
 * and day of week (cron ORs them, systemd ANDs them) are refused with the way out.
 *
 * @example onCalendar('10m') // '*-*-* *:0/10:00'
 * @example onCalendar('30 2 * * 1-5') // 'Mon..Fri *-*-* 2:30:00'
 */
export function onCalendar(every: string): string {
  const fields = cronSchedule(every).split(/\s+/);
  const bad = (why: string): InputError =>
    new InputError(`--every ${every}: ${why} for a systemd timer`, {
      hint: 'use a duration (10m, 1h) or numbers, *, */N, ranges and lists; or --install-cron',
    });
  if (fields.some((f) => /[A-Za-z]/.test(f))) throw bad('month and day names cannot be converted');
  if (fields[2] !== '*' && fields[4] !== '*')
    throw bad('a day of month and a day of week together mean "either" in cron, "both" in systemd');
  const conv = (f: string, first: number): string =>
    f
      .split(',')
      .map((part) => {
        const [range, step] = part.split('/');
        const r = range === '*' ? (step ? String(first) : '*') : range!.replace('-', '..');
        return step ? `${r}/${step}` : r;
      })
      .join(',');
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const days =
    dow === '*'
      ? ''
      : `${dow
          .split(',')
          .map((p) => {
            if (p.includes('/')) throw bad('a step in the day of week cannot be converted');
            return p
              .split('-')
              .map(
                (d) =>
                  DOW[Number(d)] ??
                  (() => {
                    throw bad(`day of week ${d}`);
                  })(),
              )
              .join('..');
          })
          .join(',')} `;
  return `${days}*-${conv(month, 1)}-${conv(dom, 1)} ${conv(hour, 0)}:${conv(minute, 0)}:00`;
}

/** An ExecStart= argument: bare when plain, else double-quoted; `%` and `$` escaped for systemd. */
function unitArg(s: string): string {
  const q = /^[A-Za-z0-9_./:@=+,-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return q.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** The unit names: hactl-drift-CLUSTER.service and .timer. */
export const unitName = (cluster: string): string => cronFileName(cluster);

/**
 * The two unit files, as text.
 * @example
 *   driftUnits({ cluster: 'lab', inventory: '/etc/hactl/lab.yaml', every: '10m', node: '/usr/bin/node',
 *                hactl: '/opt/hactl/bin/hactl', user: 'root' }).timer
 */
export function driftUnits(o: CronEntryOptions): { service: string; timer: string } {
  const name = unitName(o.cluster);
  const args = driftArgv(o);
  const service = [
    `# hactl drift for ${what(o)}: read-only checks; written by \`hactl drift --install-timer\`.`,
    '# Exit codes: 0 no drift, 2 drift, 1 could not check (both failures show in systemctl --failed).',
    '[Unit]',
    `Description=hactl drift checks for ${what(o)}`,
    'Documentation=man:hactl(1)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    ...(o.user !== 'root' ? [`User=${o.user}`] : []),
    `ExecStart=${args.map(unitArg).join(' ')}`,
    '',
  ].join('\n');
  const timer = [
    `# runs ${name}.service; written by \`hactl drift --install-timer\`.`,
    '[Unit]',
    `Description=hactl drift checks for ${what(o)} (--every ${o.every})`,
    '',
    '[Timer]',
    `OnCalendar=${onCalendar(o.every)}`,
    `Unit=${name}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}

/** Writes both units into DIR (mode 0644, atomically each); returns their paths. */
export function installUnits(units: { service: string; timer: string }, cluster: string, dir = UNIT_DIR): string[] {
  if (!existsSync(dir))
    throw new InputError(`${dir} does not exist`, { hint: 'is this host run by systemd? or print the units with --print' });
  return (['service', 'timer'] as const).map((kind) => {
    const file = join(dir, `${unitName(cluster)}.${kind}`);
    const tmp = join(dir, `.${unitName(cluster)}.${kind}.tmp`);
    try {
      writeFileSync(tmp, units[kind], { mode: 0o644 });
      chmodSync(tmp, 0o644);
      renameSync(tmp, file);
    } catch (err) {
      throw new NodeError(`cannot write ${file}: ${(err as Error).message}`, {
        location: file,
        hint: `writing ${dir} needs root; or print the units with --print`,
      });
    }
    return file;
  });
}
