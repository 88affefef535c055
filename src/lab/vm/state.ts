/** The VM lab's state.json: its VMs; `kind: 'vm'` tells it from the namespace lab's. */
import { InputError, NodeError } from '../../core/errors.js';
import type { Stack } from '../../inventory/model.js';
import type { ProcRef } from '../proc.js';
import { type LabHost, type Recorded, readStateFile } from '../state.js';
import type { VmPaths } from './paths.js';

export interface VmNode extends LabHost {
  /** the VM's tap on the bridge (its cable) */
  tap: string;
  /** has data disks for DRBD: /dev/vdb (services) and /dev/vdc (a guest) */
  dataDisk: boolean;
  /** its second NIC (eth1) on the backplane bridge (`lab up --vm --backplane`) */
  backplane?: { tap: string; address: string; mac: string };
  /**
   * a twin's serial cable to the other twin (`lab up --vm --serial`): its second UART (ttyS1)
   * is a UDP socket on the lab netns' loopback, `port` its own end, `peer` the other's
   */
  serial?: { port: number; peer: number };
  /** the qemu process, while powered on */
  qemu?: ProcRef;
}

export interface VmLabState extends Recorded {
  version: 1;
  kind: 'vm';
  stateDir: string;
  createdAt: string;
  stack: Stack;
  /** the cached image dir (root.img, vmlinuz, initrd.img, repo/) */
  image: string;
  /** 'kvm' or 'tcg', chosen once at `lab up` */
  accel: 'kvm' | 'tcg';
  memoryMiB: number;
  /** a second network (bridge br1, each VM's eth1): `lab up --vm --backplane` */
  backplane?: boolean;
  /** a serial cable between the twins (ttyS1): `lab up --vm --serial` */
  serial?: boolean;
  inventory?: string;
  repoServer?: ProcRef;
  /** files outside the VM dirs that `down` removes */
  files: string[];
  nodes: VmNode[];
}

/** True when `state` (a parsed state.json) is a VM lab's. */
export function isVmState(state: unknown): state is VmLabState {
  return typeof state === 'object' && state !== null && (state as { kind?: unknown }).kind === 'vm';
}

/** Reads the VM lab's state.json: undefined when there is none, an error when it is a namespace lab's. */
export function loadVmState(paths: VmPaths): VmLabState | undefined {
  const s = readStateFile(paths.state);
  if (s === undefined) return undefined;
  if (!isVmState(s)) throw new InputError(`${paths.stateDir} holds a namespace lab, not a VM lab`);
  return s;
}

/** Reads the state of a VM lab that must exist. */
export function requireVmState(paths: VmPaths): VmLabState {
  const s = loadVmState(paths);
  if (!s) throw new NodeError(`no VM lab in ${paths.stateDir}`, { hint: 'start one with `hactl lab up --vm`' });
  return s;
}

export function findVm(state: VmLabState, name: string): VmNode {
  const n = state.nodes.find((x) => x.name === name);
  if (!n) throw new InputError(`no VM "${name}" (VMs: ${state.nodes.map((x) => x.name).join(', ')})`);
  return n;
}
