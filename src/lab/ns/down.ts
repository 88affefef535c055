/**
 * `lab down`: undo everything state.json lists (processes, netns, links, mounts, dirs),
 * in an order that works for a complete lab as well as for a crashed, half-made one.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, NodeError } from '../../core/errors.js';
import { mountsUnder, removeTree, umountUnder } from '../fsutil.js';
import type { LabDownOptions, LabDownResult } from '../lab.js';
import { type LabNet, labNet, resolveLabIndex } from '../net.js';
import { labNetnsNames, netnsExists } from '../network.js';
import { requireRoot } from '../preflight.js';
import { killAndWait } from '../proc.js';
import { saveState } from '../state.js';
import { adoptStrays, killAndUnlink, leftovers as recordedLeftovers } from '../teardown.js';
import { stopNode } from './node.js';
import { type LabPaths, labPaths } from './paths.js';
import { type LabState, loadState, netOf } from './state.js';

export type { LabDownOptions, LabDownResult } from '../lab.js';

/** Stops every node and the repo server and removes everything the lab made. Needs root. */
export async function labDown(opts: LabDownOptions = {}): Promise<LabDownResult> {
  const t0 = performance.now();
  requireRoot();
  const paths = labPaths(opts.stateDir);
  const state = loadState(paths);
  const net = downNet(state, opts.index);
  const strays = opts.force ? await labNetnsNames(net) : [];
  if (!state && !strays.length) {
    if (netnsExists(net.netns)) {
      throw new InputError(
        `no lab in ${paths.stateDir}, but lab ${net.index} is running from another state dir: pass its --state-dir, or --force`,
      );
    }
    return { stateDir: paths.stateDir, removed: false, seconds: 0 };
  }
  const s = state ?? emptyState(paths, net);
  if (opts.force) adoptStrays(s, strays, net.hostLink);
  await teardown(paths, s);
  const left = await leftovers(s);
  if (left.length) {
    if (state) saveState(paths, s);
    throw new NodeError(`lab down could not remove: ${left.join(', ')}`, { hint: 'run `hactl lab down` again' });
  }
  removeFiles(paths, s);
  return { stateDir: paths.stateDir, removed: true, seconds: (performance.now() - t0) / 1000 };
}

/** The lab to remove: the state's own; an explicit index must agree with it. */
function downNet(state: LabState | undefined, index: number | undefined): LabNet {
  if (!state) return labNet(resolveLabIndex(index));
  const net = netOf(state);
  if (index !== undefined && index !== net.index) {
    throw new InputError(`the lab in ${state.stateDir} has index ${net.index}, not ${index}`);
  }
  return net;
}

function emptyState(paths: LabPaths, net: LabNet): LabState {
  return {
    version: 1,
    index: net.index,
    stateDir: paths.stateDir,
    createdAt: '',
    stack: 'pacemaker',
    rootfs: '',
    repo: '',
    netns: [],
    links: [],
    processes: [],
    mounts: [],
    dirs: [],
    nodes: [],
  };
}

async function teardown(paths: LabPaths, s: LabState): Promise<void> {
  await killAndWait(s.repoServer);
  for (const n of s.nodes) await stopNode(netOf(s), n);
  await killAndUnlink(s);
  // node mounts live in the nodes' own mount namespaces and die with them; this catches
  // anything that ever reached the host's namespace
  for (const m of s.mounts) await umountUnder(m);
  await umountUnder(paths.nodesDir);
  for (const d of [...s.dirs].reverse()) await removeTree(d);
}

/** What is still there after teardown (the caller reports it). */
async function leftovers(s: LabState): Promise<string[]> {
  const left = await recordedLeftovers(s);
  for (const m of s.mounts) if (mountsUnder(m).length) left.push(`mount ${m}`);
  return left;
}

/** Generated files go; the client key stays, so a next `lab up` reuses it. */
function removeFiles(paths: LabPaths, s: LabState): void {
  const files = [paths.sshConfig, paths.knownHosts, paths.hosts, paths.repoLog];
  // the inventory only when it is the lab's own (an --inventory-out file belongs to the user)
  if (s.inventory && dirname(s.inventory) === paths.stateDir) files.push(s.inventory);
  for (const f of files) rmSync(f, { force: true });
  rmSync(paths.state, { force: true });
  if (existsSync(paths.nodesDir)) rmSync(paths.nodesDir, { recursive: true, force: true });
  rmSync(paths.repoExtra, { recursive: true, force: true });
}
