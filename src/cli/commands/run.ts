import type { Command } from 'commander';
import { loadInventory } from '../../inventory/index.js';
import { loadPlaybook } from '../load-playbook.js';
import { addLockOption, addNodeOptions, connectorFor, type NodeOptions, runWithProgress, withRunLock } from '../run-common.js';

/** `hactl run` and `hactl plan`: a playbook applied, or only planned with diffs. */
export function register(program: Command): void {
  addLockOption(
    addNodeOptions(
      program
        .command('run')
        .argument('<playbook>', 'a .ts/.js playbook file, or a built-in name (bootstrap)')
        .description("apply a playbook to the inventory's nodes"),
      { limit: true, forks: true, json: true, quiet: 'no progress; print the summary only when a host failed', playbook: true },
    ),
  )
    .option('--check', 'plan only: report what would change, with diffs, and change nothing')
    .addHelpText(
      'after',
      `
A playbook is TypeScript, loaded at run time (no build step):

  // site.ts
  import { definePlaybook } from 'hactl';
  export default definePlaybook('site', async ({ hosts }) => {
    await hosts.all(async (h) => {
      await h.apt(['chrony']);
      await h.file('/etc/motd', { content: 'managed by hactl\\n', mode: '0644' });
      await h.service('chrony', { state: 'started', enabled: true });
    });
  });

Examples:
  $ hactl run -i inventory.yaml site.ts
  $ hactl run -i inventory.yaml site.ts --limit master --json`,
    )
    .action(async (file: string, o: NodeOptions & { check?: boolean; waitLock?: string | boolean }, cmd: Command) => {
      const { playbook, dir } = await loadPlaybook(file);
      const debug = Boolean(cmd.optsWithGlobals().debug);
      if (o.check) return void (await runWithProgress(playbook, o, { check: true, dir, debug }));
      const cluster = await loadInventory(o.inventory);
      const connector = connectorFor(o, debug);
      try {
        await withRunLock(cluster, connector, o, () => runWithProgress(playbook, o, { check: false, dir, cluster, connector }));
      } finally {
        await connector.closeAll();
      }
    });

  addNodeOptions(
    program
      .command('plan')
      .argument('<playbook>', 'a .ts/.js playbook file, or a built-in name (bootstrap)')
      .description('dry run: show what a playbook would change, with unified diffs; changes nothing'),
  )
    .addHelpText(
      'after',
      `
Reads facts from the nodes (read-only commands only) and prints, per host, the tasks that
would change and the diff of every file. Secrets show as ***.

Examples:
  $ hactl plan -i inventory.yaml bootstrap
  $ hactl plan -i inventory.yaml site.ts --json | jq '.hosts[].changed'`,
    )
    .action(async (file: string, o: NodeOptions, cmd: Command) => {
      const { playbook, dir } = await loadPlaybook(file);
      await runWithProgress(playbook, o, { check: true, dir, debug: cmd.optsWithGlobals().debug });
    });
}
