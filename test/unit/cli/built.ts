/**
 * The built CLI for tests that run it as a user does (`node bin/hactl …`). `npm test`
 * builds first; a plain `vitest run --project unit` after an edit would run a stale
 * dist/, so the first test file to need it rebuilds when any source is newer (one build
 * at a time: the test files run in parallel workers).
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const LOCK = join(ROOT, 'dist/.test-build.lock');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}

const mtime = (p: string): number => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};
const stale = (): boolean =>
  mtime(MAIN) < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'playbooks')), mtime(join(ROOT, 'package.json')));
const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds dist/ with tsc when it is missing or older than the sources. */
export function ensureBuilt(): void {
  if (!stale()) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`${LOCK} held for 2 minutes: remove it if no build runs`);
      sleep(200);
    }
  }
  try {
    if (!stale()) return; // another worker built it while this one waited
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`the build failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmdirSync(LOCK);
  }
}

/** Runs `node bin/hactl …` with exactly `env` added to a colour-neutral copy of this environment. */
export function hactl(args: string[], env: Record<string, string> = {}, cwd = ROOT): SpawnSyncReturns<string> {
  const base = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'npm_package_version', 'HACTL_INVENTORY']) delete base[k];
  return spawnSync(process.execPath, [join(ROOT, 'bin/hactl'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...base, ...env },
    timeout: 60_000,
  });
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `hactl()` without blocking the worker, so several runs can go side by side. */
export function hactlAsync(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Ran> {
  const base = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'npm_package_version', 'HACTL_INVENTORY']) delete base[k];
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/hactl'), ...args], {
      cwd,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => void (stdout += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => void (stderr += d.toString('utf8')));
    p.on('error', fail);
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/**
 * A scratch directory with an inventory whose nodes sit on this machine's loopback on a
 * port where nothing listens (every connect is refused at once), and the environment
 * that keeps the run's lock and node state inside that directory.
 */
export function unreachableCluster(prefix: string, cluster: string): { dir: string; inventory: string; env: () => Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const inventory = join(dir, `${cluster}.yaml`);
  writeFileSync(
    inventory,
    `cluster: { name: ${cluster}, stack: pacemaker, network: 127.0.0.0/8, floating_ips: [127.0.0.100/8] }
ssh: { user: root, port: 1, config: /nonexistent, known_hosts: ${join(dir, 'known_hosts')} }
nodes:
  - { name: one, address: 127.0.0.1, role: master }
  - { name: two, address: 127.0.0.2, role: slave }
  - { name: arb, address: 127.0.0.3, role: arbitrator }
`,
  );
  return { dir, inventory, env: () => ({ HACTL_LOCK_DIR: join(dir, 'locks'), HACTL_NODE_STATE_DIR: join(dir, 'node-state') }) };
}
