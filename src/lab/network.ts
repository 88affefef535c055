/**
 * Lab network: bridge br0 in its own netns (10.77.0.1), a host veth into it (10.77.0.2)
 * so hactl reaches nodes without entering namespaces, and one veth per node whose
 * bridge end is the node's "cable".
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import {
  BRIDGE, BRIDGE_ADDRESS, HOST_ADDRESS, HOST_LINK, HOST_PEER, LAB_NETNS, LAB_PREFIX, macFor,
} from './constants.js';
import { attempt, must, run } from './proc.js';
import type { Journal, LabNode } from './state.js';

/** True when a TCP connection to host:port succeeds within timeoutMs. */
export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    const finish = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => finish(true));
    sock.once('timeout', () => finish(false));
    sock.once('error', () => finish(false));
  });
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

const ip = (...args: string[]): Promise<string> => must('ip', args);

/** Creates the lab netns with the bridge and the host's veth into it. */
export async function createLabNetwork(j: Journal): Promise<void> {
  j.netns(LAB_NETNS);
  await ip('netns', 'add', LAB_NETNS);
  await ip('-n', LAB_NETNS, 'link', 'set', 'lo', 'up');
  // no STP and no forwarding delay: a (re)plugged node talks at once
  await ip('-n', LAB_NETNS, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
  await ip('-n', LAB_NETNS, 'addr', 'add', `${BRIDGE_ADDRESS}/${LAB_PREFIX}`, 'brd', '+', 'dev', BRIDGE);
  await ip('-n', LAB_NETNS, 'link', 'set', BRIDGE, 'up');
  j.link(null, HOST_LINK);
  await ip('link', 'add', HOST_LINK, 'address', macFor(HOST_ADDRESS), 'type', 'veth', 'peer', 'name', HOST_PEER, 'netns', LAB_NETNS);
  await ip('-n', LAB_NETNS, 'link', 'set', HOST_PEER, 'master', BRIDGE, 'up');
  await ip('addr', 'add', `${HOST_ADDRESS}/${LAB_PREFIX}`, 'brd', '+', 'dev', HOST_LINK);
  await ip('link', 'set', HOST_LINK, 'up');
}

/** Gives a node its netns and its NIC eth0 (fixed MAC, address with `brd +` for heartbeat bcast). */
export async function plugNode(j: Journal, node: LabNode): Promise<void> {
  await unplugNode(node); // leftovers of a crash would make `ip netns add` fail
  j.netns(node.netns);
  await ip('netns', 'add', node.netns);
  j.link(LAB_NETNS, node.veth);
  await ip('-n', LAB_NETNS, 'link', 'add', node.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'address', node.mac, 'netns', node.netns);
  await ip('-n', LAB_NETNS, 'link', 'set', node.veth, 'master', BRIDGE, 'up');
  await ip('-n', node.netns, 'link', 'set', 'lo', 'up');
  await ip('-n', node.netns, 'addr', 'add', `${node.address}/${LAB_PREFIX}`, 'brd', '+', 'dev', 'eth0');
  await ip('-n', node.netns, 'link', 'set', 'eth0', 'up');
}

/** Deletes a node's veth pair by its bridge end (the node's "cable"). */
export async function removeCable(veth: string): Promise<void> {
  if (netnsExists(LAB_NETNS)) await attempt('ip', ['-n', LAB_NETNS, 'link', 'del', veth]);
}

export async function deleteNetns(name: string): Promise<void> {
  if (name && netnsExists(name)) await attempt('ip', ['netns', 'del', name]);
}

/**
 * Removes the node's cable first, then its netns: a netns still pinned by a dying process
 * can linger with its address answering, a deleted bridge port cannot.
 */
export async function unplugNode(node: Pick<LabNode, 'netns' | 'veth'>): Promise<void> {
  await removeCable(node.veth);
  await deleteNetns(node.netns);
}

/** Pulls (`up` false) or replugs the node's cable on the bridge; processes keep running. */
export async function setCable(node: LabNode, up: boolean): Promise<void> {
  await ip('-n', LAB_NETNS, 'link', 'set', node.veth, up ? 'up' : 'down');
}

/** Whether a link is administratively up; undefined when it (or its netns) does not exist. */
export async function linkUp(netns: string | null, name: string): Promise<boolean | undefined> {
  if (netns && !netnsExists(netns)) return undefined;
  const r = await run('ip', [...(netns ? ['-n', netns] : []), '-o', 'link', 'show', 'dev', name]);
  if (r.code !== 0) return undefined;
  return /[<,]UP[,>]/.test(r.stdout);
}

/** Pids of processes in a netns (`ip netns pids`), e.g. strays of a crashed `lab up`. */
export async function netnsPids(name: string): Promise<number[]> {
  if (!netnsExists(name)) return [];
  const r = await run('ip', ['netns', 'pids', name]);
  return r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Every netns whose name marks it as the lab's. */
export async function labNetnsNames(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n === LAB_NETNS || n.startsWith(`${LAB_NETNS}-`));
}
