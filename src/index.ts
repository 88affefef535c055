/** The public API for user playbooks: `import { definePlaybook } from 'hactl'`. */

export { HactlError, InputError, NodeError } from './core/errors.js';
export { Secret } from './core/secret.js';
export { cmd, quote } from './core/shell.js';
export type * from './inventory/model.js';
export * from './runtime/index.js';
