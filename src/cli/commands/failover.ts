/**
 * `hactl failover-test`: asks before it breaks anything, restores on Ctrl-C, prints one
 * row per scenario as it finishes (or one JSON document). The work is in src/checks/failover.
 */
import { createInterface } from 'node:readline/promises';
import chalk, { chalkStderr } from 'chalk';
import type { Command } from 'commander';
import {
  failoverSettings,
  faultsFor,
  formatReport,
  formatResult,
  NodeRunner,
  planScenarios,
  preflight,
  reportJson,
  restoreCluster,
  runFailoverTest,
  SCENARIOS,
  type ScenarioPlan,
  type ScenarioResult,
} from '../../checks/failover/index.js';
import { formatHeader } from '../../checks/failover/report.js';
import { InputError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/index.js';
import type { ClusterModel } from '../../inventory/model.js';
import { suggest } from '../../inventory/suggest.js';
import { labFaultsFor } from '../../lab/faults.js';
import { collectReport } from '../../operate/report.js';
import { Connector, sshConnect } from '../../runtime/connector.js';
import { interruptible } from '../interrupt.js';
import { addNodeFlags, connectTimeoutMs } from '../options.js';
import { printJson } from '../output.js';
import { type NodeOptions, withRunLock } from '../run-common.js';

interface FailoverOptions extends NodeOptions {
  restore?: boolean;
  scenario?: string[];
  budget?: string;
  yes?: boolean;
  labDir?: string;
  waitLock?: string | boolean;
  /** --no-report: false */
  report?: boolean;
  link?: string[];
}

const HELP = `
Scenarios (default: every one that applies to the cluster):
${SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`).join('\n')}

Before it starts, the cluster must be healthy (all members online, quorum, resources on
the master, DRBD in sync, no failed actions). Probes go to the floating IP every 100 ms
from this machine; downtime is the first failed probe to the first good one after it.
After each scenario the cluster is restored (nodes powered on, stacks started, fail-counts
cleared, resources moved back) before the next one. Ctrl-C restores, then exits.
A split brain (the VIP on two twins) always fails, with the reason.
Exit code 1 when a scenario fails its budget or the cluster cannot be restored.

Examples:
  $ hactl failover-test -i inventory.yaml                     # asks, then every scenario
  $ hactl failover-test -i inventory.yaml --scenario kill-stack --scenario cut-link
  $ hactl failover-test -i lab/inventory.yaml --yes --json > failover.json
  $ hactl failover-test -i inventory.yaml --budget 15          # one budget for all
  $ hactl failover-test -i inventory.yaml -s cut-link --link backplane   # one of two links: nothing may move
  $ hactl failover-test -i inventory.yaml --restore            # after an interrupted run`;

/**
 * `--link`: the networks cut-link cuts, each one of the cluster's links.
 * @throws InputError naming an unknown one, with a did-you-mean
 */
function parseLinks(c: ClusterModel, given: string[] | undefined): string[] | undefined {
  if (!given) return undefined;
  const names = given
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const known = c.links.map((l) => l.network);
  const bad = names.find((n) => !known.includes(n));
  if (bad) {
    const near = suggest(bad, known);
    throw new InputError(`--link ${bad}: not one of the cluster's links (${known.join(', ')})`, {
      hint: near ? `did you mean ${near}?` : 'cluster.links in the inventory lists them',
    });
  }
  return names;
}

function parseBudget(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`--budget must be a number of seconds > 0, got "${v}"`);
  return Math.round(n * 1000);
}

/** Asks for the cluster's name before faults are injected (not needed with --yes). */
async function confirm(c: ClusterModel, plan: ScenarioPlan, faultsKind: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new InputError('failover-test injects real faults and needs a confirmation: stdin is not a terminal', {
      hint: 'pass --yes to run without asking',
    });
  }
  const lines = [
    chalkStderr.bold(
      `failover-test will break cluster ${c.name} on purpose (${c.nodes.map((n) => n.name).join(', ')}; faults via ${faultsKind}):`,
    ),
    ...plan.run.map((s) => `  - ${s.name}: ${s.summary}`),
    'Each fault is undone and the cluster restored afterwards; clients WILL see outages.',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const ac = new AbortController();
  rl.on('SIGINT', () => ac.abort()); // Ctrl-C at the prompt: nothing was changed yet
  try {
    const answer = await rl.question(`Type the cluster name (${c.name}) to go on: `, { signal: ac.signal }).catch(() => '');
    if (answer.trim() !== c.name) throw new InputError('not confirmed: nothing was changed');
  } finally {
    rl.close();
  }
}

/** `--restore`: the restore steps alone, then the health checks. */
async function restoreOnly(c: ClusterModel, o: Parameters<typeof restoreCluster>[1], json: boolean): Promise<void> {
  o.log(`restoring ${c.name}`);
  const r = await restoreCluster(c, o);
  if (!r.ok) process.exitCode = 1;
  if (json) return printJson({ restored: r.ok, notes: r.notes, checks: r.health.checks });
  for (const k of r.health.checks)
    process.stdout.write(`  ${k.ok ? chalk.green('✔') : chalk.red('✘')} ${k.check.padEnd(26)} ${k.detail}\n`);
  for (const n of r.notes) process.stdout.write(chalk.red(`  ${n}\n`));
  process.stdout.write(r.ok ? chalk.green('restored: the cluster is healthy\n') : chalk.red('NOT restored\n'));
}

const paint = (r: ScenarioResult): string => {
  const text = formatResult(r);
  return r.verdict === 'pass' ? text.replace(/PASS/, chalk.green('PASS')) : r.verdict === 'fail' ? chalk.red(text) : chalk.dim(text);
};

/**
 * Registers `failover-test`.
 * @example register(program); // hactl failover-test -i inventory.yaml --scenario kill-stack
 */
export function register(program: Command): void {
  // the faults and probes concern the whole cluster: no --limit or --forks
  addNodeFlags(program.command('failover-test').description('inject real faults, measure the downtime clients see, restore the cluster'), {
    json: 'print one JSON document with every probe (progress goes to stderr)',
    connectTimeout: { derived: '5 s × the timing factor' },
  })
    .option('-s, --scenario <name...>', 'scenario(s) to run (repeatable or comma separated)')
    .option('--budget <seconds>', 'downtime budget for every scenario (default: derived from the configured timeouts)')
    .option(
      '--link <network>',
      'cut-link cuts only this network of cluster.links (repeatable; default: all); with a link left, nothing may move',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--restore', 'only restore the cluster (power on, plug in, start stacks, clean up, move back), e.g. after an interrupted run')
    .option('--lab-dir <dir>', "use this lab's fault primitives (default: the lab whose state dir holds the inventory)")
    .option('--wait-lock [seconds]', "if another run holds the cluster's run lock, wait for it (default: refuse at once)")
    .option('--no-report', 'do not write an incident report (hactl report) when a scenario fails')
    .addHelpText('after', HELP)
    .action(async (o: FailoverOptions, cmd: Command) => {
      const debug = Boolean(cmd.optsWithGlobals().debug);
      const cluster = await loadInventory(o.inventory);
      const settings = failoverSettings(cluster);
      const budgetMs = parseBudget(o.budget);
      const links = parseLinks(cluster, o.link);
      const onCommand = debug ? (h: string, c: string) => void process.stderr.write(`[${h}] $ ${c.split('\n')[0]}\n`) : undefined;
      const connect = sshConnect({
        acceptNewHostKeys: o.acceptNewHostkeys,
        connectTimeoutMs: connectTimeoutMs(o) ?? 5000 * settings.timeoutFactor,
        onCommand,
      });
      const watchConnect = sshConnect({ acceptNewHostKeys: o.acceptNewHostkeys, connectTimeoutMs: 3000 * settings.timeoutFactor });
      const connector = new Connector(connect);
      const { signal, release } = interruptible(
        'interrupted: restoring the cluster before exiting (Ctrl-C again to quit at once)',
        'interrupted twice: exiting WITHOUT restoring; check the cluster (hactl smoke)',
      );
      try {
        await withRunLock(cluster, connector, o, async () => {
          const runner = new NodeRunner(cluster, connector);
          const faults = faultsFor(cluster, runner, settings, labFaultsFor(cluster, o.labDir));
          const names = (o.scenario ?? [])
            .flatMap((s) => s.split(','))
            .map((s) => s.trim())
            .filter(Boolean);
          const log = (m: string): void => void process.stderr.write(chalkStderr.dim(`[failover] ${m}\n`));
          if (o.restore) return void (await restoreOnly(cluster, { faults, settings, connector, signal, log }, Boolean(o.json)));
          const plan = planScenarios(cluster, names, faults, settings);
          log(`pre-flight: checking that ${cluster.name} is healthy`);
          await preflight(cluster, connector, runner, settings);
          if (!o.yes) await confirm(cluster, plan, faults.kind);
          if (!o.json) process.stdout.write(chalk.bold(formatHeader()) + '\n');
          const report = await runFailoverTest(cluster, {
            plan,
            faults,
            settings,
            connector,
            budgetMs,
            ...(links ? { links } : {}),
            signal,
            log,
            connect: watchConnect,
            onResult: (r) => void (o.json ? undefined : process.stdout.write(paint(r) + '\n')),
            onFailure:
              o.report === false
                ? undefined
                : async (r) => {
                    log(`${r.scenario} failed: collecting a report (hactl report; --no-report skips it)`);
                    return (
                      await collectReport(cluster, { connector, since: '1h', reason: `failover-test: scenario ${r.scenario} failed` })
                    ).path;
                  },
          });
          if (o.json) printJson(reportJson(report) as object);
          else process.stdout.write(formatReport(report).split('\n').slice(-2).join('\n'));
          if (!report.ok) process.exitCode = 1;
          if (signal.aborted) process.exitCode = 130;
        });
      } finally {
        release();
        await connector.closeAll();
      }
    });
}
