/**
 * Lab network, the same for both kinds of lab: bridge br0 in its own netns (10.77.N.1) and a
 * host veth into it (10.77.N.2), so hactl reaches nodes without entering namespaces. N is
 * the lab index (net.ts). Each kind plugs its nodes into the bridge (`ns/network.ts`: a veth
 * per node; `vm/network.ts`: a tap per VM); cable.ts pulls and plugs those cables.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { BRIDGE, HOST_PEER, macFor } from './constants.js';
import { isLabNetns, type LabNet } from './net.js';
import { attempt, must, run } from './proc.js';
import type { Journal, Recorded } from './state.js';

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
export async function createLabNetwork(j: Journal<Recorded, { state: string }>, net: LabNet): Promise<void> {
  const ns = net.netns;
  j.netns(ns);
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  // no STP and no forwarding delay: a (re)plugged node talks at once
  await ip('-n', ns, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
  await ip('-n', ns, 'addr', 'add', `${net.bridgeAddress}/${net.prefix}`, 'brd', '+', 'dev', BRIDGE);
  await ip('-n', ns, 'link', 'set', BRIDGE, 'up');
  j.link(null, net.hostLink);
  await ip('link', 'add', net.hostLink, 'address', macFor(net.hostAddress), 'type', 'veth', 'peer', 'name', HOST_PEER, 'netns', ns);
  await ip('-n', ns, 'link', 'set', HOST_PEER, 'master', BRIDGE, 'up');
  await ip('addr', 'add', `${net.hostAddress}/${net.prefix}`, 'brd', '+', 'dev', net.hostLink);
  await ip('link', 'set', net.hostLink, 'up');
}

/** Adds the lab's second bridge (`lab up --backplane`) in the lab netns: the nodes' eth1 only, no host link. */
export async function createBackplane(net: LabNet): Promise<void> {
  if (!net.backplane) throw new Error(`lab ${net.netns} has no backplane network`);
  const { bridge } = net.backplane;
  await ip('-n', net.netns, 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
  await ip('-n', net.netns, 'link', 'set', bridge, 'up');
}

export async function deleteNetns(name: string): Promise<void> {
  if (name && netnsExists(name)) await attempt('ip', ['netns', 'del', name]);
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

/** Every netns whose name marks it as lab `net`'s (never another index's). */
export async function labNetnsNames(net: LabNet): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => isLabNetns(net, n));
}
