import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';

/** The subset of ssh_config(5) hactl honours. */
export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  identityFile?: string[];
  /** the first UserKnownHostsFile (new keys are recorded there) */
  userKnownHostsFile?: string;
  /** every UserKnownHostsFile, read in order; `none` gives [] */
  userKnownHostsFiles?: string[];
  /** GlobalKnownHostsFile (default /etc/ssh/ssh_known_hosts and ssh_known_hosts2) */
  globalKnownHostsFiles?: string[];
}

/** `~/x` → `/home/me/x`; `%d` (home) too, as OpenSSH does. */
export function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return homedir() + p.slice(1);
  return p.replace(/%d/g, homedir());
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

/** Host line semantics: any positive pattern matches and no negated pattern matches. */
export function hostMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(host)) return false;
    } else if (globToRegExp(p).test(host)) matched = true;
  }
  return matched;
}

/**
 * Resolves `host` against an ssh_config text: like OpenSSH, the first value found for a
 * key wins, blocks are read top to bottom. `Match` blocks are skipped (not supported).
 *
 * @example
 *   resolveSshConfig('Host m\n  HostName 10.0.0.1\n  Port 2222\n', 'm')
 *   // { hostName: '10.0.0.1', port: 2222 }
 */
export function resolveSshConfig(text: string, host: string): SshConfigEntry {
  const out: SshConfigEntry = {};
  let active = true; // settings before the first Host line apply to all hosts
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      active = hostMatches(value.split(/\s+/), host);
      continue;
    }
    if (key === 'match') {
      active = false;
      continue;
    }
    if (!active) continue;
    switch (key) {
      case 'hostname':
        out.hostName ??= value.replace(/%h/g, host);
        break;
      case 'user':
        out.user ??= value;
        break;
      case 'port':
        out.port ??= Number(value);
        break;
      case 'identityfile':
        (out.identityFile ??= []).push(expandHome(value));
        break;
      case 'userknownhostsfile':
        if (out.userKnownHostsFiles) break;
        out.userKnownHostsFiles = value === 'none' ? [] : value.split(/\s+/).map(expandHome);
        if (out.userKnownHostsFiles[0]) out.userKnownHostsFile = out.userKnownHostsFiles[0];
        break;
      case 'globalknownhostsfile':
        out.globalKnownHostsFiles ??= value === 'none' ? [] : value.split(/\s+/).map(expandHome);
        break;
    }
  }
  return out;
}

export function readSshConfig(file: string | undefined, host: string): SshConfigEntry {
  const path = expandHome(file ?? '~/.ssh/config');
  if (!existsSync(path)) return {};
  return resolveSshConfig(readFileSync(path, 'utf8'), host);
}
