/**
 * One front for both kinds of lab: the CLI's `lab down/status/exec/poweroff/…` work on
 * whichever lab a state dir holds (state.json says `kind: 'vm'` for the VM lab), so every
 * later command needs only the state dir; `--vm` only picks the VM lab's default dir.
 * {@link openLab} picks the implementation ({@link Lab}: `ns/` or `vm/`) once.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Lab, LabDownOptions, LabDownResult, LabExecOptions, LabFault, LabOptions, LabStatus, VmLabStatus } from './lab.js';
import { nsLab } from './ns/ops.js';
import { defaultStateDir } from './ns/paths.js';
import type { RunResult } from './proc.js';
import { readStateFile } from './state.js';
import { vmLab } from './vm/ops.js';
import { defaultVmStateDir } from './vm/paths.js';
import { isVmState } from './vm/state.js';

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

/** The lab a state dir holds (or `vm`/the defaults mean, see {@link whichLab}), as its kind's {@link Lab}. */
export function openLab(opts: AnyLabOptions & { index?: number; force?: boolean } = {}): Lab {
  const { stateDir, vm } = whichLab(opts);
  return vm ? vmLab(stateDir) : nsLab(stateDir);
}

/** `lab down` of either kind. */
export function anyLabDown(opts: AnyLabOptions & Omit<LabDownOptions, 'stateDir'>): Promise<LabDownResult> {
  return openLab(opts).down({ force: opts.force, index: opts.index });
}

/** `lab status` of either kind. */
export function anyLabStatus(opts: AnyLabOptions = {}): Promise<LabStatus | VmLabStatus> {
  return openLab(opts).status();
}

/** `lab exec` of either kind (a VM: over SSH; a namespace node: by entering its namespaces). */
export function anyLabExec(node: string, argv: readonly string[], opts: AnyLabOptions & LabExecOptions = {}): Promise<RunResult> {
  const { stateDir: _, vm: __, ...execOpts } = opts;
  return openLab(opts).exec(node, argv, execOpts);
}

/** One fault primitive on a node or VM of either kind of lab. */
export function anyLabFault(fault: LabFault, node: string, opts: AnyLabOptions & { link?: string } = {}): Promise<void> {
  return labFault(openLab(opts), fault, node, opts.link);
}

/**
 * One fault primitive of a lab.
 * @throws InputError when this kind of lab cannot do it (not in its `faults`)
 */
export function labFault(lab: Lab, fault: LabFault, node: string, link?: string): Promise<void> {
  if (!lab.faults.has(fault))
    return Promise.reject(new InputError(`the ${lab.kind === 'vm' ? 'VM lab' : 'lab'} in ${lab.stateDir} cannot ${fault}`));
  if (fault === 'cut' || fault === 'uncut') return lab[fault](node, link);
  if (link) return Promise.reject(new InputError(`--link is for cut and uncut, not ${fault}`));
  return lab[fault](node);
}
