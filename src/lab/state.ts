/**
 * state.json: every id the lab made. Ids are recorded BEFORE the thing is created (and
 * processes right after they start), so `lab down` can undo a crashed or half-finished
 * `lab up`: removing something that was never made is a harmless no-op.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, NodeError } from '../core/errors.js';
import type { Role, Stack } from '../inventory/model.js';
import { type LabNet, labNet } from './net.js';
import type { LabPaths } from './paths.js';
import type { ProcRef } from './proc.js';

export interface LabLink {
  /** netns the link lives in; null = the host's netns */
  netns: string | null;
  name: string;
}

export interface LabProcess extends ProcRef {
  /** e.g. "repo-server", "node master", "node master launcher" */
  what: string;
}

export interface LabNode {
  name: string;
  address: string;
  mac: string;
  role: Role;
  netns: string;
  /** the node's veth end on the bridge (in the lab netns) */
  veth: string;
  /** overlay dirs: upper/ + work/ (the node's disk), root/ (mount point) */
  dir: string;
  /** PID 1 of the node's pid namespace, while powered on */
  init?: ProcRef;
  /** the `unshare` process that forked init */
  launcher?: ProcRef;
  /** true after `lab cut` (cable pulled) */
  cut: boolean;
  /** false for nodes added with --add (not written to inventory.yaml) */
  inInventory: boolean;
}

/** The id lists every kind of lab state has (namespace lab, VM lab): what a {@link Journal} records. */
export interface Recorded {
  /** every netns created, in order */
  netns: string[];
  /** every network link created */
  links: LabLink[];
  /** every process started (append-only: a boot adds, nothing is removed) */
  processes: LabProcess[];
  /** mount points (each node's overlay root; the mounts live in the node's mount ns) */
  mounts: string[];
  /** dirs the lab created and `down` deletes */
  dirs: string[];
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
  repoServer?: ProcRef;
  nodes: LabNode[];
}

/** Reads state.json, or undefined when there is none. A VM lab's state is refused, not misread. */
export function loadState(paths: Pick<LabPaths, 'state'>): LabState | undefined {
  const s = readStateFile(paths.state) as (LabState & { kind?: string }) | undefined;
  if (s?.kind === 'vm') {
    throw new InputError(`${dirname(paths.state)} holds a VM lab, not a namespace lab: use \`hactl lab … --vm\` (or its --state-dir)`);
  }
  return s;
}

/** Parses a state.json of either kind of lab (undefined when the file does not exist). */
export function readStateFile(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new NodeError(`cannot read ${file}: ${(err as Error).message}`, {
      hint: 'fix or delete the file; `hactl lab down --force` removes a lab without it',
    });
  }
}

/** Writes state.json atomically (a crash never leaves half a file). */
export function saveState(paths: Pick<LabPaths, 'state'>, state: object): void {
  const tmp = `${paths.state}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, paths.state);
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

/**
 * Records ids into the state and saves at once, before the thing is made (processes: right
 * after they start), so an interrupted `lab up` still leaves a complete list for `lab down`.
 */
export class Journal<S extends Recorded = LabState, P extends Pick<LabPaths, 'state'> = LabPaths> {
  constructor(
    readonly paths: P,
    readonly state: S,
  ) {}

  save(): void {
    saveState(this.paths, this.state);
  }

  netns(name: string): void {
    if (!this.state.netns.includes(name)) this.state.netns.push(name);
    this.save();
  }

  link(netns: string | null, name: string): void {
    if (!this.state.links.some((l) => l.netns === netns && l.name === name)) this.state.links.push({ netns, name });
    this.save();
  }

  mount(point: string): void {
    if (!this.state.mounts.includes(point)) this.state.mounts.push(point);
    this.save();
  }

  dir(path: string): void {
    if (!this.state.dirs.includes(path)) this.state.dirs.push(path);
    this.save();
  }

  process(what: string, ref: ProcRef): void {
    this.state.processes.push({ what, ...ref });
    this.save();
  }
}
