/**
 * `hactl drift`: read-only drift checks for cron and monitoring. The work is in
 * src/checks/drift; this file parses arguments, prints, asks before --fix and sets the
 * exit code: 0 no drift, 2 drift found, 1 could not check.
 */
import { userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import type { Command } from 'commander';
import { checkDrift, type DriftOptions } from '../../checks/drift/check.js';
import { CRON_DIR, cronEntry, cronFileName, installCron } from '../../checks/drift/cron.js';
import { checkFleet, fleetExitCode, fleetJson, fleetLine, fleetPrometheusText, loadFleet } from '../../checks/drift/fleet.js';
import { type DriftItem, type DriftReport, uncheckedReport } from '../../checks/drift/items.js';
import { formatText } from '../../checks/drift/report.js';
import { driftUnits, installUnits, UNIT_DIR, unitName } from '../../checks/drift/timer.js';
import { checkCronSchedule } from '../../core/cron.js';
import { HactlError, InputError, NodeError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/index.js';
import type { ClusterModel } from '../../inventory/model.js';
import { Connector, sshConnect } from '../../runtime/connector.js';
import type { RunSummary } from '../../runtime/events.js';
import { loadPlaybook } from '../load-playbook.js';
import { addNodeFlags, connectTimeoutMs } from '../options.js';
import { type JsonError, printError, printJson, printJsonError } from '../output.js';
import { colourDiff } from '../progress.js';
import { runWithProgress, summaryDoc, withRunLock } from '../run-common.js';
import { collectInventory, expandInventories } from './drift-fleet.js';
import { clusterLabel, writeTextfile } from './drift-textfile.js';

interface DriftOpts {
  inventory: string;
  json?: boolean;
  quiet?: boolean;
  prometheus?: string;
  budget?: string;
  forks: string;
  connectTimeout: string;
  acceptNewHostkeys?: boolean;
  fix?: boolean;
  yes?: boolean;
  installCron?: boolean;
  installTimer?: boolean;
  every: string;
  print?: boolean;
  cronDir: string;
  unitDir: string;
  playbook?: string;
  waitLock?: string | boolean;
}

const EXAMPLES = `
Checks, changing nothing on any node: every file hactl manages (content with a diff,
mode, owner), packages (missing, versions differing between nodes), services, the
cluster (members, quorum, where resources run, fail counts, leftover crm_resource
--move/--ban constraints, the CIB against what hactl applies, DRBD, Heartbeat peers)
and timeouts that contradict each other or the failover budget (vars.failover_budget).

Exit codes: 0 no drift · 2 drift found · 1 could not check (an unreachable node, an
auth failure, a missing secret, an invalid inventory — each one named).

Examples:
  $ hactl drift -i inventory.yaml
  $ hactl drift -i inventory.yaml --quiet                       # silent when clean (cron)
  $ hactl drift -i /etc/hactl/fleet -i lab.yaml                 # several clusters: a section each, worst exit code
  $ hactl drift -i inventory.yaml --json | jq '.items[] | select(.kind == "files")'
  $ hactl drift -i inventory.yaml --prometheus /var/lib/prometheus/node-exporter/hactl_drift.prom
  $ hactl drift -i inventory.yaml --fix                         # converge with bootstrap, asks first
  $ sudo hactl drift -i /etc/hactl/web.yaml --install-cron --every 10m
  $ hactl drift -i inventory.yaml --install-cron --print        # show the cron line only
  $ hactl drift -i fleet.yaml --playbook site.ts                # your own playbook's files, packages, services

With --playbook, the desired state is that playbook's (run in check mode) and the cluster
checks and timing rules are left out: drift for any fleet, cluster or not.`;

/** `hactl drift`. */
export function register(program: Command): void {
  // drift compares the nodes with each other and the cluster as a whole: no --limit
  fleetInventory(
    addNodeFlags(
      program
        .command('drift')
        .description('read-only drift checks (files, packages, services, cluster state, timing) for cron and monitoring'),
      {
        forks: 'hosts checked in parallel',
        json: 'print the report as JSON on stdout',
        quiet: 'print nothing when there is no drift (cron mails only on trouble)',
        connectTimeout: '10',
        // a bad value still writes the --prometheus textfile (check_ok 0): checked in the action
        checkEarly: false,
      },
    ),
  )
    .option('--prometheus <file>', 'also write a node-exporter textfile (drift items per kind, last check time)')
    .option('--budget <seconds>', 'failover budget for the timing rules (default: vars.failover_budget, else 30)')
    .option('--fix', 'after the check, converge with `hactl bootstrap` (asks first)')
    .option('-y, --yes', 'with --fix: do not ask')
    .option('--wait-lock [seconds]', "with --fix: if another run holds the cluster's run lock, wait for it (the check itself takes none)")
    .option('--install-cron', 'write a cron entry that runs this check (/etc/cron.d on this host)')
    .option('--install-timer', 'write a systemd timer + service that run this check instead (/etc/systemd/system on this host)')
    .option(
      '--every <interval>',
      'with --install-cron/--install-timer: 5m, 10m, 1h … or a five-field cron schedule (checked: fields and ranges)',
      '10m',
    )
    .option('--print', 'with --install-cron/--install-timer: print the cron entry (the units) instead of writing it')
    .option('--cron-dir <dir>', 'with --install-cron: where to write it', CRON_DIR)
    .option('--unit-dir <dir>', 'with --install-timer: where to write the units', UNIT_DIR)
    .option('--playbook <file>', "check this TypeScript playbook's desired state instead of bootstrap's (no cluster checks)")
    .addHelpText('after', EXAMPLES)
    .action(async (opts: Omit<DriftOpts, 'inventory'> & { inventory: string[] | string }, cmd: Command) => {
      const debug = Boolean(cmd.optsWithGlobals().debug);
      if (opts.installCron && opts.installTimer)
        throw new InputError('--install-cron and --install-timer: choose one', { hint: 'a cron entry or a systemd timer, not both' });
      const given = typeof opts.inventory === 'string' ? [opts.inventory] : opts.inventory;
      const inventories = expandInventories(given);
      // a fleet's schedule keeps the -i as given: a directory picks up the inventories added later
      if (opts.installCron || opts.installTimer) return cronAction({ ...opts, inventory: '' }, given, inventories);
      if (inventories.length > 1) return fleetAction(inventories, { ...opts, inventory: '' }, debug);
      const o: DriftOpts = { ...opts, inventory: inventories[0]! };
      // the textfile is written on every outcome: the last report, or "could not check"
      const startedAt = new Date();
      let cluster: ClusterModel | undefined;
      let report: DriftReport | undefined;
      let failure: unknown;
      try {
        cluster = await loadInventory(o.inventory);
        await driftAction(cluster, o, debug, (r) => void (report = r));
      } catch (err) {
        failure = err;
        // drift reserves exit 2 for "drift found": an unreadable inventory is "could not check"
        if (cluster || !(err instanceof HactlError)) throw err;
        if (o.json) printJsonError(err);
        printError(err);
        process.exitCode = 1;
      } finally {
        if (o.prometheus) {
          const label = clusterLabel(o.inventory, o.prometheus);
          const r = report ?? uncheckedReport({ inventory: o.inventory, cluster, label, error: failure, startedAt });
          writeTextfile(o.prometheus, r, failure !== undefined);
        }
      }
    });
}

/** drift's -i repeats (and takes directories): fleet drift, issue #23. */
function fleetInventory(cmd: Command): Command {
  const opt = cmd.options.find((x) => x.long === '--inventory');
  opt?.argParser(collectInventory);
  if (opt) opt.description = 'inventory YAML file, or a directory of them; repeat for several clusters (fleet drift)';
  return cmd;
}

/**
 * Several inventories: src/checks/drift/fleet.ts checks them under one --forks bound; this
 * draws each cluster's section as it is judged (in inventory order), then the fleet line,
 * the one JSON document or the one textfile.
 */
async function fleetAction(inventories: string[], o: DriftOpts, debug: boolean): Promise<void> {
  if (o.fix) throw new InputError('--fix takes one inventory', { hint: 'fix one cluster at a time: hactl drift -i FILE --fix' });
  const forks = Math.floor(positive(o.forks, '--forks'));
  const budget = o.budget === undefined ? undefined : positive(o.budget, '--budget');
  const { playbook, dir } = await loadPlaybook(o.playbook ?? 'bootstrap');
  const connect = sshConnect({
    connectTimeoutMs: connectTimeoutMs(o),
    acceptNewHostKeys: o.acceptNewHostkeys,
    onCommand: debug ? (h, c) => process.stderr.write(`[${h}] $ ${c.split('\n')[0]}\n`) : undefined,
  });
  const paint = { paintDiff: chalk.level > 0 ? colourDiff : undefined };
  const reports = await checkFleet(await loadFleet(inventories), {
    playbook,
    templateDir: dir,
    connect,
    forks,
    budget,
    cluster: o.playbook === undefined,
    // a bug in one cluster's check is that cluster's "could not check", not the end of the fleet
    onError: (err, inventory) => {
      if (debug && !(err instanceof HactlError)) process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
      printError(err instanceof HactlError ? err : new NodeError(String((err as Error)?.message ?? err), { location: inventory }));
    },
    onReport: (r) => {
      if (!o.json && !(o.quiet && r.exitCode === 0)) process.stdout.write(formatText(r, paint));
    },
  });
  const exitCode = fleetExitCode(reports);
  if (o.json) {
    printJson(fleetJson(reports));
    for (const r of reports)
      for (const e of r.errors) printError(new NodeError(`could not check ${r.cluster}: ${e.message}`, { host: e.host, hint: e.hint }));
  } else if (!(o.quiet && exitCode === 0)) process.stdout.write(fleetLine(reports));
  process.exitCode = exitCode;
  if (o.prometheus) writeTextfile(o.prometheus, fleetPrometheusText(reports), false);
}

const positive = (v: string, what: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${what} must be a positive number, got "${v}"`);
  return n;
};

async function driftAction(cluster: ClusterModel, o: DriftOpts, debug: boolean, onReport: (r: DriftReport) => void): Promise<void> {
  const { playbook, dir } = await loadPlaybook(o.playbook ?? 'bootstrap');
  const connector = new Connector(
    sshConnect({
      connectTimeoutMs: connectTimeoutMs(o),
      acceptNewHostKeys: o.acceptNewHostkeys,
      onCommand: debug ? (h, c) => process.stderr.write(`[${h}] $ ${c.split('\n')[0]}\n`) : undefined,
    }),
  );
  const opts: DriftOptions = {
    playbook,
    templateDir: dir,
    connector,
    forks: Math.floor(positive(o.forks, '--forks')),
    budget: o.budget === undefined ? undefined : positive(o.budget, '--budget'),
    cluster: o.playbook === undefined,
  };
  try {
    const before = await checkDrift(cluster, opts);
    onReport(before);
    const fixing = Boolean(o.fix) && before.exitCode === 2;
    if (!(fixing && o.json)) show(before, o);
    if (o.fix && before.exitCode === 1) process.stderr.write('--fix: not fixing while some nodes could not be checked\n');
    let final = before;
    let fixFailed = false;
    if (fixing) {
      const after = await fix(cluster, before, opts, o);
      if (o.json) {
        const error = after && !after.summary.ok ? summaryDoc(after.summary).error : driftError(after?.report ?? before);
        printJson({ before, fix: after?.summary, after: after?.report, ...(error ? { error } : {}) });
      }
      final = after?.report ?? before;
      onReport(final);
      fixFailed = after?.summary.ok === false;
    }
    process.exitCode = fixFailed ? 1 : final.exitCode;
    // the caller writes the textfile last, so one that cannot be written (exit 1) never hides the report
  } finally {
    await connector.closeAll();
  }
}

function show(r: DriftReport, o: DriftOpts): void {
  if (o.json) {
    const error = driftError(r);
    printJson(error ? { ...r, error } : r);
    // stdout may go to a file: the nodes that could not be checked are named on stderr too
    for (const e of r.errors) printError(new NodeError(`could not check: ${e.message}`, { host: e.host, hint: e.hint }));
    return;
  }
  if (o.quiet && r.exitCode === 0) return;
  process.stdout.write(formatText(r, { paintDiff: chalk.level > 0 ? colourDiff : undefined }));
}

/**
 * The `error` of a drift document that could not check everything (exit 1): the one
 * problem, or how many with the hosts they concern; each is in `errors` too.
 */
export function driftError(r: DriftReport): JsonError | undefined {
  const [first, ...more] = r.errors;
  if (!first) return undefined;
  if (!more.length)
    return {
      message: `could not check: ${first.message}`,
      kind: 'node',
      ...(first.host ? { host: first.host } : {}),
      ...(first.hint ? { hint: first.hint } : {}),
    };
  const hosts = [...new Set(r.errors.map((e) => e.host ?? 'the cluster'))];
  return { message: `could not check: ${r.errors.length} problems (${hosts.join(', ')}), each in errors`, kind: 'node' };
}

/** Drift bootstrap converges (files, packages, services, the CIB) versus what needs a person. */
export function fixable(i: DriftItem): boolean {
  if (i.kind === 'files' || i.kind === 'services') return true;
  if (i.kind === 'packages') return !i.message.startsWith('versions differ');
  // leftover cli-* constraints are not hactl's (docs/cib.md): bootstrap leaves them, the
  // operator clears them (the item's hint)
  return i.kind === 'cluster' && (['cib', 'cluster properties'].includes(i.subject) || i.subject.startsWith('drbd: '));
}

/** Says what bootstrap would converge, asks, runs it, and checks again (undefined: not run). */
async function fix(
  cluster: ClusterModel,
  before: DriftReport,
  opts: DriftOptions,
  o: DriftOpts,
): Promise<{ summary: RunSummary; report: DriftReport } | undefined> {
  const can = before.items.filter(fixable);
  const cannot = before.items.filter((i) => !fixable(i));
  const say = (s: string) => process.stderr.write(s + '\n');
  const tool = o.playbook ? `hactl run ${o.playbook}` : 'hactl bootstrap';
  if (!can.length) {
    say(`--fix: ${tool} would not change any of this; it needs an operator (see the hints)`);
    return undefined;
  }
  say(`--fix: \`${tool}\` converges ${can.length} item(s): ${[...new Set(can.map((i) => i.subject))].join(', ')}`);
  // some of these are consequences (a node offline because its pacemaker was stopped) and go too
  if (cannot.length)
    say(
      `       it does not touch ${cannot.length} other(s), which may need an operator: ` +
        `${[...new Set(cannot.map((i) => i.subject))].join(', ')}`,
    );
  if (!o.yes && !(await confirm(`Run \`${tool}\` on the nodes now? [y/N] `))) {
    say('not fixed: nothing was changed');
    return undefined;
  }
  // only the fix takes the run lock: the check before it is read-only
  const summary = await withRunLock(cluster, opts.connector, o, () =>
    runWithProgress(
      opts.playbook,
      { inventory: cluster.source, forks: String(opts.forks ?? 10), json: o.json },
      {
        check: false,
        dir: opts.templateDir,
        cluster,
        connector: opts.connector,
        deferJson: true,
      },
    ),
  );
  const report = await checkDrift(cluster, opts);
  if (!o.json) {
    process.stdout.write('after --fix:\n');
    show(report, { ...o, quiet: false });
  }
  return { summary, report };
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new InputError('--fix changes the nodes and asks first, but stdin is not a terminal', {
      hint: 'add --yes to converge without asking',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** bin/hactl of this installation (dist/src/cli/commands/drift.js → ../../../../bin/hactl). */
const HACTL_BIN = fileURLToPath(new URL('../../../../bin/hactl', import.meta.url));

async function cronAction(o: DriftOpts, given: string[], inventories: string[]): Promise<void> {
  // a duration (10m, 1h) is checked by cronSchedule; anything else must be a valid cron schedule
  if (!/^\d+\s*(m|min|h)?$/.test(o.every.trim())) checkCronSchedule(o.every);
  // every inventory must load now, not fail each run later
  const clusters: ClusterModel[] = [];
  for (const i of inventories) clusters.push(await loadInventory(i));
  const single = given.length === 1 && inventories.length === 1 && resolve(given[0]!) === resolve(inventories[0]!);
  // a fleet is named after its one directory, else "fleet"
  const name = single ? clusters[0]!.name : given.length === 1 ? basename(resolve(given[0]!)) : 'fleet';
  const entryOptions = {
    cluster: name,
    inventory: single ? resolve(given[0]!) : given.map((g) => resolve(g)),
    clusters: single ? undefined : clusters.map((c) => c.name),
    every: o.every,
    node: process.execPath,
    hactl: HACTL_BIN,
    user: userInfo().username,
    prometheus: o.prometheus ? resolve(o.prometheus) : undefined,
    playbook: o.playbook ? resolve(o.playbook) : undefined,
  };
  const cluster = { name };
  if (o.installTimer) {
    const units = driftUnits(entryOptions);
    const name = unitName(cluster.name);
    if (o.print) {
      process.stdout.write(`# ${name}.service\n${units.service}\n# ${name}.timer\n${units.timer}`);
      return;
    }
    const files = installUnits(units, cluster.name, o.unitDir);
    process.stdout.write(
      `wrote ${files.join(' and ')}; start it with:\n  systemctl daemon-reload && systemctl enable --now ${name}.timer\n`,
    );
    return;
  }
  const entry = cronEntry(entryOptions);
  if (o.print) {
    process.stdout.write(entry);
    return;
  }
  const file = installCron(entry, cluster.name, o.cronDir);
  process.stdout.write(
    `wrote ${file} (${cronFileName(cluster.name)}): drift runs ${o.every === '10m' ? 'every 10 minutes' : `on "${o.every}"`}\n${entry}`,
  );
}
