import type { TaskResult } from '../tasks/types.js';

/**
 * What the runtime tells the outside world. Only src/cli turns these into listr2 progress
 * and colours; tests collect them as data.
 */
export type RunEvent =
  | { type: 'play:start'; playbook: string; hosts: string[]; check: boolean }
  | { type: 'phase:start'; name: string; hosts: string[] }
  | { type: 'phase:end'; name: string }
  | { type: 'task:start'; host: string; task: string }
  | { type: 'task:end'; result: TaskResult }
  | { type: 'host:failed'; host: string; error: string }
  | { type: 'log'; host?: string; level: 'info' | 'warn'; message: string }
  | { type: 'play:end'; summary: RunSummary };

export type EventSink = (event: RunEvent) => void;

export interface HostSummary {
  host: string;
  ok: number;
  changed: number;
  failed: boolean;
  error?: string;
  /** the failure's advice for the user, when it has one */
  hint?: string;
  tasks: TaskResult[];
}

export interface RunSummary {
  /** the run's id: names the generation it kept on each node it changed (`hactl history`) */
  runId?: string;
  playbook: string;
  check: boolean;
  ok: boolean;
  changed: number;
  ms: number;
  hosts: HostSummary[];
  warnings: string[];
}
