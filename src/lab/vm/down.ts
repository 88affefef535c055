/**
 * `lab down` of the VM lab: kill every qemu and the repo server state.json lists (and any
 * stray process in the lab netns), delete links and the netns, remove the VMs' disks and
 * the generated files. Works for a crashed, half-made lab too: removing what was never
 * made is a no-op.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, NodeError } from '../../core/errors.js';
import { removeTree } from '../fsutil.js';
import { netnsExists } from '../network.js';
import { requireRoot } from '../preflight.js';
import { killAndWait } from '../proc.js';
import { saveState } from '../state.js';
import { adoptStrays, killAndUnlink, leftovers } from '../teardown.js';
import { VM_NET } from './constants.js';
import { type VmPaths, vmPaths } from './paths.js';
import { loadVmState, type VmLabState } from './state.js';

export interface VmLabDownOptions {
  /** default: $HACTL_VMLAB_DIR or /var/lib/hactl/vmlab */
  stateDir?: string;
  /** also remove the VM lab's netns and host link when this state dir does not list them (lost state) */
  force?: boolean;
}

export interface VmLabDownResult {
  stateDir: string;
  /** false when there was nothing to remove */
  removed: boolean;
  seconds: number;
}

/** Stops every VM and the repo server and removes everything the VM lab made. Needs root. */
export async function vmLabDown(opts: VmLabDownOptions = {}): Promise<VmLabDownResult> {
  const t0 = performance.now();
  requireRoot();
  const paths = vmPaths(opts.stateDir);
  const state = loadVmState(paths);
  const stray = opts.force && netnsExists(VM_NET.netns);
  if (!state && !stray) {
    if (netnsExists(VM_NET.netns)) {
      throw new InputError(`no VM lab in ${paths.stateDir}, but one is running from another state dir: pass its --state-dir, or --force`);
    }
    return { stateDir: paths.stateDir, removed: false, seconds: 0 };
  }
  const s = state ?? emptyState(paths);
  if (opts.force) adoptStrays(s, [VM_NET.netns], VM_NET.hostLink);
  await teardown(s);
  const left = await leftovers(s);
  if (left.length) {
    if (state) saveState(paths, s);
    throw new NodeError(`lab down could not remove: ${left.join(', ')}`, { hint: 'run `hactl lab down --vm` again' });
  }
  await removeFiles(paths, s);
  return { stateDir: paths.stateDir, removed: true, seconds: (performance.now() - t0) / 1000 };
}

function emptyState(paths: VmPaths): VmLabState {
  return {
    version: 1,
    kind: 'vm',
    stateDir: paths.stateDir,
    createdAt: '',
    stack: 'pacemaker',
    image: '',
    accel: 'tcg',
    memoryMiB: 0,
    netns: [],
    links: [],
    processes: [],
    mounts: [],
    dirs: [],
    files: [],
    nodes: [],
  };
}

async function teardown(s: VmLabState): Promise<void> {
  await killAndWait(s.repoServer);
  for (const n of s.nodes) await killAndWait(n.qemu);
  // then the recorded processes, strays in the netns (a qemu started just before a crash,
  // before its pid was recorded), the links and the netns
  await killAndUnlink(s);
}

/** The VMs' disks and generated files go; the client key stays, so a next `lab up --vm` reuses it. */
async function removeFiles(paths: VmPaths, s: VmLabState): Promise<void> {
  // the defaults too: a state lost in a crash (--force) lists none
  const files = [...new Set([paths.sshConfig, paths.knownHosts, paths.repoLog, ...s.files])];
  // the inventory only when it is the lab's own (an --inventory-out file belongs to the user)
  if (s.inventory && dirname(s.inventory) === paths.stateDir) files.push(s.inventory);
  for (const f of files) rmSync(f, { force: true });
  for (const d of [...s.dirs].reverse()) await removeTree(d);
  rmSync(paths.repoExtra, { recursive: true, force: true });
  if (existsSync(paths.vmsDir)) await removeTree(paths.vmsDir);
  rmSync(paths.state, { force: true });
}
