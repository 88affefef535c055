/**
 * The VM lab's network: the namespace lab's bridge-in-a-netns with the host veth (network.ts,
 * with VM_NET), plus one persistent tap per VM on the bridge. qemu attaches to the tap by
 * name; the tap outlives qemu, so a power-off/boot keeps the same "cable".
 */
import { InputError } from '../../core/errors.js';
import { PUBLIC_NETWORK } from '../../inventory/model.js';
import type { Cable } from '../cable.js';
import { BRIDGE } from '../constants.js';
import { BACKPLANE } from '../net.js';
import { must } from '../proc.js';
import type { Journal, Recorded } from '../state.js';
import { VM_NET } from './constants.js';
import type { VmNode } from './state.js';

const ip = (...args: string[]): Promise<string> => must('ip', args);

/**
 * Creates the VM's tap on the bridge, and its backplane tap on br1 when it has one
 * (each recorded first, so `down` removes it after a crash).
 */
export async function addTap(j: Journal<Recorded, { state: string }>, node: VmNode): Promise<void> {
  const taps: Array<[string, string]> = [[node.tap, BRIDGE]];
  if (node.backplane && VM_NET.backplane) taps.push([node.backplane.tap, VM_NET.backplane.bridge]);
  for (const [tap, bridge] of taps) {
    j.link(VM_NET.netns, tap);
    await ip('-n', VM_NET.netns, 'tuntap', 'add', 'dev', tap, 'mode', 'tap');
    await ip('-n', VM_NET.netns, 'link', 'set', tap, 'master', bridge, 'up');
  }
}

/**
 * The VM's cable on a network (default public): its tap on that bridge. A down tap is a
 * disabled bridge port, so nothing passes either way while the guest keeps running and
 * sees its link up.
 * @throws InputError for a network the VM has no NIC on
 */
export function tapOf(node: Pick<VmNode, 'tap' | 'backplane'>, link: string = PUBLIC_NETWORK): Cable {
  if (link === PUBLIC_NETWORK) return { netns: VM_NET.netns, link: node.tap };
  if (link === BACKPLANE && node.backplane) return { netns: VM_NET.netns, link: node.backplane.tap };
  const known = node.backplane ? `${PUBLIC_NETWORK} or ${BACKPLANE}` : `${PUBLIC_NETWORK} (\`lab up --vm --backplane\` adds ${BACKPLANE})`;
  throw new InputError(`no "${link}" network on the VM lab: ${known}`);
}
