/** Working with a running namespace lab: status, exec into a node, and the fault primitives; {@link nsLab} is its {@link Lab}. */
import { InputError, NodeError } from '../../core/errors.js';
import { PUBLIC_NETWORK } from '../../inventory/model.js';
import { plugCable, setCable } from '../cable.js';
import type { Lab, LabDownOptions, LabExecOptions, LabNodeStatus, LabOptions, LabStatus } from '../lab.js';
import { netnsExists } from '../network.js';
import { requireRoot } from '../preflight.js';
import { isAlive, type RunResult, run } from '../proc.js';
import { Journal } from '../state.js';
import { nodeStatus } from '../status.js';
import { labDown } from './down.js';
import { cableOf } from './network.js';
import { freezeNode, startNode, stopNode, thawNode, waitSsh } from './node.js';
import { labPaths } from './paths.js';
import { findNode, type LabJournal, type LabNode, loadState, netOf, requireState } from './state.js';

export type { LabExecOptions, LabNodeStatus, LabOptions, LabStatus } from '../lab.js';

/** Reports the lab in the state dir: which nodes run, which are cut. Needs root. */
export async function labStatus(opts: LabOptions = {}): Promise<LabStatus> {
  requireRoot();
  const paths = labPaths(opts.stateDir);
  const s = loadState(paths);
  if (!s) return { stateDir: paths.stateDir, up: false, nodes: [] };
  const net = netOf(s);
  const nodes: LabNodeStatus[] = [];
  for (const n of s.nodes) nodes.push(await nodeStatus(n, n.init, cableOf(net, n), n.inInventory));
  return {
    stateDir: paths.stateDir,
    index: net.index,
    up: netnsExists(net.netns),
    stack: s.stack,
    inventory: s.inventory,
    network: net.network,
    floatingIp: net.floatingIp,
    repo: { url: net.repoUrl, dir: s.repo, running: isAlive(s.repoServer) },
    nodes,
  };
}

function labNode(name: string, opts: LabOptions): { node: LabNode; j: LabJournal } {
  requireRoot();
  const paths = labPaths(opts.stateDir);
  const state = requireState(paths);
  return { node: findNode(state, name), j: new Journal(paths, state) };
}

/**
 * Runs argv inside a node (all its namespaces and its root, like a console login), without
 * SSH. Default argv: a login shell. Resolves with the exit code; never throws for a
 * non-zero exit.
 */
export async function labExec(node: string, argv: readonly string[], opts: LabExecOptions = {}): Promise<RunResult> {
  const { node: n } = labNode(node, opts);
  if (!n.init || !isAlive(n.init)) throw new NodeError(`lab node ${node} is powered off`, { hint: `hactl lab boot ${node}` });
  const cmd = argv.length ? argv : ['/bin/bash', '-l'];
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    TERM: process.env.TERM ?? 'dumb',
  };
  const args = ['-t', String(n.init.pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--', ...cmd];
  return run('nsenter', args, { env, stdio: opts.stdio, input: opts.input, timeoutMs: opts.timeoutMs });
}

/**
 * Hard power-off: the node's cable is removed and its PID 1 SIGKILLed (all its processes
 * die at once, like pulling the plug). The disk stays for {@link boot}. No-op if off.
 */
export async function poweroff(node: string, opts: LabOptions = {}): Promise<void> {
  const { node: n, j } = labNode(node, opts);
  await stopNode(netOf(j.state), n);
  j.save();
}

/** Powers a node on again on its kept disk (fresh /run, /tmp, /dev/shm); resolves when SSH answers. */
export async function boot(node: string, opts: LabOptions = {}): Promise<void> {
  const { node: n, j } = labNode(node, opts);
  if (isAlive(n.init)) return;
  const net = netOf(j.state);
  if (!netnsExists(net.netns)) throw new NodeError('the lab network is gone', { hint: 'run `hactl lab up --recreate`' });
  await stopNode(net, n); // clears what a crash may have left of the old boot
  await startNode(j, n, j.state.rootfs);
  await waitSsh(j.paths, n);
}

async function cable(node: string, up: boolean, opts: LabOptions & { link?: string }): Promise<void> {
  const { node: n, j } = labNode(node, opts);
  const power = { proc: n.init, off: `lab node ${node} is powered off` };
  const c = cableOf(netOf(j.state), n, opts.link);
  // `cut` in the state (and `lab status`) is the public cable; the backplane's is only its bridge port
  if ((opts.link ?? PUBLIC_NETWORK) === PUBLIC_NETWORK) await plugCable(n, power, c, up, () => j.save());
  else if (!isAlive(n.init)) throw new InputError(power.off);
  else await setCable(c, up);
}

/** Pulls the node's network cable (`link`: which network's, default public): its processes keep running, its peers lose it. */
export function cut(node: string, opts: LabOptions & { link?: string } = {}): Promise<void> {
  return cable(node, false, opts);
}

/** Plugs the cable back in after {@link cut}. */
export function uncut(node: string, opts: LabOptions & { link?: string } = {}): Promise<void> {
  return cable(node, true, opts);
}

/** Hangs a node: every process in it stopped (SIGSTOP from the host); {@link thaw} resumes it. No-op if off. */
export async function freeze(node: string, opts: LabOptions = {}): Promise<void> {
  await freezeNode(labNode(node, opts).node);
}

/** Resumes a node after {@link freeze} (SIGCONT). No-op if off. */
export async function thaw(node: string, opts: LabOptions = {}): Promise<void> {
  thawNode(labNode(node, opts).node);
}

/** The namespace lab in `stateDir` as a {@link Lab}. */
export function nsLab(stateDir: string): Lab {
  const o = { stateDir };
  return {
    kind: 'ns',
    stateDir,
    faults: new Set(['poweroff', 'boot', 'cut', 'uncut', 'freeze', 'thaw']),
    paths: labPaths(stateDir),
    status: () => labStatus(o),
    exec: (node, argv, opts = {}) => labExec(node, argv, { ...opts, stateDir }),
    poweroff: (node) => poweroff(node, o),
    boot: (node) => boot(node, o),
    cut: (node, link) => cut(node, { ...o, link }),
    uncut: (node, link) => uncut(node, { ...o, link }),
    freeze: (node) => freeze(node, o),
    thaw: (node) => thaw(node, o),
    down: (opts: Omit<LabDownOptions, 'stateDir'> = {}) => labDown({ ...opts, stateDir }),
  };
}
