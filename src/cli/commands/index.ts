import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command module, by the command names it registers; each exports
 * `register(program)`. Loaded on demand: `hactl bootstrap` imports the bootstrap module
 * only, not the lab's, failover's or drift's code (CLI start-up is part of every run).
 */
const MODULES: Array<{ names: string[]; load: () => Promise<{ register: Register }> }> = [
  { names: ['inventory'], load: () => import('./inventory.js') },
  { names: ['run', 'plan'], load: () => import('./run.js') },
  { names: ['bootstrap', 'smoke'], load: () => import('./bootstrap.js') },
  { names: ['add-node'], load: () => import('./add-node.js') },
  { names: ['lab'], load: () => import('./lab.js') },
  { names: ['failover-test'], load: () => import('./failover.js') },
  { names: ['drift'], load: () => import('./drift.js') },
  { names: ['history', 'rollback'], load: () => import('./history.js') },
  { names: ['standby', 'unstandby', 'maintenance', 'move', 'clear'], load: () => import('./day2.js') },
  { names: ['rolling-upgrade'], load: () => import('./rolling-upgrade.js') },
  { names: ['remove-node', 'destroy', 'report'], load: () => import('./lifecycle.js') },
  { names: ['completion', 'man'], load: () => import('./completion.js') },
];

/**
 * Registers the command named on the command line, or every command when none is
 * recognised (top-level help, a typo that deserves a suggestion).
 * @example await registerCommands(program, ['bootstrap', '-i', 'inv.yaml'])
 */
export async function registerCommands(program: Command, args: string[] = []): Promise<void> {
  const first = args.find((a) => !a.startsWith('-'));
  // `hactl --version` needs no command at all
  if (first === undefined && (args.includes('--version') || args.includes('-V'))) return;
  const wanted = MODULES.filter((m) => first !== undefined && m.names.includes(first));
  for (const m of wanted.length ? wanted : MODULES) (await m.load()).register(program);
}
