import type { DebPackages } from '../facts/dpkg.js';
import type { FileFact } from '../facts/file.js';
import type { ServiceFact } from '../facts/service.js';

/**
 * The task contract (after Ansible's module contract): a task reads facts, decides, and
 * says what it would run. Planning is pure — facts in, steps out — so it is unit-tested
 * from data; the runtime executes the steps (or, in check mode, only reports them).
 */
export interface Step {
  command: string;
  stdin?: string | Buffer;
  /** shown instead of the command in logs (e.g. when stdin carries a secret) */
  label?: string;
}

export interface TaskPlan {
  changed: boolean;
  /** why it changes or why it does nothing: "package corosync is installed" */
  reason: string;
  steps: Step[];
  /** unified diff of what changes (masked when the content is secret) */
  diff?: string;
}

/** What a task reports after running (or planning, in check mode). */
export interface TaskResult {
  task: string;
  host: string;
  changed: boolean;
  reason: string;
  diff?: string;
  failed?: boolean;
  error?: string;
  /** true when nothing ran because of check mode */
  checkOnly?: boolean;
  /** handlers an interrupted run left pending on the node that this task took up */
  pending?: string[];
  ms: number;
}

export const noop = (reason: string): TaskPlan => ({ changed: false, reason, steps: [] });

/**
 * What a task reads before it plans, all in one round trip (`HostContext.gather`): files
 * (stat, sha256, content), packages (dpkg), services (with an optional status command),
 * probes, commands whose exit status is the fact (0: true; never cached), and reads,
 * read-only commands whose stdout is the fact (never cached; `HostContext.gatherReads`).
 */
export interface FactRequest {
  files?: string[];
  packages?: string[];
  services?: Array<string | { name: string; status?: string }>;
  probes?: string[];
  reads?: string[];
}

/** The facts a task asked for, as its planner reads them. */
export interface TaskFacts {
  file(path: string): FileFact;
  readonly packages: DebPackages;
  service(name: string, status?: string): ServiceFact;
  /** did the probe command exit 0 */
  probe(command: string): boolean;
}

/** The cached facts a change makes stale: dropped after it ran (`all`: every fact of that kind). */
export interface Invalidation {
  files?: string[] | 'all';
  packages?: string[];
  services?: Array<{ name: string; status?: string }> | 'all';
}

/** What a changed task adds to the run's generation record (`src/runtime/generation.ts`' ChangeEntry). */
export interface ChangeFields {
  file?: string;
  validate?: string;
  secret?: boolean;
  mode?: string;
}

/**
 * A task: everything the runtime needs to run it (`HostContext.run`), so a new task is one
 * module in src/tasks/ and no edit in the runtime. The runtime gathers `facts(o)` in one
 * round trip, calls `plan`, executes the steps (unless in check mode) with the pending-handler
 * and generation records in front, then drops what `invalidates(o)` names.
 * @example await h.run(aptTask, { packages: ['corosync'], noStart: true })
 */
export interface TaskDef<O> {
  /** the task's name in progress output and results, e.g. `apt corosync pacemaker` */
  name(o: O): string;
  facts(o: O): FactRequest;
  /** pure: facts in, steps out; `mark` (the pending and generation records) only for a task that `marksItself` */
  plan(facts: TaskFacts, o: O, mark?: string): TaskPlan;
  invalidates?(o: O): Invalidation;
  /** the plan puts `mark` where it belongs itself (a file: just before the swap), rather than in front of its first step */
  marksItself?: boolean;
  /** generation record fields of a change */
  entry?(o: O): ChangeFields;
  /** a file whose current version the run's generation keeps before the change (`private`: the copy stays 0600) */
  keeps?(facts: TaskFacts, o: O): { path: string; private: boolean } | undefined;
}
