/**
 * The VM lab's network: the namespace lab's bridge-in-a-netns with the host veth (network.ts,
 * with VM_NET), plus one persistent tap per VM on the bridge. qemu attaches to the tap by
 * name; the tap outlives qemu, so a power-off/boot keeps the same "cable".
 */
import type { Cable } from '../cable.js';
import { BRIDGE } from '../constants.js';
import { must } from '../proc.js';
import type { Journal, Recorded } from '../state.js';
import { VM_NET } from './constants.js';
import type { VmNode } from './state.js';

const ip = (...args: string[]): Promise<string> => must('ip', args);

/** Creates the VM's tap on the bridge (recorded first, so `down` removes it after a crash). */
export async function addTap(j: Journal<Recorded, { state: string }>, node: VmNode): Promise<void> {
  j.link(VM_NET.netns, node.tap);
  await ip('-n', VM_NET.netns, 'tuntap', 'add', 'dev', node.tap, 'mode', 'tap');
  await ip('-n', VM_NET.netns, 'link', 'set', node.tap, 'master', BRIDGE, 'up');
}

/**
 * The VM's cable: its tap on the bridge. A down tap is a disabled bridge port, so nothing
 * passes either way while the guest keeps running and sees its link up.
 */
export function tapOf(node: Pick<VmNode, 'tap'>): Cable {
  return { netns: VM_NET.netns, link: node.tap };
}
