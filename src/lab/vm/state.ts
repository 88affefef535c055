/**
 * The VM lab's state dir and state.json. Same artefacts as the namespace lab
 * (inventory.yaml, ssh_config, known_hosts, id_ed25519, state.json) plus one dir per VM
 * with its disks; `kind: 'vm'` tells the two kinds of state apart.
 */
import { join, resolve } from 'node:path';
import { InputError, NodeError } from '../../core/errors.js';
import type { Role, Stack } from '../../inventory/model.js';
import type { ProcRef } from '../proc.js';
import { type Recorded, readStateFile } from '../state.js';

/** Default state dir of the VM lab: $HACTL_VMLAB_DIR, else /var/lib/hactl/vmlab. */
export function defaultVmStateDir(): string {
  return resolve(process.env.HACTL_VMLAB_DIR || '/var/lib/hactl/vmlab');
}

/** Files of one VM: its disks, the identity qemu hands it, its serial console and qemu's own log. */
export interface VmFiles {
  dir: string;
  /** qcow2 overlay over the cached image: the VM's root disk */
  overlay: string;
  /** raw DRBD backing disk (/dev/vdb), twins only */
  data: string;
  /** the second data disk (/dev/vdc): a guest's DRBD resource */
  guestData: string;
  /** files passed through qemu fw_cfg (hostname, host key, address …) */
  identity: string;
  console: string;
  qemuLog: string;
}

/** Every file the VM lab writes into its state dir. */
export interface VmPaths {
  stateDir: string;
  state: string;
  identity: string;
  sshConfig: string;
  knownHosts: string;
  inventory: string;
  repoLog: string;
  /** debs published into this lab (`hactl lab publish`), served beside the image's repo */
  repoExtra: string;
  vmsDir: string;
  vm(name: string): VmFiles;
}

/** Paths of the VM lab whose state dir is `stateDir` (default: {@link defaultVmStateDir}). */
export function vmPaths(stateDir: string = defaultVmStateDir()): VmPaths {
  const dir = resolve(stateDir);
  const vmsDir = join(dir, 'vms');
  return {
    stateDir: dir,
    state: join(dir, 'state.json'),
    identity: join(dir, 'id_ed25519'),
    sshConfig: join(dir, 'ssh_config'),
    knownHosts: join(dir, 'known_hosts'),
    inventory: join(dir, 'inventory.yaml'),
    repoLog: join(dir, 'repo-server.log'),
    repoExtra: join(dir, 'repo-extra'),
    vmsDir,
    vm(name: string): VmFiles {
      const d = join(vmsDir, name);
      return {
        dir: d,
        overlay: join(d, 'root.qcow2'),
        data: join(d, 'data.img'),
        guestData: join(d, 'guest.img'),
        identity: join(d, 'identity'),
        console: join(d, 'console.log'),
        qemuLog: join(d, 'qemu.log'),
      };
    },
  };
}

export interface VmNode {
  name: string;
  address: string;
  mac: string;
  role: Role;
  /** the VM's tap on the bridge (its cable) */
  tap: string;
  /** has data disks for DRBD: /dev/vdb (services) and /dev/vdc (a guest) */
  dataDisk: boolean;
  /** the qemu process, while powered on */
  qemu?: ProcRef;
  /** true after `lab cut` */
  cut: boolean;
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
