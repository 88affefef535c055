/**
 * The namespace lab's nodes on the lab network (../network.ts): each node a netns whose eth0
 * is one end of a veth pair; the other end, on the bridge, is the node's "cable".
 */

import { InputError } from '../../core/errors.js';
import { PUBLIC_NETWORK } from '../../inventory/model.js';
import type { Cable } from '../cable.js';
import { BRIDGE, macFor } from '../constants.js';
import { BACKPLANE, type LabNet } from '../net.js';
import { deleteNetns, netnsExists } from '../network.js';
import { attempt, must } from '../proc.js';
import type { LabJournal, LabNode } from './state.js';

const ip = (...args: string[]): Promise<string> => must('ip', args);

/**
 * The node's cable on a network: its veth end on the bridge (`backplane`: on the second bridge).
 * @throws InputError when the lab has no such network
 */
export function cableOf(net: LabNet, node: Pick<LabNode, 'veth' | 'backplaneVeth'>, link: string = PUBLIC_NETWORK): Cable {
  if (link === PUBLIC_NETWORK) return { netns: net.netns, link: node.veth };
  if (link === BACKPLANE && node.backplaneVeth) return { netns: net.netns, link: node.backplaneVeth };
  const known = node.backplaneVeth ? `${PUBLIC_NETWORK} or ${BACKPLANE}` : `${PUBLIC_NETWORK} (\`lab up --backplane\` adds ${BACKPLANE})`;
  throw new InputError(`the lab has no network "${link}": use ${known}`);
}

/** The backplane address of a node: its public host id on the backplane network. */
export function backplaneAddress(net: LabNet, node: Pick<LabNode, 'address'>): string | undefined {
  return net.backplane?.address(Number(node.address.split('.')[3]));
}

/**
 * The route every lab node has towards the other labs (10.77.0.0/16): through its own lab
 * netns, which forwards nothing unless `lab up --qnetd-lab` joined it to another lab
 * (qnetd-link.ts). Set at each boot, so a powered-on node keeps reaching a shared QNetd.
 */
export const LAB_ROUTE = '10.77.0.0/16';

/** Routes a node's traffic for the other labs through its lab netns (idempotent). */
export async function labRoute(net: LabNet, node: Pick<LabNode, 'netns'>): Promise<void> {
  await ip('-n', node.netns, 'route', 'replace', LAB_ROUTE, 'via', net.bridgeAddress, 'dev', 'eth0');
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
  await labRoute(net, node);
  const bp = net.backplane;
  if (!node.backplaneVeth || !bp) return;
  j.link(net.netns, node.backplaneVeth);
  const mac = macFor(backplaneAddress(net, node) ?? '').replace(/^02:77:/, '02:79:'); // not eth0's MAC
  await ip('-n', net.netns, 'link', 'add', node.backplaneVeth, 'type', 'veth', 'peer', 'name', 'eth1', 'address', mac, 'netns', node.netns);
  await ip('-n', net.netns, 'link', 'set', node.backplaneVeth, 'master', bp.bridge, 'up');
  await ip('-n', node.netns, 'addr', 'add', `${backplaneAddress(net, node)}/${bp.prefix}`, 'brd', '+', 'dev', 'eth1');
  await ip('-n', node.netns, 'link', 'set', 'eth1', 'up');
}

/** Deletes a node's veth pair by its bridge end (the node's "cable"). */
export async function removeCable(net: LabNet, veth: string): Promise<void> {
  if (netnsExists(net.netns)) await attempt('ip', ['-n', net.netns, 'link', 'del', veth]);
}

/**
 * Removes the node's cable first, then its netns: a netns still pinned by a dying process
 * can linger with its address answering, a deleted bridge port cannot.
 */
export async function unplugNode(net: LabNet, node: Pick<LabNode, 'netns' | 'veth' | 'backplaneVeth'>): Promise<void> {
  await removeCable(net, node.veth);
  if (node.backplaneVeth) await removeCable(net, node.backplaneVeth);
  await deleteNetns(node.netns);
}
