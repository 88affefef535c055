/**
 * SBD on one node: whether the watchdog device SBD arms exists, whether sbd.service runs
 * and starts with corosync, and what /etc/default/sbd says. Read-only.
 */
import { quote } from '../core/shell.js';

export interface SbdNodeState {
  /** the watchdog device exists */
  watchdog: boolean;
  /** `systemctl is-active sbd`: active, inactive, failed, … ('' without systemd) */
  active: string;
  /** `systemctl is-enabled sbd`: enabled, disabled, … ('' when the unit is unknown) */
  enabled: string;
  /** /etc/default/sbd as KEY → value (quotes removed), undefined when the file is missing */
  config?: Record<string, string>;
}

const CONFIG_MARK = '@@sbd-config';
const MISSING = '@@sbd-config-missing';

/**
 * The command for one watchdog device (the inventory's `cluster.stonith.sbd.watchdog`).
 * @example sbdStateCommand('/dev/watchdog') // "if [ -e /dev/watchdog ]; then echo 'watchdog present'; …"
 */
export function sbdStateCommand(watchdog: string): string {
  return [
    `if [ -e ${quote(watchdog)} ]; then echo 'watchdog present'; else echo 'watchdog missing'; fi`,
    'echo "active $(systemctl is-active sbd 2>/dev/null)"',
    'echo "enabled $(systemctl is-enabled sbd 2>/dev/null)"',
    `echo '${CONFIG_MARK}'`,
    `cat /etc/default/sbd 2>/dev/null || echo '${MISSING}'`,
  ].join('\n');
}

/** A shell-style KEY=value file (comments and blank lines skipped, one level of quotes removed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim();
    out[m[1]!] = /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
  }
  return out;
}

/** Pure parser for {@link sbdStateCommand}. */
export function parseSbdState(out: string): SbdNodeState {
  const at = out.indexOf(CONFIG_MARK);
  const head = at < 0 ? out : out.slice(0, at);
  const body = at < 0 ? '' : out.slice(at + CONFIG_MARK.length + 1);
  const word = (key: string): string => new RegExp(`^${key} ?(.*)$`, 'm').exec(head)?.[1]?.trim() ?? '';
  const missing = at < 0 || body.includes(MISSING);
  return {
    watchdog: word('watchdog') === 'present',
    active: word('active'),
    enabled: word('enabled'),
    ...(missing ? {} : { config: parseEnvFile(body) }),
  };
}
