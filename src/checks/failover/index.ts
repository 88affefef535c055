/**
 * hactl failover-test: real faults, downtime measured as a client sees it, cluster
 * restored after each. See docs/failover.md.
 *
 * @example
 *   const cluster = await loadInventory('inventory.yaml');
 *   const connector = new Connector(sshConnect());
 *   const settings = failoverSettings(cluster);
 *   const faults = faultsFor(cluster, new NodeRunner(cluster, connector), settings);
 *   const plan = planScenarios(cluster, ['kill-stack'], faults, settings);
 *   await preflight(cluster, connector, new NodeRunner(cluster, connector), settings);
 *   const report = await runFailoverTest(cluster, {
 *     plan, faults, settings, connector, connect: sshConnect(), signal: new AbortController().signal, log: console.error,
 *   });
 *   console.log(formatReport(report));
 */
import type { ClusterModel } from '../../inventory/model.js';
import type { ConnectFn, Connector } from '../../runtime/connector.js';
import { type Faults, RemoteFaults } from './faults.js';
import { NodeRunner } from './nodes.js';
import type { ScenarioPlan } from './plan.js';
import { type RestoreResult, restore } from './restore.js';
import { probeTarget, runScenario } from './runner.js';
import type { FailoverEnv } from './scenario.js';
import type { FailoverSettings } from './settings.js';
import { stackOps } from './stacks.js';
import type { FailoverReport, ScenarioResult } from './types.js';

export interface FailoverTestOptions {
  plan: ScenarioPlan;
  faults: Faults;
  settings: FailoverSettings;
  connector: Connector;
  /** for the watcher's own connections */
  connect: ConnectFn;
  budgetMs?: number;
  /** the networks `cut-link` cuts (`--link`); default every link */
  links?: readonly string[];
  /** aborting (Ctrl-C) stops the current scenario's wait, restores, and skips the rest */
  signal: AbortSignal;
  log(message: string): void;
  /** called after each scenario, e.g. to print its row at once */
  onResult?(r: ScenarioResult): void;
  /**
   * called when a scenario fails, after its restore: the caller collects an incident report
   * (the CLI: src/operate/report.ts) and returns its path, which the result names
   */
  onFailure?(r: ScenarioResult): Promise<string | undefined>;
}

/**
 * The lab's primitives when the caller has them (the CLI asks src/lab: `labFaultsFor`),
 * else real-node faults.
 * @example faultsFor(cluster, runner, settings, labFaultsFor(cluster)).kind // 'lab /tmp/lab' or 'ssh'
 */
export function faultsFor(c: ClusterModel, runner: NodeRunner, settings: FailoverSettings, lab?: Faults): Faults {
  return lab ?? new RemoteFaults(c, runner, settings);
}

/**
 * Runs the planned scenarios in order; stops early when the cluster cannot be restored.
 * @example see the module example above
 */
export async function runFailoverTest(c: ClusterModel, o: FailoverTestOptions): Promise<FailoverReport> {
  const runner = new NodeRunner(c, o.connector);
  const env: FailoverEnv = {
    cluster: c,
    ops: stackOps(c.stack),
    runner,
    faults: o.faults,
    settings: o.settings,
    fencing: c.stonith.enabled,
    ...(o.links ? { links: o.links } : {}),
    log: o.log,
    signal: o.signal,
  };
  const target = probeTarget(c, o.settings.markerPath);
  const report: FailoverReport = {
    cluster: c.name,
    stack: c.stack,
    vantage: 'orchestrator',
    fencing: c.stonith.enabled,
    startedAt: new Date().toISOString(),
    ok: true,
    results: [],
    target: target.path === undefined ? `tcp://${target.address}:${target.port}` : `http://${target.address}:${target.port}${target.path}`,
  };
  let stop: string | undefined;
  for (const s of o.plan.run) {
    if (o.signal.aborted) stop ??= 'interrupted (Ctrl-C)';
    const r: ScenarioResult = stop
      ? { scenario: s.name, outages: [], answeredBy: [], restored: false, verdict: 'skipped', reasons: [stop], probes: [], samples: [] }
      : await runScenario(env, s, { connector: o.connector, connect: o.connect, budgetMs: o.budgetMs });
    if (!stop && !r.restored) stop = `not run: the cluster could not be restored after ${s.name}`;
    if (r.verdict === 'fail' && o.onFailure) {
      try {
        const path = await o.onFailure(r);
        if (path) r.reasons.push(`note: report written to ${path}`);
      } catch (e) {
        r.reasons.push(`note: no report: ${(e as Error).message}`);
      }
    }
    report.results.push(r);
    o.onResult?.(r);
  }
  for (const k of o.plan.skipped) {
    const r: ScenarioResult = {
      scenario: k.name,
      outages: [],
      answeredBy: [],
      restored: true,
      verdict: 'skipped',
      reasons: [k.reason],
      probes: [],
      samples: [],
    };
    report.results.push(r);
    o.onResult?.(r);
  }
  report.ok =
    !o.signal.aborted && report.results.every((r) => r.verdict !== 'fail') && report.results.some((r) => r.verdict === 'pass') && !stop;
  return report;
}

/**
 * Restore only: power nodes on, plug links back, start stacks, clear fail-counts, move the
 * resources back, wait until healthy. For a cluster an interrupted run left behind.
 * @example (await restoreCluster(cluster, { faults, settings, connector, signal, log: console.error })).ok
 */
export async function restoreCluster(
  c: ClusterModel,
  o: Pick<FailoverTestOptions, 'faults' | 'settings' | 'connector' | 'signal' | 'log'>,
): Promise<RestoreResult> {
  const runner = new NodeRunner(c, o.connector);
  const env: FailoverEnv = {
    cluster: c,
    ops: stackOps(c.stack),
    runner,
    faults: o.faults,
    settings: o.settings,
    fencing: c.stonith.enabled,
    log: o.log,
    signal: o.signal,
  };
  return restore({ ...env, active: c.master, passive: c.slave, target: c.master }, undefined, o.connector);
}

export { analyseProbes, findSplitBrain } from './analyse.js';
export { budgetFor, detectionMs } from './budget.js';
export { type Faults, RemoteFaults } from './faults.js';
export { NodeRunner } from './nodes.js';
export { planScenarios, preflight, type ScenarioPlan, UnhealthyClusterError, whyNot } from './plan.js';
export { checkHealth, type Health, waitHealthy } from './preflight.js';
export { Prober, type ProberOptions, type ProbeTarget } from './prober.js';
export { formatReport, formatResult, reportJson } from './report.js';
export type { RestoreResult } from './restore.js';
export type { FailoverEnv, Scenario, ScenarioContext } from './scenario.js';
export { pickScenarios, SCENARIOS } from './scenarios/index.js';
export { type FailoverSettings, failoverSettings } from './settings.js';
export type * from './types.js';
