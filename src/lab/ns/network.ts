/**
 * The namespace lab's nodes on the lab network (../network.ts): each node a netns whose eth0
 * is one end of a veth pair; the other end, on the bridge, is the node's "cable".
 */
import type { Cable } from '../cable.js';
import { BRIDGE } from '../constants.js';
import type { LabNet } from '../net.js';
import { deleteNetns, netnsExists } from '../network.js';
import { attempt, must } from '../proc.js';
import type { LabJournal, LabNode } from './state.js';

const ip = (...args: string[]): Promise<string> => must('ip', args);

/** The node's cable: its veth end on the bridge. */
export function cableOf(net: LabNet, node: Pick<LabNode, 'veth'>): Cable {
  return { netns: net.netns, link: node.veth };
}

/** Gives a node its netns and its NIC eth0 (fixed MAC, address with `brd +` for heartbeat bcast). */
export async function plugNode(j: LabJournal, net: LabNet, node: LabNode): Promise<void> {
  await unplugNode(net, node); // leftovers of a crash would make `ip netns add` fail
  j.netns(node.netns);
  await ip('netns', 'add', node.netns);
  j.link(net.netns, node.veth);
  await ip('-n', net.netns, 'link', 'add', node.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'address', node.mac, 'netns', node.netns);
  await ip('-n', net.netns, 'link', 'set', node.veth, 'master', BRIDGE, 'up');
  await ip('-n', node.netns, 'link', 'set', 'lo', 'up');
  await ip('-n', node.netns, 'addr', 'add', `${node.address}/${net.prefix}`, 'brd', '+', 'dev', 'eth0');
  await ip('-n', node.netns, 'link', 'set', 'eth0', 'up');
}

/** Deletes a node's veth pair by its bridge end (the node's "cable"). */
export async function removeCable(net: LabNet, veth: string): Promise<void> {
  if (netnsExists(net.netns)) await attempt('ip', ['-n', net.netns, 'link', 'del', veth]);
}

/**
 * Removes the node's cable first, then its netns: a netns still pinned by a dying process
 * can linger with its address answering, a deleted bridge port cannot.
 */
export async function unplugNode(net: LabNet, node: Pick<LabNode, 'netns' | 'veth'>): Promise<void> {
  await removeCable(net, node.veth);
  await deleteNetns(node.netns);
}
