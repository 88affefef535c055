/**
 * One interface for both kinds of lab (namespace nodes in `ns/`, qemu VMs in `vm/`): what
 * the CLI and failover-test do with a lab, and the faults it can do. A leaf module (types
 * and a constant table), so any lab module may import it.
 *
 * A new lab fault: its line in {@link LAB_FAULTS}, its method on {@link Lab}, and its
 * implementation in `ns/ops.ts` and `vm/ops.ts` (a lab that cannot do it leaves it out of
 * its `faults`); `lab <fault>` and failover-test pick it up from here.
 */
import type { Role, Stack } from '../inventory/model.js';
import type { LabFiles } from './paths.js';
import type { RunResult } from './proc.js';

/** Options shared by the lab operations. */
export interface LabOptions {
  /** default: $HACTL_LAB_DIR or /var/lib/hactl/lab */
  stateDir?: string;
}

export interface LabExecOptions extends LabOptions {
  /** 'inherit' connects the command to this terminal; default 'pipe' (output returned) */
  stdio?: 'pipe' | 'inherit';
  input?: string;
  timeoutMs?: number;
}

export interface LabNodeStatus {
  name: string;
  address: string;
  role: Role;
  /** PID 1 of the node runs */
  running: boolean;
  /** host pid of the node's PID 1 */
  pid?: number;
  /** cable pulled with `lab cut` */
  cut: boolean;
  /** false for nodes added with --add */
  inInventory: boolean;
}

export interface LabStatus {
  stateDir: string;
  /** lab index (net.ts), when there is a lab */
  index?: number;
  network?: string;
  floatingIp?: string;
  /** a lab exists in stateDir and its network is there */
  up: boolean;
  stack?: Stack;
  inventory?: string;
  repo?: { url: string; dir: string; running: boolean };
  nodes: LabNodeStatus[];
}

/** What `lab status` reports for a VM lab: the namespace lab's status plus the accelerator. */
export interface VmLabStatus extends LabStatus {
  kind: 'vm';
  accel?: 'kvm' | 'tcg';
}

/** The fault primitives, each a `hactl lab <name> <node>` command: its help line and what it prints when done. */
export const LAB_FAULTS = {
  poweroff: { description: 'hard power-off: kill the node (a VM: its qemu) at once; its disk is kept', done: 'powered off' },
  boot: { description: 'power a node on again on its kept disk; waits for SSH', done: 'booted' },
  cut: { description: "pull the node's network cable (processes keep running)", done: 'cable cut' },
  uncut: { description: "plug the node's cable back in", done: 'cable plugged in' },
  freeze: {
    description: 'hang the node: SIGSTOP every process in it (a VM: its qemu); it keeps its state and its cable',
    done: 'frozen',
  },
  thaw: { description: 'resume a frozen node where it stopped (SIGCONT)', done: 'thawed' },
} as const;

export type LabFault = keyof typeof LAB_FAULTS;

/** `lab down`'s options beyond the state dir. */
export interface LabDownOptions {
  stateDir?: string;
  /** also remove namespaces (and the host link) of this lab that this state dir does not list (lost state) */
  force?: boolean;
  /**
   * lab index (namespace lab): with a state, only a check (a mismatch is an error); without
   * one (--force), which lab's leftovers to remove. Default $HACTL_LAB_INDEX, else 0.
   */
  index?: number;
}

export interface LabDownResult {
  stateDir: string;
  /** false when there was nothing to remove */
  removed: boolean;
  seconds: number;
}

/** A lab in one state dir, of either kind. Needs root, like the lab. */
export interface Lab {
  readonly kind: 'ns' | 'vm';
  readonly stateDir: string;
  /** the faults this kind of lab can do (failover-test asks before it plans one) */
  readonly faults: ReadonlySet<LabFault>;
  /** the lab's files (state.json, ssh_config, inventory.yaml, …) */
  readonly paths: LabFiles;
  status(): Promise<LabStatus | VmLabStatus>;
  /**
   * Runs argv on a node (default: a login shell). Resolves with the exit code; never throws
   * for a non-zero exit.
   */
  exec(node: string, argv: readonly string[], opts?: Omit<LabExecOptions, 'stateDir'>): Promise<RunResult>;
  /** hard power-off (the disk stays); no-op if off */
  poweroff(node: string): Promise<void>;
  /** powers a node on again on its kept disk; resolves when SSH answers */
  boot(node: string): Promise<void>;
  /** pulls the node's cable (on `link`, a network name; default `public`): it keeps running, its peers lose it there */
  cut(node: string, link?: string): Promise<void>;
  /** plugs the cable back in after {@link cut} */
  uncut(node: string, link?: string): Promise<void>;
  /** hangs the node (every process stopped, nothing lost); no-op if off */
  freeze(node: string): Promise<void>;
  /** resumes a node after {@link freeze}; no-op if off or not frozen */
  thaw(node: string): Promise<void>;
  /** stops every node and removes everything the lab made */
  down(opts?: Omit<LabDownOptions, 'stateDir'>): Promise<LabDownResult>;
}
