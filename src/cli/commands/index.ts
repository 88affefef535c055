import type { Command } from 'commander';
import { register as registerInventory } from './inventory.js';
import { register as registerRun } from './run.js';
import { register as registerBootstrap } from './bootstrap.js';
import { register as registerAddNode } from './add-node.js';
import { register as registerLab } from './lab.js';
import { register as registerFailover } from './failover.js';
import { register as registerDrift } from './drift.js';

/**
 * Every command registers itself here; one line per command module.
 * Each module exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerInventory(program);
  registerRun(program);
  registerBootstrap(program);
  registerAddNode(program);
  registerLab(program);
  registerFailover(program);
  registerDrift(program);
}
