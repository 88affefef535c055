/** The public API for user playbooks: `import { definePlaybook } from 'hactl'`. */

export { HactlError, InputError, NodeError } from './core/errors.js';
export { Secret } from './core/secret.js';
export { cmd, quote } from './core/shell.js';
export type * from './inventory/model.js';
export * from './runtime/index.js';
export type { FactRequest, Invalidation, Step, TaskDef, TaskFacts, TaskPlan, TaskResult } from './tasks/types.js';
/** A task of a playbook's own (`h.run(def, options)`): a TaskDef, as src/tasks/ defines the built-in ones. */
export { noop } from './tasks/types.js';
/** The watchdog task (SBD, ha.cf `watchdog`): softdog where none is, refused on a node that shares its kernel. */
export { type WatchdogOptions, watchdogTask } from './tasks/watchdog.js';
