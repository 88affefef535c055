import chalk from 'chalk';
import type { Command } from 'commander';
import type { SmokeReport } from '../../checks/smoke.js';
import { loadInventory } from '../../inventory/index.js';
import { loadPlaybook } from '../load-playbook.js';
import { printJson } from '../output.js';
import {
  addLockOption,
  addNodeOptions,
  connectorFor,
  type NodeOptions,
  prewarm,
  runWithProgress,
  summaryDoc,
  withRunLock,
} from '../run-common.js';

export function printSmoke(r: SmokeReport): void {
  for (const k of r.checks) process.stdout.write(`  ${k.ok ? chalk.green('✔') : chalk.red('✘')} ${k.check.padEnd(24)} ${k.detail}\n`);
  process.stdout.write(
    r.ok ? chalk.green(`smoke checks passed${r.vip ? `: the service answers at ${r.vip}` : ''}\n`) : chalk.red('smoke checks FAILED\n'),
  );
}

/** `hactl bootstrap` and `hactl smoke`. */
export function register(program: Command): void {
  addLockOption(
    addNodeOptions(
      program
        .command('bootstrap')
        .description('build the cluster the inventory describes: packages, validated configs, stack, resources, smoke checks'),
      {
        limit: true,
        forks: true,
        json: true,
        quiet: 'no progress; print the summary and smoke checks only when something failed',
        playbook: true,
      },
    ),
  )
    .option('--check', 'plan only (same as `hactl plan -i FILE bootstrap`)')
    .option('--no-smoke', 'skip the smoke checks at the end')
    .addHelpText(
      'after',
      `
Idempotent: a second run changes nothing and says so. Every config file is validated on
the node by the daemon's own parser (corosync -t, drbdadm dump, crm_verify on a shadow
CIB, virt-xml-validate) before it replaces the old one (kept as FILE.hactl-bak).
A handler a killed run left pending on a node (a reload or restart after a changed file)
runs on the next run. Two runs of one cluster never interleave: the second refuses at
once naming the first (or waits, --wait-lock).

Examples:
  $ hactl bootstrap -i inventory.yaml
  $ hactl bootstrap -i inventory.yaml --check          # what would change, with diffs
  $ hactl bootstrap -i inventory.yaml --json > run.json`,
    )
    .action(async (o: NodeOptions & { check?: boolean; smoke: boolean; waitLock?: string | boolean }, cmd: Command) => {
      const cluster = await loadInventory(o.inventory);
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        // the handshakes overlap loading the playbook's modules
        prewarm(cluster, connector, o);
        const { playbook, dir } = await loadPlaybook('bootstrap');
        // a plan (--check) takes no lock; a run holds it through its smoke checks
        const locked = <T>(fn: () => Promise<T>): Promise<T> => (o.check ? fn() : withRunLock(cluster, connector, o, fn));
        const { summary, report } = await locked(async () => {
          const summary = await runWithProgress(playbook, o, { check: Boolean(o.check), dir, cluster, connector, deferJson: true });
          // loaded when it runs: a --no-smoke run (the bench's no-op, cron) does without its modules
          const smoke = summary.ok && !o.check && o.smoke ? (await import('../../checks/smoke.js')).smoke : undefined;
          return { summary, report: smoke ? await smoke(cluster, connector) : undefined };
        });
        // --json: one document, the run summary with the smoke report in it
        if (o.json) printJson(summaryDoc(report ? { ...summary, smoke: report } : summary));
        else if (report && !(o.quiet && report.ok)) printSmoke(report);
        if (report && !report.ok) process.exitCode = 1;
      } finally {
        await connector.closeAll();
      }
    });

  // smoke checks the whole cluster at once: it offers no --limit or --forks
  addNodeOptions(
    program.command('smoke').description('check a running cluster: members, quorum, resources, failed actions, the VIP answering'),
    {
      json: 'print the checks as JSON on stdout',
      quiet: 'print nothing when every check passes',
    },
  )
    .addHelpText('after', '\nExamples:\n  $ hactl smoke -i inventory.yaml\n  $ hactl smoke -i inventory.yaml --json')
    .action(async (o: NodeOptions, cmd: Command) => {
      const cluster = await loadInventory(o.inventory);
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        const { smoke } = await import('../../checks/smoke.js');
        const report = await smoke(cluster, connector);
        if (o.json) printJson(report);
        else if (!(o.quiet && report.ok)) printSmoke(report);
        if (!report.ok) process.exitCode = 1;
      } finally {
        await connector.closeAll();
      }
    });
}
