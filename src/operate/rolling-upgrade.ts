/**
 * `hactl rolling-upgrade`: upgrades packages one node at a time while the service keeps
 * running — the nodes without resources (the arbitrator), the twin not running the service
 * (kept off the resources, upgraded, its stack restarted or the node rebooted, waited for
 * until it has rejoined with quorum, then back in service and the cluster healthy again,
 * DRBD UpToDate), a switchover to it (the one safe move), the other twin the same way, and
 * the move back to the master. The prober requests the VIP throughout; the report gives
 * each node's versions before/after, each step's duration and the downtime clients saw.
 *
 * Progress is recorded on each node (/var/lib/hactl/rolling-upgrade.json, before each
 * change), so `--resume` after a kill continues where the run stopped: a node done is
 * not upgraded again, a node left half-way (in standby, its stack stopped) is brought
 * back first. The records go when the whole upgrade completed. See docs/day-two.md.
 */

import { vipHolders } from '../checks/failover/actions.js';
import { analyseProbes } from '../checks/failover/analyse.js';
import { type MoveEnv, type MoveOutcome, moveBudgetMs, moveTo, safeMove } from '../checks/failover/move-back.js';
import { NodeRunner, until } from '../checks/failover/nodes.js';
import { checkHealth, type Health, waitHealthy } from '../checks/failover/preflight.js';
import { now, Prober } from '../checks/failover/prober.js';
import { probeTarget } from '../checks/failover/runner.js';
import { failoverSettings } from '../checks/failover/settings.js';
import type { Outage } from '../checks/failover/types.js';
import { InputError, NodeError } from '../core/errors.js';
import { aptSimulateCommand, parseAptSimulate } from '../facts/apt-simulate.js';
import { BOOT_ID_COMMAND, parseBootId } from '../facts/boot-id.js';
import { debPackagesCommand, parseDebPackages } from '../facts/dpkg.js';
import { parseUpgradeRecord, UPGRADE_RECORD_COMMAND, type UpgradeRecord } from '../facts/upgrade-record.js';
import type { ClusterModel, NodeModel } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import { newRunId } from '../runtime/generation.js';
import { driverOf } from '../stack/driver.js';
import { APT, aptUpgradeCommand } from '../tasks/apt.js';
import { Day2RefusedError } from './day2.js';
import { CLEAR_RECORD_COMMAND, REBOOT_COMMAND, recordCommand, UPGRADE_STACKS } from './upgrade-commands.js';
import { applyStep, nextStep, planSteps, resumeView, stepName, type UpgradeState, type UpgradeStep, waitReboot } from './upgrade-plan.js';

export type UpgradeEvent =
  | { type: 'log'; message: string }
  | { type: 'checks'; health: Health }
  /** a step starts or ends (`ok` undefined: it starts) */
  | { type: 'step'; step: string; ok?: boolean; ms?: number; detail?: string };

export interface UpgradeOptions {
  connector: Connector;
  /** packages to upgrade (only installed ones are), or every upgradable package; undefined with `resume` */
  packages?: string[] | 'all';
  /** reboot each node instead of restarting its stack */
  reboot?: boolean;
  /** continue the interrupted upgrade recorded on the nodes */
  resume?: boolean;
  /** print the order and the versions that would change; change nothing but the package lists */
  dryRun?: boolean;
  /** Ctrl-C: the step under way ends cleanly (its node back in service), then the run stops */
  signal: AbortSignal;
  onEvent?(e: UpgradeEvent): void;
}

export interface NodeVersions {
  name: string;
  role: string;
  /** upgraded (now), done (in the run resumed), failed, not reached, or planned (dry run) */
  status: 'upgraded' | 'done before' | 'failed' | 'not reached' | 'planned';
  /** package → version before and after (after: what would be installed, in a dry run) */
  before: Record<string, string>;
  after: Record<string, string>;
  ms?: number;
}

export interface StepReport {
  step: string;
  ok: boolean;
  ms: number;
  detail: string;
  /** outages the prober saw while the step ran (ms) */
  outagesMs: number[];
  /** t relative to the start of the upgrade */
  start: number;
}

/** The `--json` document. */
export interface UpgradeReport {
  command: 'rolling-upgrade';
  cluster: string;
  stack: string;
  run: string;
  resumed: boolean;
  dryRun: boolean;
  packages: string[] | 'all';
  reboot: boolean;
  ok: boolean;
  message: string;
  /** the node (or step) where the run stopped, and how to go on */
  stoppedAt?: string;
  hint?: string;
  plan: string[];
  nodes: NodeVersions[];
  steps: StepReport[];
  /** client view over the whole upgrade: every outage summed, the longest, each outage */
  downtimeMs: number;
  longestMs: number;
  outages: Outage[];
  /** the downtime of the switchovers and the move back alone (the goal: all of it) */
  switchoverDowntimeMs: number;
  probes: number;
  target: string;
  totalMs: number;
  notes: string[];
}

const EMPTY_DOWNTIME = { downtimeMs: 0, longestMs: 0, outages: [], switchoverDowntimeMs: 0, probes: 0 };

/** The bounds of one node's waits, scaled by `vars.failover.timeout_factor` (slow labs, emulated nodes). */
export function upgradeBudgets(
  c: ClusterModel,
  factor: number,
  moveMs: number,
  reboot: boolean,
): { aptMs: number; rejoinMs: number; healthyMs: number; rebootMs: number } {
  const detection = driverOf(c).effectiveTiming(c).detectionMs;
  return {
    aptMs: 600_000, // the runner multiplies it by the factor
    rejoinMs: (60_000 + 2 * detection) * factor,
    // the resources settle (their op timeouts, in moveMs already × factor), DRBD resyncs
    healthyMs: moveMs + 120_000 * factor,
    rebootMs: (reboot ? 300_000 : 0) * factor,
  };
}

/**
 * Runs (or plans, with `dryRun`) a rolling upgrade.
 * @throws InputError for a bad request (no packages, a recorded run without --resume); Day2RefusedError on an unhealthy cluster
 */
export async function runRollingUpgrade(c: ClusterModel, o: UpgradeOptions): Promise<UpgradeReport> {
  const t0 = Date.now();
  const settings = failoverSettings(c);
  const runner = new NodeRunner(c, o.connector);
  const log = (message: string): void => o.onEvent?.({ type: 'log', message });
  const env: MoveEnv = { cluster: c, runner, settings, log, signal: o.signal };
  const ops = UPGRADE_STACKS[c.stack];
  const stackNodes = new Set(
    driverOf(c)
      .runsStack(c)
      .map((n) => n.name),
  );
  const twins = new Set([c.master.name, c.slave.name]);
  const others = c.nodes.filter((n) => !twins.has(n.name));

  // 1. what the nodes recorded: a run to resume, or none
  const records = new Map<string, UpgradeRecord | undefined>();
  for (const n of c.nodes) {
    const out = await runner.sh(n, UPGRADE_RECORD_COMMAND, 'reading the rolling-upgrade record', 15_000);
    try {
      records.set(n.name, parseUpgradeRecord(out));
    } catch (err) {
      throw new NodeError((err as Error).message, { host: n.name, hint: 'remove the file if no rolling upgrade is under way' });
    }
  }
  const view = resumeView(records);
  const recorded = [...records.entries()].filter(([, r]) => r).map(([n, r]) => `${n} (${r!.phase})`);
  if (!o.resume && view.run) {
    throw new InputError(`an interrupted rolling upgrade (run ${view.run}) is recorded on ${recorded.join(', ')}`, {
      hint: 'go on with it: `hactl rolling-upgrade -i INVENTORY --resume`',
    });
  }
  if (o.resume && !view.run)
    throw new InputError('no interrupted rolling upgrade is recorded on the nodes: nothing to resume', {
      hint: 'start one with --packages P… or --all',
    });
  const first = o.resume ? [...records.values()].find((r) => r?.run === view.run) : undefined;
  const packages = first ? first.packages : o.packages;
  if (!packages || (packages !== 'all' && !packages.length)) throw new InputError('rolling-upgrade needs --packages P… or --all');
  if (first && o.packages && JSON.stringify(o.packages) !== JSON.stringify(first.packages)) {
    throw new InputError(
      `--resume continues run ${view.run}, which upgrades ${first.packages === 'all' ? '--all' : first.packages.join(' ')}: ` +
        'leave --packages/--all out',
    );
  }
  const run = view.run ?? newRunId();
  const done = o.resume ? view.done : new Set<string>();

  const report: UpgradeReport = {
    command: 'rolling-upgrade',
    cluster: c.name,
    stack: c.stack,
    run,
    resumed: Boolean(o.resume),
    dryRun: Boolean(o.dryRun),
    packages,
    reboot: Boolean(o.reboot),
    ok: true,
    message: '',
    plan: [],
    nodes: [],
    steps: [],
    ...EMPTY_DOWNTIME,
    outages: [],
    target: '',
    totalMs: 0,
    notes: [],
  };
  if (ops.noStandby) report.notes.push(ops.noStandby);
  const member = (n: NodeModel): NodeModel | undefined => c.nodes.find((x) => x !== n && stackNodes.has(x.name));

  // 2. a node left half-way by the interrupted run is brought back before anything else
  if (o.resume && !o.dryRun) {
    for (const name of view.halfway) {
      const n = runner.node(name);
      log(`${name} was left half-way (${records.get(name)?.phase}): bringing it back first`);
      await bringBack(n);
    }
  }

  // 3. the health gate
  log(`checking that ${c.name} is healthy`);
  const health = await checkHealth(c, o.connector, runner, {});
  o.onEvent?.({ type: 'checks', health });
  if (!health.ok) throw new Day2RefusedError('a rolling upgrade', health);

  // 4. versions now and what would change (the lists refreshed first)
  log(`refreshing the package lists (apt-get update) on ${c.nodes.map((n) => n.name).join(', ')}`);
  const before = new Map<string, Record<string, string>>();
  const pending = new Map<string, Record<string, string>>();
  await Promise.all(
    c.nodes.map(async (n) => {
      await runner.sh(n, `${APT} update`, 'apt-get update', 300_000);
      const sim = parseAptSimulate(await runner.sh(n, aptSimulateCommand(packages), 'apt-get -s (what would change)', 120_000));
      const names = packages === 'all' ? sim.map((p) => p.name) : packages;
      const inst = names.length
        ? parseDebPackages(await runner.sh(n, debPackagesCommand(names), 'dpkg-query', 30_000))
        : new Map<string, string>();
      before.set(n.name, { ...(records.get(n.name)?.run === run ? records.get(n.name)!.before : {}), ...Object.fromEntries(inst) });
      pending.set(n.name, Object.fromEntries(sim.filter((p) => p.from !== undefined).map((p) => [p.name, p.to])));
    }),
  );

  let state: UpgradeState = {
    others: others.map((n) => n.name),
    master: c.master.name,
    slave: c.slave.name,
    holder: health.holder,
    done,
    moveBack: settings.moveBack,
  };
  report.plan = planSteps(state).map(stepName);
  report.nodes = c.nodes.map((n) => ({
    name: n.name,
    role: n.role,
    status: done.has(n.name) ? 'done before' : o.dryRun ? 'planned' : 'not reached',
    before: before.get(n.name) ?? {},
    after: o.dryRun ? { ...before.get(n.name), ...pending.get(n.name) } : {},
  }));
  if (o.dryRun) {
    report.message = `would run: ${report.plan.join(', ') || 'nothing (every node done)'}`;
    report.totalMs = Date.now() - t0;
    return report;
  }

  // 5. the steps, with the prober running
  const target = probeTarget(c, settings.markerPath);
  report.target =
    target.path === undefined ? `tcp://${target.address}:${target.port}` : `http://${target.address}:${target.port}${target.path}`;
  const prober = new Prober(target);
  prober.start();
  const startedAt = now();
  const moves: { start: number; end: number }[] = [];
  try {
    for (let step = nextStep(state); step; step = nextStep(state)) {
      if (o.signal.aborted) {
        stop(stepName(step), 'interrupted (Ctrl-C) before this step');
        break;
      }
      const name = stepName(step);
      o.onEvent?.({ type: 'step', step: name });
      const s0 = now();
      const r = await runStep(step).catch((err: Error) => ({ ok: false, detail: err.message }));
      const ms = Math.round(now() - s0);
      report.steps.push({ step: name, ok: r.ok, ms, detail: r.detail, outagesMs: [], start: Math.round(s0 - startedAt) });
      if (step.kind !== 'upgrade') moves.push({ start: s0, end: now() });
      o.onEvent?.({ type: 'step', step: name, ok: r.ok, ms, detail: r.detail });
      if (!r.ok) {
        stop(step.kind === 'upgrade' ? step.node : name, r.detail);
        break;
      }
      state = applyStep(state, step);
    }
  } finally {
    const records2 = await prober.stop();
    const a = analyseProbes(records2.filter((r) => r.t >= startedAt));
    report.outages = a.outages.map((x) => ({
      ...x,
      start: Math.round(x.start - startedAt),
      end: x.end === undefined ? undefined : Math.round(x.end - startedAt),
    }));
    report.downtimeMs = a.outages.reduce((sum, x) => sum + (x.ms ?? 0), 0);
    report.longestMs = a.longestMs;
    report.probes = records2.length;
    const within = (x: Outage, w: { start: number; end: number }): boolean => x.start >= w.start && x.start <= w.end;
    report.switchoverDowntimeMs = a.outages.filter((x) => moves.some((w) => within(x, w))).reduce((sum, x) => sum + (x.ms ?? 0), 0);
    for (const s of report.steps) {
      const w = { start: s.start + startedAt, end: s.start + startedAt + s.ms };
      s.outagesMs = a.outages.filter((x) => within(x, w)).map((x) => x.ms ?? 0);
    }
  }

  if (report.ok) {
    await Promise.all(c.nodes.map((n) => runner.sh(n, CLEAR_RECORD_COMMAND, 'removing the rolling-upgrade record', 15_000)));
    const upgraded = report.nodes.filter((n) => n.status === 'upgraded').map((n) => n.name);
    report.message =
      `rolling upgrade done: ${upgraded.length ? upgraded.join(', ') : 'no node'} upgraded` +
      `${done.size ? ` (${[...done].join(', ')} in the run resumed)` : ''}; ` +
      `the service runs on ${(await vipHolders(env)).join(',') || 'no twin'}`;
  }
  report.totalMs = Date.now() - t0;
  return report;

  function stop(where: string, why: string): void {
    report.ok = false;
    report.stoppedAt = where;
    report.message = `rolling upgrade stopped at ${where}: ${why}`;
    report.hint =
      'the nodes before it are upgraded and recorded; fix what is named, ' +
      `then \`hactl rolling-upgrade -i INVENTORY --resume\` goes on from ${where}`;
  }

  async function runStep(step: UpgradeStep): Promise<{ ok: boolean; detail: string }> {
    if (step.kind !== 'upgrade') {
      const m: MoveOutcome = await safeMove(
        env,
        moveTo(env, runner.node(step.to), step.kind === 'switchover' ? 'switchover' : 'move back'),
      );
      return {
        ok: m.status === 'moved' || m.status === 'already',
        detail: m.message + (m.reasons.length ? ` (${m.reasons.join('; ')})` : ''),
      };
    }
    const n = runner.node(step.node);
    const nv = report.nodes.find((x) => x.name === n.name)!;
    const s0 = Date.now();
    nv.status = 'failed';
    await upgradeNode(n, nv.before);
    nv.after = await versions(n, Object.keys({ ...nv.before, ...pending.get(n.name) }));
    nv.status = 'upgraded';
    nv.ms = Date.now() - s0;
    const changed = Object.keys(nv.after)
      .filter((p) => nv.after[p] !== nv.before[p])
      .map((p) => `${p} ${nv.before[p] ?? '-'} → ${nv.after[p]}`);
    log(`${n.name}: upgraded and back in service (${changed.join(', ') || 'nothing to change'})`);
    return { ok: true, detail: changed.join(', ') || 'already current' };
  }

  async function versions(n: NodeModel, names: string[]): Promise<Record<string, string>> {
    if (!names.length) return {};
    return Object.fromEntries(parseDebPackages(await runner.sh(n, debPackagesCommand(names), 'dpkg-query', 30_000)));
  }

  async function record(n: NodeModel, phase: UpgradeRecord['phase'], was: Record<string, string>): Promise<void> {
    await runner.sh(
      n,
      recordCommand({ run, packages: packages!, phase, at: new Date().toISOString(), before: was }),
      `recording ${phase}`,
      15_000,
    );
  }

  async function upgradeNode(n: NodeModel, was: Record<string, string>): Promise<void> {
    const runs = stackNodes.has(n.name);
    const other = member(n);
    const budgets = upgradeBudgets(c, settings.timeoutFactor, await moveBudgetMs(env), Boolean(o.reboot));
    await record(n, 'standby', was);
    if (runs && other && ops.standby) {
      log(`${n.name}: standby (its resources and DRBD stop there; the service runs on)`);
      await runner.sh(other, ops.standby(n.name), `standby of ${n.name}`, 30_000);
      if (ops.settle) await runner.exec(other, ops.settle(budgets.healthyMs / 1000), budgets.healthyMs + 10_000);
    }
    log(`${n.name}: ${packages === 'all' ? 'apt-get upgrade' : `apt-get install --only-upgrade ${(packages as string[]).join(' ')}`}`);
    await runner.sh(n, aptUpgradeCommand(packages!), `upgrading packages on ${n.name}`, budgets.aptMs);
    await record(n, 'upgraded', was);
    if (o.reboot) {
      const id = parseBootId(await runner.sh(n, BOOT_ID_COMMAND, 'reading the boot id', 15_000));
      if (!id) throw new NodeError('cannot read the boot id (/proc/sys/kernel/random/boot_id)', { host: n.name });
      log(`${n.name}: rebooting (waiting up to ${Math.round(budgets.rebootMs / 1000)} s for it to come back)`);
      await runner.fire(n, REBOOT_COMMAND, 3000);
      await o.connector.reset(n.name);
      const back = await waitReboot(
        async () => parseBootId((await runner.exec(n, BOOT_ID_COMMAND, 5000))?.stdout ?? ''),
        id,
        budgets.rebootMs,
      );
      if (!back.ok)
        throw new NodeError(
          `did not come back from the reboot within ${Math.round(budgets.rebootMs / 1000)} s${back.sawDown ? '' : ' (it never went down)'}`,
          { host: n.name },
        );
      log(`${n.name}: back after ${Math.round(back.ms / 1000)} s`);
      if (runs && !(await runner.test(n, ops.running, 15_000))) await runner.sh(n, ops.start, `starting the stack on ${n.name}`, 120_000);
    } else if (runs) {
      log(`${n.name}: restarting the cluster stack`);
      await runner.sh(n, ops.stop, `stopping the stack on ${n.name}`, 240_000);
      await runner.sh(n, ops.start, `starting the stack on ${n.name}`, 120_000);
    }
    await bringBack(n, budgets);
    await record(n, 'done', was);
  }

  /** The node's stack running, rejoined with quorum, out of standby, the cluster healthy (DRBD UpToDate). */
  async function bringBack(n: NodeModel, b?: ReturnType<typeof upgradeBudgets>): Promise<void> {
    const budgets = b ?? upgradeBudgets(c, settings.timeoutFactor, await moveBudgetMs(env), false);
    const runs = stackNodes.has(n.name);
    const other = member(n);
    if (runs) {
      if (!(await runner.test(n, ops.running, 15_000))) await runner.sh(n, ops.start, `starting the stack on ${n.name}`, 120_000);
      const joined = await until(
        async () => ops.rejoined((await runner.exec(n, ops.rejoinedCommand, 15_000))?.stdout ?? '', n.name),
        budgets.rejoinMs,
        2000,
      );
      if (!joined)
        throw new NodeError(`did not rejoin the cluster with quorum within ${Math.round(budgets.rejoinMs / 1000)} s`, {
          host: n.name,
          hint: driverOf(c).diagnoseHint,
        });
      if (other && ops.unstandby) {
        log(`${n.name}: rejoined; out of standby`);
        await runner.sh(other, ops.unstandby(n.name), `unstandby of ${n.name}`, 30_000);
      }
    }
    const h = await waitHealthy(c, o.connector, runner, {}, budgets.healthyMs);
    o.onEvent?.({ type: 'checks', health: h });
    if (!h.ok) {
      const bad = h.checks
        .filter((k) => !k.ok)
        .map((k) => `${k.check}: ${k.detail}`)
        .join('; ');
      throw new NodeError(
        `the cluster was not healthy again within ${Math.round(budgets.healthyMs / 1000)} s after ${n.name} came back (${bad})`,
        { host: n.name },
      );
    }
  }
}
