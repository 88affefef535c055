/**
 * The lab's local apt repository: the HA packages plus exactly the dependencies the node
 * root lacks (closure computed against the root's dpkg status), cached by package list.
 * Installing over SSH from it is a real `apt-get install`, without internet in the lab.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NodeError } from '../core/errors.js';
import { ensureHostLists } from './apt.js';
import { LAB_SUITE } from './constants.js';
import { type LabListener, step } from './events.js';
import { hashOf, removeStaleTmp, removeTree } from './fsutil.js';
import type { LabNet } from './net.js';
import { tcpOpen } from './network.js';
import { type LabFiles, repoServerScript } from './paths.js';
import { hostEnv, killAndWait, must, type ProcRef, procRef, run, spawnDetached, waitFor } from './proc.js';

const REPO_FORMAT = 1;

/** Where the repo for these packages over this root is cached (it may not exist yet). */
export function repoDir(cacheDir: string, rootfs: string, packages: readonly string[]): string {
  const key = hashOf({ rootfs: basename(rootfs), packages: [...packages].sort(), format: REPO_FORMAT });
  return join(cacheDir, `repo-${LAB_SUITE}-${key}`);
}

/** Returns the cached repo, downloading the packages first if needed (~1-2 min). */
export async function ensureRepo(cacheDir: string, rootfs: string, packages: readonly string[], emit?: LabListener): Promise<string> {
  const dir = repoDir(cacheDir, rootfs, packages);
  const name = `apt repo (${packages.length} packages + dependencies)`;
  if (existsSync(join(dir, 'Packages'))) {
    emit?.({ phase: 'done', step: name, cached: true });
    return dir;
  }
  await ensureHostLists(LAB_SUITE, emit);
  await removeStaleTmp(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    await fillRepo(tmp, rootfs, packages, name, emit);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  }
  try {
    renameSync(tmp, dir);
  } catch (err) {
    if (!existsSync(join(dir, 'Packages'))) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  emit?.({ phase: 'info', step: `apt repo: ${readdirSync(dir).filter((f) => f.endsWith('.deb')).length} debs in ${dir}` });
  return dir;
}

/**
 * Makes `dir` a flat apt repo of `packages` plus the dependencies `rootfs` lacks (resolved
 * with the host's apt lists against the root's dpkg status). Not cached: callers cache.
 */
export async function fillRepo(dir: string, rootfs: string, packages: readonly string[], name: string, emit?: LabListener): Promise<void> {
  await step(emit, name, () => downloadFresh(dir, rootfs, packages, emit), true);
  await step(emit, 'dpkg-scanpackages', () => index(dir));
}

/** Stale host lists can name versions the mirror has dropped: then refresh once and retry. */
async function downloadFresh(tmp: string, rootfs: string, packages: readonly string[], emit?: LabListener): Promise<void> {
  try {
    await download(tmp, rootfs, packages);
  } catch (err) {
    const updated = await step(
      emit,
      'apt-get update (host)',
      () => run('apt-get', ['-q', '-o', 'DPkg::Lock::Timeout=600', 'update']),
      true,
    );
    if (updated.code !== 0) throw err;
    await download(tmp, rootfs, packages);
  }
}

async function download(tmp: string, rootfs: string, packages: readonly string[]): Promise<void> {
  mkdirSync(join(tmp, 'partial'), { recursive: true });
  const args = [
    '-y',
    '-q',
    '--download-only',
    '--no-install-recommends',
    '-o',
    `Dir::State::status=${join(rootfs, 'var/lib/dpkg/status')}`,
    '-o',
    `Dir::Cache::archives=${tmp}`,
    '-o',
    'DPkg::Lock::Timeout=600',
    'install',
    ...packages,
  ];
  const r = await run('apt-get', args, { env: hostEnv({ DEBIAN_FRONTEND: 'noninteractive' }) });
  if (r.code !== 0) {
    throw new NodeError(`downloading the lab packages failed (exit ${r.code})`, {
      output: (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n'),
      hint: 'check the host can reach its Debian mirror (apt-get update)',
    });
  }
  rmSync(join(tmp, 'partial'), { recursive: true, force: true });
  rmSync(join(tmp, 'lock'), { force: true });
}

async function index(tmp: string): Promise<void> {
  // -m: keep every version (the closure may need two); no override file
  const packages = await must('dpkg-scanpackages', ['-m', '.', '/dev/null'], { cwd: tmp });
  writeFileSync(join(tmp, 'Packages'), packages);
}

/**
 * Starts the lab's repo server in its netns on its bridge address (10.77.N.1:8080) and waits
 * until it answers. With `repoExtra`, the debs published into that dir (`hactl lab publish`)
 * are served too, their index appended to the cached repo's.
 */
export async function startRepoServer(
  paths: Pick<LabFiles, 'repoLog'> & { repoExtra?: string },
  net: LabNet,
  repo: string,
  record: (ref: ProcRef) => void,
): Promise<ProcRef> {
  const script = repoServerScript();
  const { bridgeAddress: address, repoPort: port } = net;
  const extra = paths.repoExtra ? ['--extra', paths.repoExtra] : [];
  if (paths.repoExtra) mkdirSync(paths.repoExtra, { recursive: true });
  const args = [
    `--net=/run/netns/${net.netns}`,
    process.execPath,
    script,
    '--bind',
    address,
    '--port',
    String(port),
    '--dir',
    repo,
    ...extra,
  ];
  const pid = spawnDetached('nsenter', args, paths.repoLog);
  const ref = procRef(pid);
  if (!ref) throw new NodeError(`the lab repo server exited at once; see ${paths.repoLog}`);
  record(ref);
  const ok = await waitFor(() => tcpOpen(address, port, 500).then((o) => (o ? true : undefined)), 10_000, 100);
  if (!ok) {
    await killAndWait(ref);
    throw new NodeError(`the lab repo server did not answer on ${address}:${port}; see ${paths.repoLog}`);
  }
  return ref;
}
