/**
 * One front for both kinds of lab: the CLI's `lab down/status/exec/poweroff/…` work on
 * whichever lab a state dir holds (state.json says `kind: 'vm'` for the VM lab), so every
 * later command needs only the state dir; `--vm` only picks the VM lab's default dir.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { type LabDownOptions, type LabDownResult, labDown } from './down.js';
import { boot, cut, type LabExecOptions, type LabOptions, type LabStatus, labExec, labStatus, poweroff, uncut } from './ops.js';
import { defaultStateDir } from './paths.js';
import type { RunResult } from './proc.js';
import { readStateFile } from './state.js';
import { vmLabDown } from './vm/down.js';
import { type VmLabStatus, vmBoot, vmCut, vmExec, vmLabStatus, vmPoweroff, vmUncut } from './vm/ops.js';
import { defaultVmStateDir, isVmState } from './vm/state.js';

/** Which lab: a state dir, or the default dir of the namespace lab (or, with `vm`, of the VM lab). */
export interface AnyLabOptions extends LabOptions {
  vm?: boolean;
}

/**
 * The state dir meant and whether it holds a VM lab. The kind comes from state.json when
 * there is one; without one, from `vm`. Without a dir, `vm`, an index or `force`, and with no
 * namespace lab in its default dir, a VM lab in its default dir is the one meant.
 * @throws InputError when `vm` is asked for but the dir holds a namespace lab
 */
export function whichLab(opts: AnyLabOptions & { index?: number; force?: boolean } = {}): { stateDir: string; vm: boolean } {
  let stateDir = resolve(opts.stateDir ?? (opts.vm ? defaultVmStateDir() : defaultStateDir()));
  // no dir, no --vm, no namespace lab there, but a VM lab in its default dir: that one
  // (`lab up --vm` then `lab poweroff master` means the VM)
  const implicit = opts.stateDir === undefined && !opts.vm && opts.index === undefined && !opts.force;
  if (implicit && !existsSync(join(stateDir, 'state.json')) && existsSync(join(defaultVmStateDir(), 'state.json')))
    stateDir = defaultVmStateDir();
  const state = readStateFile(join(stateDir, 'state.json'));
  if (state === undefined) return { stateDir, vm: Boolean(opts.vm) };
  if (opts.vm && !isVmState(state)) throw new InputError(`${stateDir} holds a namespace lab, not a VM lab (drop --vm)`);
  return { stateDir, vm: isVmState(state) };
}

/** `lab down` of either kind. */
export function anyLabDown(opts: AnyLabOptions & Omit<LabDownOptions, 'stateDir'>): Promise<LabDownResult> {
  const { stateDir, vm } = whichLab(opts);
  return vm ? vmLabDown({ stateDir, force: opts.force }) : labDown({ ...opts, stateDir });
}

/** `lab status` of either kind. */
export function anyLabStatus(opts: AnyLabOptions = {}): Promise<LabStatus | VmLabStatus> {
  const { stateDir, vm } = whichLab(opts);
  return vm ? vmLabStatus({ stateDir }) : labStatus({ stateDir });
}

/** `lab exec` of either kind (a VM: over SSH; a namespace node: by entering its namespaces). */
export function anyLabExec(node: string, argv: readonly string[], opts: AnyLabOptions & LabExecOptions = {}): Promise<RunResult> {
  const { stateDir, vm } = whichLab(opts);
  return (vm ? vmExec : labExec)(node, argv, { ...opts, stateDir });
}

type Fault = (node: string, opts?: LabOptions) => Promise<void>;
const FAULTS: Record<'poweroff' | 'boot' | 'cut' | 'uncut', [Fault, Fault]> = {
  poweroff: [poweroff, vmPoweroff],
  boot: [boot, vmBoot],
  cut: [cut, vmCut],
  uncut: [uncut, vmUncut],
};

/** One fault primitive on a node or VM of either kind of lab. */
export function anyLabFault(fault: keyof typeof FAULTS, node: string, opts: AnyLabOptions = {}): Promise<void> {
  const { stateDir, vm } = whichLab(opts);
  return FAULTS[fault][vm ? 1 : 0](node, { stateDir });
}
