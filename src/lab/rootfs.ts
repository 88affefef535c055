/**
 * The shared node root: a minimal Debian made once by debootstrap and cached under the
 * cache dir, keyed by suite and package list. Nodes mount it read-only as the overlay's
 * lower layer, so it is never changed after it is published.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from '../core/errors.js';
import { hostMirror } from './apt.js';
import { LAB_SUITE, REPO_URL, ROOTFS_PACKAGES } from './constants.js';
import { type LabListener, step } from './events.js';
import { hashOf, removeStaleTmp, removeTree } from './fsutil.js';
import { run } from './proc.js';

/** Bump when {@link customise} changes, so old cached roots are not reused. */
const ROOTFS_FORMAT = 1;
const MARKER = '.hactl-rootfs';

export interface RootfsSpec {
  suite: string;
  packages: readonly string[];
}

export const DEFAULT_ROOTFS: RootfsSpec = { suite: LAB_SUITE, packages: ROOTFS_PACKAGES };

/** Where the root for `spec` is cached (it may not exist yet). */
export function rootfsDir(cacheDir: string, spec: RootfsSpec = DEFAULT_ROOTFS): string {
  const key = hashOf({ suite: spec.suite, variant: 'minbase', packages: [...spec.packages].sort(), format: ROOTFS_FORMAT });
  return join(cacheDir, `rootfs-${spec.suite}-${key}`);
}

/** Returns the cached root for `spec`, building it first if needed (~40 s). */
export async function ensureRootfs(cacheDir: string, emit?: LabListener, spec: RootfsSpec = DEFAULT_ROOTFS): Promise<string> {
  const dir = rootfsDir(cacheDir, spec);
  const name = `debootstrap ${spec.suite}`;
  if (existsSync(join(dir, MARKER))) {
    emit?.({ phase: 'done', step: name, cached: true });
    return dir;
  }
  mkdirSync(cacheDir, { recursive: true });
  await removeStaleTmp(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  await step(emit, name, () => debootstrap(tmp, `${dir}.log`, spec), true);
  customise(tmp);
  writeFileSync(join(tmp, MARKER), JSON.stringify(spec) + '\n');
  publish(tmp, dir);
  return dir;
}

/** Runs debootstrap (minbase) of `spec` into `target` from the host's mirror; output goes to `log`. */
export async function debootstrap(target: string, log: string, spec: RootfsSpec): Promise<void> {
  const mirror = hostMirror(spec.suite);
  const args = ['--variant=minbase', `--include=${spec.packages.join(',')}`, spec.suite, target, mirror];
  const r = await run('debootstrap', args);
  writeFileSync(log, r.stdout + r.stderr);
  if (r.code !== 0) {
    await removeTree(target);
    throw new NodeError(`debootstrap ${spec.suite} from ${mirror} failed (exit ${r.code}); log: ${log}`, {
      output: (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n'),
    });
  }
}

/** Turns the fresh debootstrap into a node template; per-node identity goes into each upper dir. */
function customise(root: string): void {
  const p = (...parts: string[]): string => join(root, ...parts);
  // every node gets its own host key (made on the host before boot): share none
  for (const f of readdirSync(p('etc/ssh'))) if (f.startsWith('ssh_host_')) rmSync(p('etc/ssh', f));
  mkdirSync(p('etc/ssh/sshd_config.d'), { recursive: true });
  writeFileSync(
    p('etc/ssh/sshd_config.d/hactl-lab.conf'),
    '# hactl lab: only the per-node ed25519 host key exists\nHostKey /etc/ssh/ssh_host_ed25519_key\n',
  );
  // apt sees only the lab repo: nodes have no route to the internet
  rmSync(p('etc/apt/sources.list'), { force: true });
  for (const f of readdirSync(p('etc/apt/sources.list.d'))) rmSync(p('etc/apt/sources.list.d', f), { force: true });
  writeFileSync(p('etc/apt/sources.list.d/hactl-lab.list'), `deb [trusted=yes] ${REPO_URL} ./\n`);
  const lists = p('var/lib/apt/lists');
  if (existsSync(lists))
    for (const f of readdirSync(lists)) if (f !== 'partial' && f !== 'lock') rmSync(join(lists, f), { force: true, recursive: true });
  // no DNS in the lab: an empty resolv.conf makes lookups fail at once instead of timing out
  rmSync(p('etc/resolv.conf'), { force: true });
  writeFileSync(p('etc/resolv.conf'), '');
}

/** Renames the finished tree into place; if another hactl won the race, keep theirs. */
function publish(tmp: string, dir: string): void {
  try {
    renameSync(tmp, dir);
  } catch (err) {
    if (!existsSync(join(dir, MARKER))) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
}
