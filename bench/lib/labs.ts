/**
 * The labs the bench runs on, made with hactl's own CLI (`hactl lab up/down`), and the
 * files both tools read: hactl inventories, Ansible inventories, one ssh_config and one
 * known_hosts over two labs (100 light nodes need two: a lab holds at most 89 nodes).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchEnv, must, timed } from './exec.js';

/** The repository root (bench/lib from source, dist/bench/lib when compiled). */
export const ROOT = ((): string => {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hactl') return d;
    d = dirname(d);
  }
  throw new Error('bench: cannot find the hactl repository root');
})();

export const HACTL = join(ROOT, 'bin/hactl');
export const BENCH_DIR = join(ROOT, 'bench');

/** The lab's package list, read from the built hactl (src/lab/constants.ts), so the bench follows it. */
export async function labPackages(): Promise<string[]> {
  const mod = (await import(pathToFileURL(join(ROOT, 'dist/src/lab/constants.js')).href)) as { LAB_PACKAGES: readonly string[] };
  return [...mod.LAB_PACKAGES];
}

/** Ansible's modules need Python and python3-apt on the nodes: the bench's labs serve them too. */
export const ANSIBLE_NODE_PACKAGES = ['python3', 'python3-apt'];

export interface LabNodeInfo {
  name: string;
  address: string;
  role: string;
}

export interface Lab {
  index: number;
  stateDir: string;
  nodes: LabNodeInfo[];
  sshConfig: string;
  knownHosts: string;
  identity: string;
  inventory: string;
  /** seconds `lab up` took */
  upSeconds: number;
}

function hactlLab(args: string[], packages: readonly string[] | undefined, log?: string): ReturnType<typeof must> {
  const env = benchEnv(packages ? { HACTL_LAB_PACKAGES: packages.join(' ') } : {});
  return must(process.execPath, [HACTL, 'lab', ...args], { env, cwd: ROOT, log, timeoutMs: 900_000 });
}

/** `hactl lab up --recreate` (fresh node disks); returns the lab as its state dir describes it. */
export async function labUp(o: {
  index: number;
  stateDir: string;
  nodes?: string[];
  packages: readonly string[];
  log?: string;
}): Promise<Lab> {
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const args = ['up', '--recreate', '--index', String(o.index), '--state-dir', o.stateDir];
  if (o.nodes) args.push('--nodes', o.nodes.join(','));
  const r = await hactlLab(args, o.packages, o.log);
  return { ...readLab(o.stateDir), upSeconds: r.seconds };
}

export async function labDown(stateDir: string, log?: string): Promise<void> {
  if (!existsSync(join(stateDir, 'state.json'))) return;
  await hactlLab(['down', '--state-dir', stateDir], undefined, log);
}

/** A running lab, from its state dir. */
export function readLab(stateDir: string): Lab {
  const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { index?: number; nodes: LabNodeInfo[] };
  return {
    index: state.index ?? 0,
    stateDir,
    nodes: state.nodes.map(({ name, address, role }) => ({ name, address, role })),
    sshConfig: join(stateDir, 'ssh_config'),
    knownHosts: join(stateDir, 'known_hosts'),
    identity: join(stateDir, 'id_ed25519'),
    inventory: join(stateDir, 'inventory.yaml'),
    upSeconds: 0,
  };
}

/** Gives a state dir the client key of another before its lab is made (`lab up` keeps an existing key). */
export function shareClientKey(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const f of ['id_ed25519', 'id_ed25519.pub']) {
    if (!existsSync(join(from, f))) throw new Error(`no ${f} in ${from}`);
    copyFileSync(join(from, f), join(to, f));
  }
}

/** The nodes of several labs behind one ssh_config and one known_hosts (same client key). */
export interface Fleet {
  nodes: LabNodeInfo[];
  sshConfig: string;
  knownHosts: string;
  identity: string;
}

export function mergeLabs(labs: Lab[], dir: string): Fleet {
  mkdirSync(dir, { recursive: true });
  const sshConfig = join(dir, 'ssh_config');
  const knownHosts = join(dir, 'known_hosts');
  const identity = labs[0]!.identity;
  // each lab's ssh_config names its own known_hosts: point every block at the merged one
  const cfg = labs.map((l) => readFileSync(l.sshConfig, 'utf8').replaceAll(l.knownHosts, knownHosts).replaceAll(l.identity, identity));
  writeFileSync(sshConfig, cfg.join('\n'));
  writeFileSync(knownHosts, labs.map((l) => readFileSync(l.knownHosts, 'utf8')).join(''));
  return { nodes: labs.flatMap((l) => l.nodes), sshConfig, knownHosts, identity };
}

/**
 * A hactl inventory for light nodes (no cluster stack is ever installed on them): the
 * first node is the inventory's master, the second its slave, the rest plain members
 * (`name`: the cluster's, so a fleet of them has one name each).
 */
export function lightInventory(file: string, fleet: Fleet, nodes: LabNodeInfo[], name = 'bench'): string {
  const lines = [
    '# written by the hactl bench: light nodes (sshd only) for plan/check timings',
    'cluster:',
    `  name: ${name}`,
    '  stack: pacemaker',
    '  network: 10.77.0.0/16',
    '  floating_ips: [ 10.77.255.100/16 ]',
    '  timing: { token: 1000 }',
    'ssh:',
    '  user: root',
    `  identity: ${fleet.identity}`,
    `  config: ${fleet.sshConfig}`,
    `  known_hosts: ${fleet.knownHosts}`,
    'nodes:',
    ...nodes.map((n, i) => `  - { name: ${n.name}, address: ${n.address}, role: ${i === 0 ? 'master' : i === 1 ? 'slave' : 'service'} }`),
    'services: []',
    '',
  ];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n'));
  return resolve(file);
}

/** An Ansible INI inventory: group `light` (or the cluster groups for the converge lab). */
export function ansibleInventory(
  file: string,
  groups: Record<string, LabNodeInfo[]>,
  hostVars: (n: LabNodeInfo) => Record<string, string | number> = () => ({}),
): string {
  const all = new Map<string, LabNodeInfo>();
  for (const list of Object.values(groups)) for (const n of list) all.set(n.name, n);
  const out: string[] = [];
  for (const [group, list] of Object.entries(groups)) {
    out.push(`[${group}]`);
    for (const n of list) {
      const vars = { ansible_host: n.address, ...hostVars(n) };
      out.push(
        `${n.name} ${Object.entries(vars)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    }
    out.push('');
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, out.join('\n'));
  return resolve(file);
}

/** Runs `hactl lab status` (a cheap liveness check used before a measurement). */
export async function labAlive(stateDir: string): Promise<boolean> {
  const r = await timed(process.execPath, [HACTL, 'lab', 'status', '--state-dir', stateDir, '--json'], { cwd: ROOT });
  return r.code === 0;
}
