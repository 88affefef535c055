/**
 * state.json, what both kinds of lab record in it: every id the lab made. Ids are recorded
 * BEFORE the thing is created (and processes right after they start), so `lab down` can
 * undo a crashed or half-finished `lab up`: removing something that was never made is a
 * harmless no-op. Each kind's state adds its nodes (`ns/state.ts`, `vm/state.ts`).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { NodeError } from '../core/errors.js';
import type { Role } from '../inventory/model.js';
import type { LabFiles } from './paths.js';
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

/** What a node of either kind of lab has: a name, an address and a role, a MAC, and a cable that can be pulled. */
export interface LabHost {
  name: string;
  address: string;
  mac: string;
  role: Role;
  /** true after `lab cut` (cable pulled) */
  cut: boolean;
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
export function saveState(paths: Pick<LabFiles, 'state'>, state: object): void {
  const tmp = `${paths.state}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, paths.state);
}

/**
 * Records ids into the state and saves at once, before the thing is made (processes: right
 * after they start), so an interrupted `lab up` still leaves a complete list for `lab down`.
 */
export class Journal<S extends Recorded = Recorded, P extends Pick<LabFiles, 'state'> = Pick<LabFiles, 'state'>> {
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
