import type { Command } from 'commander';
import { register as registerRun } from './run.js';

/**
 * Every command registers itself here; one line per command module.
 * Each module exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerRun(program);
}
