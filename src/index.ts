/** The public API for user playbooks: `import { definePlaybook } from 'hactl'`. */
export * from './runtime/index.js';
export { Secret } from './core/secret.js';
export { quote, cmd } from './core/shell.js';
export { InputError, NodeError, HactlError } from './core/errors.js';
export type * from './inventory/model.js';
