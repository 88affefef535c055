import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { quote } from '../core/shell.js';

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
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
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

/** What `ssh -G HOST` says, the options hactl uses (OpenSSH resolved Include, Match, Host and its defaults). */
export interface SshEffective {
  hostName: string;
  user: string;
  port: number;
  /** every IdentityFile, `~` expanded (existing or not) */
  identityFiles: string[];
  identitiesOnly: boolean;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** ask, yes, no, accept-new (OpenSSH prints true/false as yes/no) */
  strictHostKeyChecking: string;
  /** `a,b` or `user@host:port` hops, as written; undefined when none */
  proxyJump?: string;
  /** the command with %h/%p/%r still in it; undefined when none */
  proxyCommand?: string;
  /** seconds; undefined for `none` */
  connectTimeout?: number;
}

const NONE = (v: string | undefined): string | undefined => (v === undefined || v.toLowerCase() === 'none' ? undefined : v);

/**
 * Parses `ssh -G` output (one `key value` per line, keys lower case, repeated keys for
 * lists such as identityfile).
 *
 * @example parseSshG('hostname 10.0.0.5\nuser root\nport 22\n').hostName // '10.0.0.5'
 */
export function parseSshG(text: string): SshEffective {
  const all = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(raw.trim());
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    all.set(key, [...(all.get(key) ?? []), m[2]!]);
  }
  const one = (k: string): string | undefined => all.get(k)?.[0];
  const files = (k: string): string[] => (NONE(one(k)) ?? '').split(/\s+/).filter(Boolean).map(expandHome);
  const timeout = NONE(one('connecttimeout'));
  const port = Number(one('port') ?? 22);
  return {
    hostName: one('hostname') ?? '',
    user: one('user') ?? '',
    port: Number.isInteger(port) && port > 0 ? port : 22,
    identityFiles: (all.get('identityfile') ?? []).filter((f) => f.toLowerCase() !== 'none').map(expandHome),
    identitiesOnly: one('identitiesonly') === 'yes',
    userKnownHostsFiles: files('userknownhostsfile'),
    globalKnownHostsFiles: files('globalknownhostsfile'),
    strictHostKeyChecking: (one('stricthostkeychecking') ?? 'ask').toLowerCase(),
    ...(NONE(one('proxyjump')) ? { proxyJump: one('proxyjump')! } : {}),
    ...(NONE(one('proxycommand')) ? { proxyCommand: one('proxycommand')! } : {}),
    ...(timeout && Number(timeout) > 0 ? { connectTimeout: Number(timeout) } : {}),
  };
}

/** What to ask `ssh -G` (the inventory's explicit values go in as -l/-p, as on ssh's command line). */
export interface SshQuery {
  host: string;
  /** ssh_config file (-F); default ~/.ssh/config and /etc/ssh/ssh_config, as ssh reads them */
  config?: string;
  user?: string;
  port?: number;
}

/** `ssh -G` answers per run: each host is asked once. */
const cache = new Map<string, Promise<{ effective: SshEffective; via: 'ssh -G' | 'parser' }>>();

/** Set when `ssh` is not installed: the fallback parser is used (once said, for the CLI to show). */
export let sshGMissing: string | undefined;

function runSshG(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: 10_000, maxBuffer: 1 << 20, env: process.env }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 255) : 0, stdout, stderr, missing: e?.code === 'ENOENT' });
    });
  });
}

/**
 * The effective ssh options for a host, from `ssh -G` (once per host and arguments per run;
 * callers ask for all hosts at once, so the runs go in parallel). Without an `ssh` binary,
 * hactl's own parser (Host blocks only: no Include, Match, ProxyJump) answers and
 * `sshGMissing` says so.
 *
 * @example (await effectiveSsh({ host: 'master', config: 'lab/ssh_config' })).effective.hostName
 */
export function effectiveSsh(q: SshQuery): Promise<{ effective: SshEffective; via: 'ssh -G' | 'parser' }> {
  // an inventory's ssh config that does not exist is no config, as before (`ssh -F` would refuse it)
  const config = q.config ? (existsSync(expandHome(q.config)) ? expandHome(q.config) : '/dev/null') : undefined;
  const args = [
    '-G',
    ...(config ? ['-F', config] : []),
    ...(q.user ? ['-l', q.user] : []),
    ...(q.port ? ['-p', String(q.port)] : []),
    '--',
    q.host,
  ];
  const key = args.join('\0');
  let p = cache.get(key);
  if (!p) {
    p = runSshG(args).then((r) => {
      if (r.missing) {
        sshGMissing =
          "ssh (OpenSSH client) is not installed: ssh_config read by hactl's own parser (Host blocks only; no Include, Match, ProxyJump)";
        return { effective: fallbackEffective(q, config), via: 'parser' as const };
      }
      if (r.code !== 0) {
        const said = r.stderr
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !/^Pseudo-terminal/.test(l))
          .join('; ');
        throw new Error(`ssh -G ${q.host}${config ? ` -F ${config}` : ''} failed: ${said || `exit ${r.code}`}`);
      }
      return { effective: parseSshG(r.stdout), via: 'ssh -G' as const };
    });
    cache.set(key, p);
  }
  return p;
}

/** Today's parser, shaped like `ssh -G` output (OpenSSH's defaults filled in). */
function fallbackEffective(q: SshQuery, config: string | undefined): SshEffective {
  const cfg = readSshConfig(config, q.host);
  return {
    hostName: cfg.hostName ?? q.host,
    user: q.user ?? cfg.user ?? userInfo().username,
    port: q.port ?? cfg.port ?? 22,
    identityFiles: cfg.identityFile ?? ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ed25519'].map(expandHome),
    identitiesOnly: false,
    userKnownHostsFiles: cfg.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'].map(expandHome),
    globalKnownHostsFiles: cfg.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    strictHostKeyChecking: 'ask',
  };
}

/** One ProxyJump hop: `host`, `user@host`, `host:port`, `[v6]:port`, `ssh://user@host:port`. */
export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

/**
 * Splits a ProxyJump value into hops, first hop first.
 *
 * @example parseProxyJump('admin@bastion:2222,inner') // [{ host: 'bastion', user: 'admin', port: 2222 }, { host: 'inner' }]
 */
export function parseProxyJump(value: string): JumpHop[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((spec) => {
      const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:@]+)(?::(\d+))?$/.exec(spec);
      if (!m) throw new Error(`bad ProxyJump hop "${spec}" (expected [user@]host[:port])`);
      return { host: m[2]!.replace(/^\[(.*)\]$/, '$1'), ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}) };
    });
}

/**
 * A ProxyCommand with OpenSSH's tokens substituted: %h host, %p port, %r user, %n the
 * name as given, %% a percent sign.
 *
 * @example proxyCommandLine('nc %h %p', { host: '10.0.0.5', port: 22, user: 'root', name: 'db' }) // 'nc 10.0.0.5 22'
 */
export function proxyCommandLine(command: string, t: { host: string; port: number; user: string; name: string }): string {
  // the values come from the inventory and ssh_config: data, quoted unless plainly a name
  const q = (v: string): string => (/^[\w.:@-]+$/.test(v) ? v : quote(v));
  return command.replace(/%([%hprn])/g, (_, c: string) =>
    c === '%' ? '%' : c === 'h' ? q(t.host) : c === 'p' ? String(t.port) : c === 'r' ? q(t.user) : q(t.name),
  );
}
