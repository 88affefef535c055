/**
 * What the daemons run with versus what their files say: a config file can be new while
 * the daemon still runs the old values (a handler that never ran, a hand edit without a
 * reload). Read-only and bounded: each daemon is asked only while it runs, with a timeout.
 * - Corosync: `corosync-cmapctl totem.` against the numeric keys of corosync.conf's totem {}
 * - Heartbeat: `cl_status hbparameter -p P` against ha.cf's keepalive, warntime, deadtime, initdead
 * - DRBD: `drbdadm -d adjust all` (dry run: prints what adjust would change; nothing means
 *   the kernel runs the resource files) — only where the kernel has DRBD loaded
 */
import { COROSYNC_CONF } from '../../stack/corosync.js';
import { clStatus, HA_CF, HEARTBEAT_ALIVE } from '../../stack/heartbeat.js';
import type { DriftItem } from './items.js';

export const HB_PARAMETERS = ['keepalive', 'warntime', 'deadtime', 'initdead'] as const;

/** Read-only: Heartbeat's running timing (`run P V`) and ha.cf's (`file P V`). */
export const HEARTBEAT_RUNNING_COMMAND = [
  `if ${HEARTBEAT_ALIVE}; then for p in ${HB_PARAMETERS.join(' ')}; ` +
    `do echo "run $p $(${clStatus('hbparameter -p "$p"')} 2>/dev/null)"; done; fi`,
  `sed -n 's/^[[:space:]]*\\(${HB_PARAMETERS.join('\\|')}\\)[[:space:]]\\+\\([^#[:space:]]*\\).*/file \\1 \\2/p' ` +
    `${HA_CF} 2>/dev/null; true`,
].join('\n');

/** Read-only: corosync's running totem keys and corosync.conf's totem section. */
export const COROSYNC_RUNNING_COMMAND = [
  `if pgrep -x corosync >/dev/null; then timeout -k 1 5 corosync-cmapctl totem. 2>/dev/null | sed 's/^/run /'; fi`,
  `echo '@@file'; sed -n '/^totem[[:space:]]*{/,/^}/p' ${COROSYNC_CONF} 2>/dev/null; true`,
].join('\n');

/** Read-only: what `drbdadm adjust` would do (dry run), where the kernel has DRBD. */
export const DRBD_RUNNING_COMMAND =
  'if [ -e /proc/drbd ]; then timeout -k 1 10 drbdadm -d adjust all 2>&1; echo "@@rc $?"; else echo no-drbd-module; fi';

/** Heartbeat times: "10" (seconds), "500ms", "2s" → milliseconds. */
export function hbMillis(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : 1000));
}

const fmtHb = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * @example heartbeatRunningItems('master', 'run deadtime 30\nfile deadtime 10\n')
 *   // [{ kind: 'cluster', host: 'master', subject: 'running heartbeat deadtime',
 *   //    message: 'heartbeat runs with deadtime 30 s, /etc/ha.d/ha.cf says 10 s' … }]
 */
export function heartbeatRunningItems(host: string, out: string): DriftItem[] {
  const run = new Map<string, string>();
  const file = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [src, key, value] = line.trim().split(/\s+/);
    if (!key || !value) continue;
    if (src === 'run') run.set(key, value);
    else if (src === 'file') file.set(key, value);
  }
  const items: DriftItem[] = [];
  for (const p of HB_PARAMETERS) {
    const r = run.get(p);
    const f = file.get(p);
    const [rm, fm] = [r === undefined ? undefined : hbMillis(r), f === undefined ? undefined : hbMillis(f)];
    if (rm === undefined || fm === undefined || rm === fm) continue;
    items.push({
      kind: 'cluster',
      host,
      subject: `running heartbeat ${p}`,
      message: `heartbeat runs with ${p} ${fmtHb(rm)}, ${HA_CF} says ${fmtHb(fm)}: the file was changed without a restart`,
      hint:
        'hactl bootstrap restarts heartbeat when it changes ha.cf (or runs a restart left pending); ' +
        'after a hand edit: service heartbeat restart',
    });
  }
  return items;
}

/** corosync.conf's totem section → its top-level numeric keys (nested interface {} blocks skipped). */
export function totemFileKeys(section: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  for (const raw of section.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line.endsWith('{')) depth++;
    else if (line === '}') depth--;
    else if (depth === 1) {
      const m = /^([A-Za-z_]+)\s*:\s*(\d+)$/.exec(line);
      if (m) out.set(m[1]!, m[2]!);
    }
  }
  return out;
}

/**
 * @example corosyncRunningItems('slave', 'run totem.token (u32) = 3000\n@@file\ntotem {\n  token: 1000\n}\n')
 *   // [{ … subject: 'running corosync totem.token', message: 'corosync runs with totem.token 3000, corosync.conf says 1000' … }]
 */
export function corosyncRunningItems(host: string, out: string): DriftItem[] {
  const [runPart = '', filePart = ''] = out.split('@@file\n');
  const run = new Map<string, string>();
  for (const line of runPart.split('\n')) {
    const m = /^run (totem\.[A-Za-z_]+) \([a-z0-9]+\) = (\S+)$/.exec(line.trim());
    if (m) run.set(m[1]!, m[2]!);
  }
  if (!run.size) return []; // corosync not running (or no cmap): the live checks say so
  const items: DriftItem[] = [];
  for (const [key, value] of totemFileKeys(filePart)) {
    const r = run.get(`totem.${key}`);
    if (r === undefined || r === value) continue;
    items.push({
      kind: 'cluster',
      host,
      subject: `running corosync totem.${key}`,
      message: `corosync runs with totem.${key} ${r}, ${COROSYNC_CONF} says ${value}: the file was changed without a reload`,
      hint:
        'hactl bootstrap reloads corosync when it changes corosync.conf (or runs a reload left pending); ' +
        'after a hand edit: corosync-cfgtool -R',
    });
  }
  return items;
}

/** `drbdadm -d adjust all` printed commands: the kernel does not run what the resource files say. */
export function drbdRunningItems(host: string, out: string): DriftItem[] {
  if (out.includes('no-drbd-module')) return [];
  const rc = /@@rc (\d+)/.exec(out)?.[1];
  const cmds = out
    .replace(/@@rc \d+\s*$/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (rc === '124') return [{ kind: 'cluster', host, subject: 'running drbd', message: 'drbdadm -d adjust all timed out after 10 s' }];
  if (!cmds.length) return [];
  return [
    {
      kind: 'cluster',
      host,
      subject: 'running drbd',
      message:
        `the kernel's DRBD settings differ from the resource files: adjust would run ${cmds.length} command(s): ` +
        `${cmds.slice(0, 3).join('; ')}${cmds.length > 3 ? ' …' : ''}`,
      hint:
        'hactl bootstrap adjusts DRBD when it changes a resource file (or runs an adjust left pending); ' +
        'after a hand edit: drbdadm adjust all',
    },
  ];
}
