import { quote } from '../core/shell.js';
import type { DebPackages } from '../facts/dpkg.js';
import { noop, type TaskDef, type TaskPlan } from './types.js';

export interface AptOptions {
  /** refresh the package lists first: `auto` = when something is to be installed and the
   *  lists are missing or older than an hour (default); `always`; `never` */
  update?: 'auto' | 'always' | 'never';
  /** install without starting the packages' daemons (policy-rc.d 101): the playbook
   *  starts them once their configuration is in place */
  noStart?: boolean;
}

/** apt-get as every hactl task runs it: no questions, the lock waited for, kept config files, no recommends. */
export const APT =
  'DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 ' +
  '-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends';

/**
 * Installs only the packages that are missing, in one apt-get call.
 *
 * @example
 *   planApt(new Map([['corosync', '3.1.7-1']]), ['corosync', 'pacemaker'])
 *   // { changed: true, reason: 'install pacemaker', steps: [{ command: '… apt-get … install pacemaker' }] }
 */
export function planApt(installed: DebPackages, wanted: string[], options: AptOptions = {}): TaskPlan {
  const missing = [...new Set(wanted)].filter((p) => !installed.has(p));
  if (missing.length === 0) {
    const list = wanted.length > 3 ? `${wanted.length} packages are` : `${wanted.join(', ')} ${wanted.length === 1 ? 'is' : 'are'}`;
    return noop(`${list} installed`);
  }
  const update =
    options.update === 'always'
      ? `${APT} update;`
      : options.update === 'never'
        ? ''
        : `if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | grep -q .; then ${APT} update; fi;`;
  // `--`: a name is never read as an option (`-oDPkg::Pre-Invoke::=…` would run a command)
  const install = `${APT} install -- ${missing.map(quote).join(' ')}`;
  const body = options.noStart ? withoutStarts(install) : install;
  return {
    changed: true,
    reason: `install ${missing.join(' ')}`,
    steps: [{ command: `set -o pipefail 2>/dev/null; ${update} ${body}` }],
  };
}

/**
 * Runs `command` with policy-rc.d 101: packages neither start nor restart their daemons
 * (the cluster decides where a cluster-managed service runs).
 * @example withoutStarts('apt-get -y upgrade') // "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && …"
 */
export function withoutStarts(command: string): string {
  return (
    "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; " +
    `${command}; rc=$?; rm -f /usr/sbin/policy-rc.d; exit $rc`
  );
}

/**
 * Upgrades installed packages only (`install --only-upgrade`: a name not installed is not
 * installed by it), or everything with `all`, after refreshing the lists, with the same
 * options and start policy as {@link planApt}'s install.
 * @example aptUpgradeCommand(['hactl-lab-canary']) // '… update && … install --only-upgrade -- hactl-lab-canary …'
 */
export function aptUpgradeCommand(packages: readonly string[] | 'all'): string {
  const what = packages === 'all' ? 'upgrade' : `install --only-upgrade -- ${packages.map(quote).join(' ')}`;
  return `set -o pipefail 2>/dev/null; ${APT} update || exit $?; ${withoutStarts(`${APT} ${what}`)}`;
}

/** A list of packages for progress output: up to four names, else three and a count. */
export function summarise(items: string[]): string {
  return items.length <= 4 ? items.join(' ') : `${items.slice(0, 3).join(' ')} +${items.length - 3}`;
}

/** The apt task: installs the packages that are missing (one apt-get for all of them). */
export const aptTask: TaskDef<AptOptions & { packages: string[] }> = {
  name: (o) => `apt ${summarise(o.packages)}`,
  facts: (o) => ({ packages: o.packages }),
  plan: (f, o) => planApt(f.packages, o.packages, o),
  // installing creates config files and may start or enable services
  invalidates: (o) => ({ packages: o.packages, files: 'all', services: 'all' }),
};
