/** Working with a running VM lab: status, exec (over SSH), and the fault primitives; {@link vmLab} is its {@link Lab}. */
import { InputError, NodeError } from '../../core/errors.js';
import { cmd } from '../../core/shell.js';
import { PUBLIC_NETWORK } from '../../inventory/model.js';
import { plugCable, setCable } from '../cable.js';
import type { Lab, LabExecOptions, LabNodeStatus, LabOptions, VmLabStatus } from '../lab.js';
import { netnsExists } from '../network.js';
import { requireRoot } from '../preflight.js';
import { isAlive, type RunResult, run } from '../proc.js';
import { Journal } from '../state.js';
import { nodeStatus } from '../status.js';
import { VM_BOOT_TIMEOUT_MS, VM_NET } from './constants.js';
import { vmLabDown } from './down.js';
import { imageFiles } from './image.js';
import { tapOf } from './network.js';
import { type VmPaths, vmPaths } from './paths.js';
import { startVm, stopVm, waitVmSsh } from './qemu.js';
import { findVm, loadVmState, requireVmState, type VmLabState, type VmNode } from './state.js';

export type { VmLabStatus } from '../lab.js';

/** Reports the VM lab in the state dir: which VMs run, which are cut. Needs root. */
export async function vmLabStatus(opts: LabOptions = {}): Promise<VmLabStatus> {
  requireRoot();
  const paths = vmPaths(opts.stateDir);
  const s = loadVmState(paths);
  if (!s) return { kind: 'vm', stateDir: paths.stateDir, up: false, nodes: [] };
  const nodes: LabNodeStatus[] = [];
  for (const n of s.nodes) nodes.push(await nodeStatus(n, n.qemu, tapOf(n), true));
  return {
    kind: 'vm',
    stateDir: paths.stateDir,
    up: netnsExists(VM_NET.netns),
    stack: s.stack,
    inventory: s.inventory,
    network: VM_NET.network,
    floatingIp: VM_NET.floatingIp,
    accel: s.accel,
    repo: { url: VM_NET.repoUrl, dir: imageFiles(s.image).repo, running: isAlive(s.repoServer) },
    nodes,
  };
}

function labVm(name: string, opts: LabOptions): { node: VmNode; j: Journal<VmLabState, VmPaths> } {
  requireRoot();
  const paths = vmPaths(opts.stateDir);
  const state = requireVmState(paths);
  return { node: findVm(state, name), j: new Journal(paths, state) };
}

/**
 * Runs argv on a VM over SSH (a VM has no namespaces to enter); default argv: a login
 * shell. Resolves with the exit code; never throws for a non-zero exit.
 */
export async function vmExec(name: string, argv: readonly string[], opts: LabExecOptions = {}): Promise<RunResult> {
  const { node, j } = labVm(name, opts);
  if (!isAlive(node.qemu)) throw new NodeError(`VM ${name} is powered off`, { hint: `hactl lab boot ${name} --vm` });
  const tty = opts.stdio === 'inherit' && process.stdin.isTTY ? '-t' : '-T';
  const args = ['-F', j.paths.sshConfig, '-o', 'BatchMode=yes', tty, name, ...(argv.length ? ['--', cmd(...argv)] : [])];
  return run('ssh', args, { stdio: opts.stdio, input: opts.input, timeoutMs: opts.timeoutMs });
}

/** Hard power-off: SIGKILL of the VM's qemu (no shutdown, like pulling the plug). Disks stay. No-op if off. */
export async function vmPoweroff(name: string, opts: LabOptions = {}): Promise<void> {
  const { node, j } = labVm(name, opts);
  await stopVm(node);
  j.save();
}

/** Powers a VM on again on its kept overlay and data disk; resolves when SSH answers. */
export async function vmBoot(name: string, opts: LabOptions = {}): Promise<void> {
  const { node, j } = labVm(name, opts);
  if (isAlive(node.qemu)) return;
  if (!netnsExists(VM_NET.netns)) throw new NodeError('the VM lab network is gone', { hint: 'run `hactl lab up --vm --recreate`' });
  await startVm(j, imageFiles(j.state.image), node);
  await waitVmSsh(j.paths.vm(name), node, VM_BOOT_TIMEOUT_MS);
}

async function cable(name: string, up: boolean, opts: LabOptions & { link?: string }): Promise<void> {
  const { node, j } = labVm(name, opts);
  const power = { proc: node.qemu, off: `VM ${name} is powered off` };
  const c = tapOf(node, opts.link);
  // `cut` in the state (and `lab status`) is the public cable; the backplane's is only its tap
  if ((opts.link ?? PUBLIC_NETWORK) === PUBLIC_NETWORK) await plugCable(node, power, c, up, () => j.save());
  else if (!isAlive(node.qemu)) throw new InputError(power.off);
  else await setCable(c, up);
}

/** Pulls the VM's network cable (`link`: which network's, default public; its tap goes down): it keeps running, its peers lose it. */
export function vmCut(name: string, opts: LabOptions & { link?: string } = {}): Promise<void> {
  return cable(name, false, opts);
}

/** Plugs the VM's cable back in after {@link vmCut}. */
export function vmUncut(name: string, opts: LabOptions & { link?: string } = {}): Promise<void> {
  return cable(name, true, opts);
}

/**
 * Pauses a VM: SIGSTOP of its qemu (vCPUs, devices and its network backend stop together;
 * the tap stays up, so peers see a hung host, not a pulled cable). No-op if off.
 */
export async function vmFreeze(name: string, opts: LabOptions = {}): Promise<void> {
  signalVm(labVm(name, opts).node, 'SIGSTOP');
}

/** Resumes a VM after {@link vmFreeze} (SIGCONT of its qemu). No-op if off. */
export async function vmThaw(name: string, opts: LabOptions = {}): Promise<void> {
  signalVm(labVm(name, opts).node, 'SIGCONT');
}

function signalVm(node: VmNode, signal: 'SIGSTOP' | 'SIGCONT'): void {
  if (!node.qemu || !isAlive(node.qemu)) return;
  process.kill(node.qemu.pid, signal);
}

/** The VM lab in `stateDir` as a {@link Lab}. */
export function vmLab(stateDir: string): Lab {
  const o = { stateDir };
  return {
    kind: 'vm',
    stateDir,
    faults: new Set(['poweroff', 'boot', 'cut', 'uncut', 'freeze', 'thaw']),
    paths: vmPaths(stateDir),
    status: () => vmLabStatus(o),
    exec: (node, argv, opts = {}) => vmExec(node, argv, { ...opts, stateDir }),
    poweroff: (node) => vmPoweroff(node, o),
    boot: (node) => vmBoot(node, o),
    cut: (node, link) => vmCut(node, { ...o, link }),
    uncut: (node, link) => vmUncut(node, { ...o, link }),
    freeze: (node) => vmFreeze(node, o),
    thaw: (node) => vmThaw(node, o),
    // one VM lab per machine: no index to check or pick
    down: (opts = {}) => vmLabDown({ stateDir, force: opts.force }),
  };
}
