/** Ansible for the comparison: Debian's package, the bench's config and playbooks, recap parsing. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv, pool, type Timed, timed } from './exec.js';
import { BENCH_DIR } from './labs.js';

export const ANSIBLE_DIR = join(BENCH_DIR, 'ansible');

/**
 * Installs Debian's `ansible` (or `ansible-core`, all the bench's playbooks need) unless
 * the package is installed; returns ansible-playbook's version line.
 */
export async function ensureAnsible(pkg: string, log?: string): Promise<string> {
  const have = await timed('dpkg-query', ['-W', '-f=${Status}', pkg]);
  if (have.code !== 0 || !have.stdout.includes('ok installed')) {
    const env = benchEnv({ DEBIAN_FRONTEND: 'noninteractive' });
    const fresh = await timed('sh', ['-c', "find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 | grep -q ."]);
    if (fresh.code !== 0) await timed('apt-get', ['-q', 'update'], { env, log });
    const r = await timed('apt-get', ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=600', pkg], {
      env,
      log,
      timeoutMs: 900_000,
    });
    if (r.code !== 0) throw new Error(`apt-get install ${pkg} failed (exit ${r.code})${log ? `; log: ${log}` : ''}`);
  }
  const v = await timed('ansible-playbook', ['--version']).catch(() => undefined);
  if (v?.code !== 0) throw new Error(`ansible-playbook does not run after installing ${pkg}`);
  return v.stdout.split('\n')[0]!.trim();
}

export interface AnsibleRun {
  playbook: string;
  inventory: string;
  sshConfig: string;
  forks: number;
  check?: boolean;
  diff?: boolean;
  /** `-e @FILE` */
  extraVars?: string;
  /** work dir for the run's ControlPath sockets and Ansible's temp files */
  workDir: string;
  log?: string;
}

/** Per host, the PLAY RECAP counters. */
export type Recap = Record<string, { ok: number; changed: number; unreachable: number; failed: number }>;

export interface AnsibleResult extends Timed {
  recap: Recap;
}

/**
 * Runs ansible-playbook with the bench's ansible.cfg: pipelining, ControlPersist, forks ≥
 * the node count. Every run gets a fresh ControlPath dir, and the persisted masters are
 * closed afterwards (untimed), so no run starts with another's connections.
 */
export async function runAnsible(o: AnsibleRun): Promise<AnsibleResult> {
  mkdirSync(o.workDir, { recursive: true });
  const cp = mkdtempSync(join(o.workDir, 'cp-'));
  const env = benchEnv({
    ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
    ANSIBLE_FORKS: String(o.forks),
    ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
    ANSIBLE_SSH_COMMON_ARGS: `-F ${o.sshConfig}`,
    ANSIBLE_LOCAL_TEMP: join(o.workDir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
  });
  const args = ['-i', o.inventory, o.playbook];
  if (o.check) args.push('--check');
  if (o.diff) args.push('--diff');
  if (o.extraVars) args.push('-e', `@${o.extraVars}`);
  const r = await timed('ansible-playbook', args, { env, cwd: ANSIBLE_DIR, log: o.log, timeoutMs: 1_800_000 });
  await closeMasters(cp, o.sshConfig);
  return { ...r, recap: parseRecap(r.stdout) };
}

/** `ssh -O exit` for every ControlPersist master a run left in its ControlPath dir, then the dir. */
async function closeMasters(dir: string, sshConfig: string): Promise<void> {
  const socks = existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
  await pool(socks, 16, (s) => timed('ssh', ['-F', sshConfig, '-S', s, '-O', 'exit', 'bench-node'], { timeoutMs: 10_000 }));
  rmSync(dir, { recursive: true, force: true });
}

/** Parses the PLAY RECAP lines: `node : ok=5 changed=2 unreachable=0 failed=0 …`. */
export function parseRecap(stdout: string): Recap {
  const out: Recap = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line.trim());
    if (m) out[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) };
  }
  return out;
}

export const recapFailed = (r: Recap): string[] =>
  Object.entries(r)
    .filter(([, v]) => v.failed || v.unreachable)
    .map(([h]) => h);
export const recapChanged = (r: Recap): number => Object.values(r).reduce((a, v) => a + v.changed, 0);
export const recapChangedHosts = (r: Recap): number => Object.values(r).filter((v) => v.changed > 0).length;
