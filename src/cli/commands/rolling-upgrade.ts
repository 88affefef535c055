/**
 * `hactl rolling-upgrade`: parse, lock, draw the events of src/operate/rolling-upgrade.ts,
 * print the report (or one JSON document). docs/day-two.md.
 */
import chalk, { chalkStderr } from 'chalk';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/index.js';
import { runRollingUpgrade, type UpgradeReport } from '../../operate/rolling-upgrade.js';
import { interruptible } from '../interrupt.js';
import { addNodeFlags } from '../options.js';
import { printJson } from '../output.js';
import { connectorFor, type NodeOptions, withRunLock } from '../run-common.js';

interface UpgradeCliOptions extends NodeOptions {
  waitLock?: string | boolean;
  packages?: string[];
  all?: boolean;
  reboot?: boolean;
  resume?: boolean;
  dryRun?: boolean;
}

const SEC = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

function versions(v: Record<string, string>): string {
  return (
    Object.entries(v)
      .map(([p, x]) => `${p} ${x}`)
      .join(', ') || '-'
  );
}

function render(r: UpgradeReport): string {
  const head = r.dryRun
    ? chalk.cyan(`plan (dry run, run ${r.run}): ${r.plan.join(' → ') || 'nothing to do'}`)
    : r.ok
      ? chalk.green(`✔ ${r.message}`)
      : chalk.red(`✘ ${r.message}`);
  const lines = [head];
  lines.push('  nodes:');
  for (const n of r.nodes) {
    const changed = Object.keys({ ...n.before, ...n.after }).filter((p) => n.after[p] !== undefined && n.after[p] !== n.before[p]);
    const diff = changed.length
      ? changed.map((p) => `${p} ${n.before[p] ?? '-'} → ${n.after[p]}`).join(', ')
      : r.dryRun
        ? 'nothing would change'
        : `${versions(n.before)}`;
    lines.push(`    ${n.name.padEnd(12)} ${n.status.padEnd(12)} ${diff}${n.ms === undefined ? '' : ` (${SEC(n.ms)})`}`);
  }
  if (!r.dryRun) {
    lines.push('  steps:');
    for (const s of r.steps) {
      const out = s.outagesMs.length ? `, outage ${s.outagesMs.map((m) => SEC(m)).join(' + ')}` : '';
      lines.push(`    ${s.ok ? '✔' : '✘'} ${s.step.padEnd(28)} ${SEC(s.ms).padStart(8)}${out}  ${chalk.dim(s.detail)}`);
    }
    lines.push(
      `  service ${r.target}: downtime ${SEC(r.downtimeMs)} in all ` +
        `(${r.outages.length} outage${r.outages.length === 1 ? '' : 's'}, longest ${SEC(r.longestMs)}; ` +
        `${SEC(r.switchoverDowntimeMs)} during the switchovers); ${r.probes} probes; ${SEC(r.totalMs)} in all`,
    );
  }
  if (r.hint) lines.push(chalk.yellow(`  ${r.hint}`));
  for (const n of r.notes) lines.push(chalk.yellow(`  note: ${n}`));
  return lines.join('\n') + '\n';
}

/**
 * Registers rolling-upgrade.
 * @example register(program); // hactl rolling-upgrade -i inventory.yaml --packages openssl
 */
export function register(program: Command): void {
  addNodeFlags(program.command('rolling-upgrade'), { json: 'print one JSON document (docs/json.md); progress goes to stderr' })
    .description(
      'upgrade packages one node at a time while the service keeps running (arbitrator, passive twin, switchover, other twin, back)',
    )
    .option('--packages <names...>', 'upgrade these packages where they are installed (apt-get install --only-upgrade)')
    .option('--all', 'upgrade every package (apt-get upgrade)')
    .option('--reboot', 'reboot each node after its upgrade instead of restarting its cluster stack')
    .option('--resume', 'go on with the upgrade a killed or stopped run recorded on the nodes')
    .option('--dry-run', 'print the order and the versions that would change; changes nothing but the package lists')
    .option('--wait-lock [seconds]', "if another run holds the cluster's run lock, wait for it (default: refuse at once)")
    .addHelpText(
      'after',
      `
Refuses an unhealthy cluster (the checks of the day-two commands). Then, one node at a time:
the nodes without resources (the arbitrator), the twin not running the service — kept off
the resources (Pacemaker: crm_standby; Heartbeat R1 has no standby: the passive twin holds
nothing), upgraded with the non-interactive apt-get of every hactl task (daemons are not
started by the packages: policy-rc.d), its stack restarted (or the node rebooted with
--reboot), waited for until it rejoined with quorum, taken out of standby and the cluster
healthy again with DRBD UpToDate — then a switchover to it, the other twin the same way, and
the move back to the master (unless vars.failover.move_back: false). Each wait is bounded
by the cluster's timing and op timeouts × vars.failover.timeout_factor. A client-side
prober requests the floating IP throughout: the report gives each node's versions before
and after, each step's duration and the downtime clients saw (the goal: the switchovers' only).

It stops at the first node that does not come back healthy, names it and exits 1. Progress
is recorded on each node (/var/lib/hactl/rolling-upgrade.json) before each change: after a
stop, a Ctrl-C or a kill, --resume goes on where it stopped (a node done is not upgraded
again; a node left in standby or with its stack stopped is brought back first). Ctrl-C
lets the step under way finish its node, then stops.
Exit codes: 0 done · 1 refused or stopped · 2 bad input · 130 interrupted.

Examples:
  $ hactl rolling-upgrade -i inventory.yaml --packages openssl libssl3 --dry-run
  $ hactl rolling-upgrade -i inventory.yaml --all --reboot
  $ hactl rolling-upgrade -i inventory.yaml --resume`,
    )
    .action(async (o: UpgradeCliOptions, cmd: Command) => {
      if (o.all && o.packages) throw new InputError('--packages and --all exclude each other');
      if (!o.resume && !o.all && !o.packages)
        throw new InputError('rolling-upgrade needs --packages P… or --all (or --resume)', {
          hint: 'hactl rolling-upgrade -i INVENTORY --packages openssl',
        });
      const cluster = await loadInventory(o.inventory);
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      const { signal, release } = interruptible(
        'interrupted: the node under way is brought back into service, then the upgrade stops ' +
          '(--resume goes on; Ctrl-C again to quit at once)',
        'interrupted twice: exiting at once; `hactl rolling-upgrade --resume` brings back what was left half-way',
      );
      try {
        const run = (): Promise<UpgradeReport> =>
          runRollingUpgrade(cluster, {
            connector,
            signal,
            packages: o.all ? 'all' : o.packages,
            reboot: o.reboot,
            resume: o.resume,
            dryRun: o.dryRun,
            onEvent: (e) => {
              if (e.type === 'log') process.stderr.write(chalkStderr.dim(`[rolling-upgrade] ${e.message}\n`));
              else if (e.type === 'step') {
                if (e.ok === undefined) process.stderr.write(chalkStderr.bold(`[rolling-upgrade] ${e.step}\n`));
                else
                  process.stderr.write(
                    `[rolling-upgrade] ${e.ok ? chalkStderr.green('✔') : chalkStderr.red('✘')} ${e.step} (${SEC(e.ms)}): ${e.detail}\n`,
                  );
              } else if (!e.health.ok)
                for (const k of e.health.checks.filter((x) => !x.ok))
                  process.stderr.write(chalkStderr.yellow(`  ✘ ${k.check}: ${k.detail}\n`));
            },
          });
        // a dry run changes nothing a run lock guards (only the package lists)
        const report = o.dryRun ? await run() : await withRunLock(cluster, connector, o, run);
        if (o.json) printJson(report);
        else process.stdout.write(render(report));
        if (!report.ok) process.exitCode = 1;
        if (signal.aborted) process.exitCode = 130;
      } finally {
        release();
        await connector.closeAll();
      }
    });
}
