/** The namespace lab's state.json: its nodes (each a netns, a veth and an overlay root) and how it is read. */
import { dirname } from 'node:path';
import { InputError, NodeError } from '../../core/errors.js';
import type { Stack } from '../../inventory/model.js';
import { type LabNet, labNet } from '../net.js';
import type { ProcRef } from '../proc.js';
import { type Journal, type LabHost, type Recorded, readStateFile } from '../state.js';
import type { LabPaths } from './paths.js';

export interface LabNode extends LabHost {
  netns: string;
  /** the node's veth end on the bridge (in the lab netns) */
  veth: string;
  /** its veth end on the backplane bridge, when the lab has one (`lab up --backplane`); the node's eth1 */
  backplaneVeth?: string;
  /** overlay dirs: upper/ + work/ (the node's disk), root/ (mount point) */
  dir: string;
  /** PID 1 of the node's pid namespace, while powered on */
  init?: ProcRef;
  /** the `unshare` process that forked init */
  launcher?: ProcRef;
  /** false for nodes added with --add (not written to inventory.yaml) */
  inInventory: boolean;
}

export interface LabState extends Recorded {
  version: 1;
  /** lab index (net.ts); absent in state files of hactl before indexes = 0 */
  index?: number;
  stateDir: string;
  createdAt: string;
  stack: Stack;
  rootfs: string;
  repo: string;
  inventory?: string;
  /** the lab has a second network (`lab up --backplane`) */
  backplane?: boolean;
  /** state dir of the lab whose arbitrator is this lab's QNetd (`lab up --qnetd-lab`; the link is in `links`) */
  qnetdLab?: string;
  repoServer?: ProcRef;
  nodes: LabNode[];
}

/** The namespace lab's {@link Journal}. */
export type LabJournal = Journal<LabState, LabPaths>;

/** Reads state.json, or undefined when there is none. A VM lab's state is refused, not misread. */
export function loadState(paths: Pick<LabPaths, 'state'>): LabState | undefined {
  const s = readStateFile(paths.state) as (LabState & { kind?: string }) | undefined;
  if (s?.kind === 'vm') {
    throw new InputError(`${dirname(paths.state)} holds a VM lab, not a namespace lab: use \`hactl lab … --vm\` (or its --state-dir)`);
  }
  return s;
}

/** Reads state.json of a lab that must exist. */
export function requireState(paths: LabPaths): LabState {
  const s = loadState(paths);
  if (!s) throw new NodeError(`no lab in ${paths.stateDir}`, { hint: 'start one with `hactl lab up`' });
  return s;
}

/** Names and addresses of the lab a state describes. */
export function netOf(state: Pick<LabState, 'index'>): LabNet {
  return labNet(state.index ?? 0);
}

export function findNode(state: LabState, name: string): LabNode {
  const n = state.nodes.find((x) => x.name === name);
  if (!n) {
    throw new InputError(`no lab node "${name}" (nodes: ${state.nodes.map((x) => x.name).join(', ')})`);
  }
  return n;
}
