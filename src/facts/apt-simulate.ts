import { quote } from '../core/shell.js';

/** One package apt would upgrade (or install), from `apt-get -s`. */
export interface PendingUpgrade {
  name: string;
  /** the installed version (absent: apt would install it new) */
  from?: string;
  to: string;
}

const SIM = 'LC_ALL=C apt-get -s -q -o Debug::NoLocking=1 --no-install-recommends';

/**
 * What an upgrade would change, without changing it (`apt-get -s`, no root lock). Reads the
 * package lists as they are: refresh them first (`apt-get update`) for a current answer.
 * @example aptSimulateCommand(['hactl-lab-canary']) // 'LC_ALL=C apt-get -s … install --only-upgrade -- hactl-lab-canary'
 */
export function aptSimulateCommand(packages: readonly string[] | 'all'): string {
  return packages === 'all' ? `${SIM} upgrade` : `${SIM} install --only-upgrade -- ${packages.map(quote).join(' ')}`;
}

/**
 * Pure parser for {@link aptSimulateCommand}: its `Inst NAME [OLD] (NEW SUITE [ARCH])` lines.
 * @example parseAptSimulate('Inst hactl-lab-canary [1.0] (1.1 localhost [all])\n')
 * // [{ name: 'hactl-lab-canary', from: '1.0', to: '1.1' }]
 */
export function parseAptSimulate(stdout: string): PendingUpgrade[] {
  const out: PendingUpgrade[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^Inst (\S+) (?:\[(\S+)\] )?\((\S+)/.exec(line);
    if (!m?.[1] || !m[3]) continue;
    out.push({ name: m[1].replace(/:.*$/, ''), ...(m[2] ? { from: m[2] } : {}), to: m[3] });
  }
  return out;
}
