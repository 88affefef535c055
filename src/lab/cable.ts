/**
 * A node's network cable, the same for both kinds of lab: its port on the lab bridge (the
 * namespace lab: the node's veth end; the VM lab: the VM's tap). `lab cut` takes the port
 * down, `lab uncut` brings it up; the node keeps running and sees its own link up.
 */
import { InputError } from '../core/errors.js';
import { isAlive, must, type ProcRef } from './proc.js';
import type { LabHost } from './state.js';

/** A node's port on the lab bridge: a link in the lab's netns. */
export interface Cable {
  netns: string;
  link: string;
}

/** Plugs the cable in (`up`) or pulls it: a down bridge port passes nothing either way. */
export async function setCable(cable: Cable, up: boolean): Promise<void> {
  await must('ip', ['-n', cable.netns, 'link', 'set', cable.link, up ? 'up' : 'down']);
}

/**
 * `lab cut` (`up` false) and `lab uncut` of a running node: sets its cable and records it in
 * the state (`node.cut`), saved by `save`.
 * @param power the node's process (PID 1, or its qemu) and what to say when it is off
 * @throws InputError when the node is powered off
 */
export async function plugCable(
  node: Pick<LabHost, 'cut'>,
  power: { proc: ProcRef | undefined; off: string },
  cable: Cable,
  up: boolean,
  save: () => void,
): Promise<void> {
  if (!isAlive(power.proc)) throw new InputError(power.off);
  await setCable(cable, up);
  node.cut = !up;
  save();
}
