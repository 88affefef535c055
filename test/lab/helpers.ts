/** Helpers for the lab tests: capability probe, the built CLI, ssh with the lab config, a lab's addresses. */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labNet, resolveLabIndex } from '../../src/lab/net.js';
import type { LabState } from '../../src/lab/ns/state.js';
import { VM_NET } from '../../src/lab/vm/constants.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

/** Why the lab tests cannot run here, or undefined when they can. */
export function labMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root';
  const ns = spawnSync('unshare', ['--net', '--pid', '--mount', '--uts', '--ipc', '--fork', 'true'], { stdio: 'pipe' });
  if (ns.status !== 0) return 'Linux namespaces (net, pid, mount, uts, ipc) are not available';
  for (const tool of ['ip', 'debootstrap', 'dpkg-scanpackages', 'ssh', 'ssh-keygen', 'nsenter']) {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { env: { ...process.env, PATH: SBIN_PATH } });
    if (r.status !== 0) return `${tool} is not installed (apt-get install $(cat lab-assets/host-packages.txt))`;
  }
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) return 'hactl is not built (npm run build)';
  return undefined;
}

/** Why the VM lab tests cannot run here (root, qemu, image tools, a build), or undefined when they can. */
export function vmLabMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'the VM lab needs root';
  for (const tool of [
    'qemu-system-x86_64',
    'qemu-img',
    'mkfs.ext4',
    'debootstrap',
    'dpkg-scanpackages',
    'ip',
    'ssh',
    'ssh-keygen',
    'nsenter',
  ]) {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { env: { ...process.env, PATH: SBIN_PATH } });
    if (r.status !== 0) return `${tool} is not installed (apt-get install $(cat lab-assets/host-packages.txt))`;
  }
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing (qemu needs taps)';
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) return 'hactl is not built (npm run build)';
  return undefined;
}

export type Result = SpawnSyncReturns<string>;

/** Runs the built CLI (`node bin/hactl …`), with `env` added to this process's environment. */
export function hactl(args: string[], timeoutMs = 900_000, env: Record<string, string> = {}): Result {
  return spawnSync(process.execPath, [join(ROOT, 'bin/hactl'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ...env },
  });
}

/** {@link hactl} without blocking this process's event loop (a prober runs in it, or two labs bootstrap side by side). */
export function hactlAsync(args: string[], timeoutMs = 900_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/hactl'), ...args], { cwd: ROOT, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/**
 * The system ssh with the lab's ssh_config (strict host key checking comes from it).
 * `connectTimeoutS` also bounds the banner exchange: VMs under TCG on a busy machine need more than 3 s.
 */
export function ssh(stateDir: string, node: string, command: string, timeoutMs = 300_000, connectTimeoutS = 3): Result {
  const args = ['-F', join(stateDir, 'ssh_config'), '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectTimeoutS}`, node, command];
  return spawnSync('ssh', args, { encoding: 'utf8', timeout: timeoutMs });
}

/** Exit code of `ping -c1 -W1 target` run on `from`. */
export function pingFrom(stateDir: string, from: string, target: string): number | null {
  return ssh(stateDir, from, `ping -c1 -W1 ${target} >/dev/null 2>&1`).status;
}

/** Retries `probe` for up to `ms` (e.g. ARP after a cable comes back). */
export async function eventually(probe: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return probe();
}

/** True while pid runs (a zombie awaiting its parent's wait() does not count). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** `ip` output on the host (for leftover checks). */
export function ipOut(...args: string[]): string {
  return spawnSync('ip', args, { encoding: 'utf8', env: { ...process.env, PATH: SBIN_PATH } }).stdout;
}

/**
 * Lab index the namespace-lab tests use: $HACTL_LAB_INDEX, else 0 (as in CI). A developer
 * sets it to run the tests beside someone else's lab 0.
 */
export const TEST_LAB_INDEX = resolveLabIndex(process.env.HACTL_LAB_INDEX ?? 0);

/** Names and addresses of a running lab, read from its state dir (tests never hard-code 10.77.0.x). */
export interface LabAddresses {
  index: number;
  netns: string[];
  hostLink: string;
  network: string;
  bridge: string;
  host: string;
  /** the inventory's floating IP, without the prefix */
  vip: string;
  /** node name -> address */
  nodes: Record<string, string>;
  /** address of host id `id` in the lab's network (e.g. 14: the first --add node) */
  address(id: number): string;
}

/** Reads state.json of the lab in `stateDir` (it must exist; a namespace or a VM lab). */
/** `hactl lab up --recreate` of a namespace lab at the tests' index, e.g. hactl(labUpArgs(STATE, 'heartbeat', '--backplane')). */
export function labUpArgs(stateDir: string, stack: 'pacemaker' | 'heartbeat', ...extra: string[]): string[] {
  return ['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', stateDir, '--stack', stack, ...extra];
}

export function labAddresses(stateDir: string): LabAddresses {
  const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as LabState & { kind?: string };
  const net = state.kind === 'vm' ? VM_NET : labNet(state.index ?? 0);
  return {
    index: net.index,
    netns: [...state.netns],
    hostLink: net.hostLink,
    network: net.network,
    bridge: net.bridgeAddress,
    host: net.hostAddress,
    vip: net.floatingIp.split('/')[0] ?? '',
    nodes: Object.fromEntries(state.nodes.map((n) => [n.name, n.address])),
    address: net.address,
  };
}
