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
