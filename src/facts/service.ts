import { quote } from '../core/shell.js';

export type InitSystem = 'systemd' | 'sysv';

export interface ServiceFact {
  name: string;
  init: InitSystem;
  running: boolean;
  /** undefined when the init system cannot tell (e.g. no init script) */
  enabled?: boolean;
}

/**
 * One round trip: init system, running state and enablement. `statusCommand` overrides
 * how "running" is decided (e.g. `pgrep -x pacemakerd` where an init script lies).
 */
export function serviceFactCommand(name: string, statusCommand?: string): string {
  const n = quote(name);
  const status = statusCommand ?? `service ${n} status`;
  return [
    'if [ -d /run/systemd/system ]; then echo init=systemd;',
    `  systemctl is-active --quiet ${n} && echo running=1 || echo running=0;`,
    `  [ "$(systemctl is-enabled ${n} 2>/dev/null)" = enabled ] && echo enabled=1 || echo enabled=0;`,
    'else echo init=sysv;',
    `  (${status}) >/dev/null 2>&1 && echo running=1 || echo running=0;`,
    `  if ls /etc/rc2.d/S*${name.replace(/[^A-Za-z0-9_.-]/g, '')} >/dev/null 2>&1; then echo enabled=1;`,
    `  elif [ -e /etc/init.d/${name.replace(/[^A-Za-z0-9_.-]/g, '')} ]; then echo enabled=0; fi;`,
    'fi',
  ].join('\n');
}

/** Pure parser for {@link serviceFactCommand}. */
export function parseServiceFact(name: string, stdout: string): ServiceFact {
  const kv = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split('=', 2) as [string, string]),
  );
  return {
    name,
    init: kv.init === 'systemd' ? 'systemd' : 'sysv',
    running: kv.running === '1',
    enabled: kv.enabled === undefined ? undefined : kv.enabled === '1',
  };
}
