import { quote } from '../core/shell.js';

/** Installed Debian packages: name → version (only fully installed ones, status `ii`). */
export type DebPackages = Map<string, string>;

/**
 * Asks dpkg about exactly the packages of interest (unknown names are simply absent).
 * Exit status is ignored on purpose: dpkg-query exits 1 when a name is unknown.
 */
export function debPackagesCommand(names: string[]): string {
  return `dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' -- ${names.map(quote).join(' ')} 2>/dev/null; true`;
}

/** Pure parser: `corosync\tii \t3.1.7-1` lines → map of installed packages. */
export function parseDebPackages(stdout: string): DebPackages {
  const out: DebPackages = new Map();
  for (const line of stdout.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (!name || !status || version === undefined) continue;
    if (status.trim() === 'ii') out.set(name.replace(/:.*$/, ''), version);
  }
  return out;
}
