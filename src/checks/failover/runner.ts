/**
 * Runs failover scenarios one after the other: for each, the prober and the watcher
 * start, the fault is injected, the runner waits until it has played out (or a split
 * brain shows), the cluster is restored, and the measurements are judged.
 */
import { quote } from '../../core/shell.js';
import { fencedSince } from '../../facts/fence-history.js';
import { type ClusterModel, probedService } from '../../inventory/model.js';
import { type ConnectFn, Connector } from '../../runtime/connector.js';
import { vipHolders } from './actions.js';
import { alternatingAnswers, analyseProbes, detectionOf, inquorateHold, splitBrainOf, stableSince, takeoverOf } from './analyse.js';
import { budgetFor } from './budget.js';
import { identifier } from './identify.js';
import { judge } from './judge.js';
import { NodeRunner, sleep } from './nodes.js';
import { checkHealth, type Health } from './preflight.js';
import { now, Prober, type ProbeTarget, serviceProbeTarget } from './prober.js';
import { type RestoreResult, restore } from './restore.js';
import { type FailoverEnv, type Scenario, type ScenarioContext, targetOf } from './scenario.js';
import type { Budget, FenceEvent, ProbeRecord, ScenarioResult, SplitBrain } from './types.js';
import { Watcher } from './watcher.js';

export interface RunScenarioOptions {
  /** the main connector (restore, health checks) */
  connector: Connector;
  /** opens the watcher's own connections, so its timeouts never cut the main ones */
  connect: ConnectFn;
  /** `--budget` in ms: overrides every scenario's derived budget */
  budgetMs?: number;
}

/**
 * What the prober requests: the marker path, else the first service's check, else TCP 22.
 * @example probeTarget(cluster) // { address: '10.77.0.100', port: 80, path: '/', expect: undefined }
 */
export function probeTarget(c: ClusterModel, markerPath?: string): ProbeTarget {
  const svc = probedService(c);
  const t = serviceProbeTarget(c.floatingIps[0]?.address ?? '', svc);
  // the marker path (which twin answered) replaces the check's path, status and text
  return markerPath === undefined || !svc ? t : { address: t.address, port: t.port, path: markerPath };
}

/** MACs of the twins' VIP interfaces, to tell from the ARP table who answered. */
async function twinMacs(env: FailoverEnv): Promise<Map<string, string>> {
  const iface = env.cluster.floatingIps[0]?.interface ?? env.cluster.interface;
  const out = new Map<string, string>();
  for (const n of [env.cluster.master, env.cluster.slave]) {
    const r = await env.runner.exec(n, `cat ${quote(`/sys/class/net/${iface}/address`)}`, 5000);
    if (r?.code === 0) out.set(r.stdout.trim().toLowerCase(), n.name);
  }
  return out;
}

/**
 * Runs one scenario from a healthy cluster and restores it afterwards.
 * @example const r = await runScenario(env, killStack, { connector, connect: sshConnect() });
 */
export async function runScenario(env: FailoverEnv, given: Scenario, o: RunScenarioOptions): Promise<ScenarioResult> {
  const scenario = given.adapt?.(env) ?? given;
  const c = env.cluster;
  const base: ScenarioResult = {
    scenario: scenario.name,
    outages: [],
    answeredBy: [],
    restored: false,
    verdict: 'fail',
    reasons: [],
    probes: [],
    samples: [],
  };
  const ready = await healthyBefore(env, o.connector);
  if (!ready.ok)
    return {
      ...base,
      reasons: [
        `the cluster is not healthy before the scenario: ${ready.checks
          .filter((k) => !k.ok)
          .map((k) => `${k.check}: ${k.detail}`)
          .join('; ')}`,
      ],
    };
  const holders = await vipHolders(env);
  if (holders.length !== 1)
    return { ...base, reasons: [`the resources are not on exactly one twin before the scenario (VIP on ${holders.join(', ') || 'none'})`] };
  const active = holders[0] === c.master.name ? c.master : c.slave;
  const ctx: ScenarioContext = {
    ...env,
    active,
    passive: active === c.master ? c.slave : c.master,
    target: targetOf(scenario, c, active)!,
  };
  const budget = budgetFor(scenario.budget, c, o.budgetMs);
  const dataBefore = await writeData(ctx, active.name);

  const watchConnector = new Connector(o.connect);
  const slow = env.settings.timeoutFactor;
  const watcher = new Watcher(c, new NodeRunner(c, watchConnector), env.ops, [c.master, c.slave], {
    extra: (n) => scenario.watch?.(ctx, n),
    pollMs: 300 * slow,
    timeoutMs: 1500 * slow,
  });
  const target = probeTarget(c, env.settings.markerPath);
  const macs = await twinMacs(env);
  const identify = identifier({
    vip: target.address,
    nodes: c.nodes.map((n) => n.name),
    macs,
    marker: Boolean(env.settings.markerPath),
    holder: () => watcher.soleHolder(),
  });
  const prober = new Prober(target, { identify });
  watcher.start();
  prober.start();
  let m: Measured = { faultAt: now(), settled: { timedOut: false } };
  try {
    m = await measure(ctx, scenario, prober, watcher, budget);
  } finally {
    m.after = watcher.soleHolder();
    // the data where the resources ended, before the restore touches anything
    if (dataBefore !== undefined && m.after && !ctx.signal.aborted) m.dataSurvivor = await dataCheck(ctx, m.after);
    m.bothHold = await bothHold(env, m.faultAt);
    // who fenced whom, asked before the restore brings the fenced back (their fencer starts empty)
    if (!ctx.signal.aborted) m.fenced = await fenceHistory(ctx, m.after, m.faultAt);
    m.restoreAt = now();
    env.log(`restoring the cluster after ${scenario.name}`);
    m.restore = await restore(ctx, scenario, o.connector, 180_000 * slow);
    await sleep(1000); // the restore's own outage, if any, is measured too
    await prober.stop();
    await watcher.stop();
    await watchConnector.closeAll();
  }
  const dataAfter = m.restore.ok ? await dataCheck(ctx, m.restore.health.holder ?? c.master.name) : undefined;
  return conclude(
    ctx,
    scenario,
    budget,
    { ...m, restore: m.restore, restoreAt: m.restoreAt },
    prober.records,
    watcher,
    dataBefore,
    dataAfter,
  );
}

/** The declared data write (if any) then the data check, where the resources are. */
async function writeData(ctx: ScenarioContext, node: string): Promise<string | undefined> {
  const cmd = ctx.settings.dataWrite;
  if (cmd) {
    const r = await ctx.runner.exec(ctx.runner.node(node), cmd, 60_000);
    if (r?.code !== 0) return `data write failed: ${r?.stderr.trim() || 'no answer'}`;
  }
  return dataCheck(ctx, node);
}

interface Measured {
  faultAt: number;
  /** the VIP on both twins when the fault had played out (checked directly, not by the watcher) */
  bothHold?: SplitBrain;
  settled: Settled;
  injectError?: string;
  after?: string;
  restoreAt?: number;
  restore?: RestoreResult;
  /** the data check where the resources ended, before the restore */
  dataSurvivor?: string;
  /** the stack's fencing history from the fault on (undefined: the stack keeps none, or no member answered) */
  fenced?: FenceEvent[];
}

/** Baseline, fault, then wait for it to play out. */
async function measure(ctx: ScenarioContext, scenario: Scenario, prober: Prober, watcher: Watcher, budget: Budget): Promise<Measured> {
  // a baseline: the service answered and every twin was seen just before the fault
  await watcher.baseline(15_000 * ctx.settings.timeoutFactor);
  await sleep(1500);
  const faultAt = now();
  try {
    await scenario.inject(ctx);
  } catch (err) {
    return { faultAt, settled: { timedOut: false }, injectError: (err as Error).message };
  }
  return { faultAt, settled: await settle(ctx, scenario, prober, watcher, faultAt, budget) };
}

/** Analysis and verdict of one scenario's measurements. */
function conclude(
  ctx: ScenarioContext,
  scenario: Scenario,
  budget: Budget,
  m: Measured & { restore: RestoreResult; restoreAt: number },
  probes: ProbeRecord[],
  watcher: Watcher,
  dataBefore?: string,
  dataAfter?: string,
): ScenarioResult {
  const { faultAt, restoreAt } = m;
  const samples = watcher.samples;
  const window = probes.filter((p) => p.t < restoreAt);
  const analysis = analyseProbes(window.filter((p) => p.t >= faultAt));
  const twoAnswer = scenario.expect !== 'stay' ? alternatingAnswers(window, faultAt) : undefined;
  const split: SplitBrain | undefined =
    m.settled.split ??
    splitBrainOf(
      samples.filter((x) => x.t >= faultAt && x.t < restoreAt),
      watcher.pollMs,
    ) ??
    m.bothHold ??
    (twoAnswer
      ? { reason: `clients were answered by ${twoAnswer.join(' and ')} in turn`, nodes: twoAnswer, since: faultAt, ms: 0 }
      : undefined);
  const dataIntact =
    dataBefore === undefined
      ? undefined
      : !dataBefore.startsWith('data write failed') &&
        dataBefore === dataAfter &&
        (m.dataSurvivor === undefined || m.dataSurvivor === dataBefore);
  const dataNote =
    dataBefore === undefined
      ? undefined
      : dataIntact
        ? `data check: the same before the fault${m.dataSurvivor !== undefined ? `, on ${m.after}` : ''} and after the restore`
        : `before: ${short(dataBefore)}; ` +
          `${m.dataSurvivor !== undefined ? `on ${m.after}: ${short(m.dataSurvivor)}; ` : ''}after the restore: ${short(dataAfter)}`;
  const v = judge({
    scenario: scenario.name,
    expect: scenario.expect,
    dataAtRisk: scenario.dataAtRisk,
    lostTwin: scenario.lostTwin,
    target: ctx.target.name,
    fenced: m.fenced,
    active: ctx.active.name,
    passive: ctx.passive.name,
    after: m.after,
    analysis,
    budget,
    splitBrain: split,
    inquorate: inquorateHold(
      samples.filter((x) => x.t >= faultAt && x.t < restoreAt),
      [ctx.active.name, ctx.passive.name],
    ),
    timedOut: m.settled.timedOut,
    injectError: m.injectError,
    aborted: ctx.signal.aborted,
    restored: m.restore.ok,
    restoreNotes: m.restore.notes,
    dataIntact,
    findings: scenario.judge?.(samples, ctx, faultAt) ?? [],
    fencing: ctx.fencing,
  });
  const preFault = analyseProbes(window.filter((p) => p.t < faultAt)).outages.length > 0;
  const detect = scenario.detect ?? ((s, x, t) => detectionOf(s, x.target.name, t));
  return {
    scenario: scenario.name,
    target: ctx.target.name,
    before: ctx.active.name,
    after: m.after,
    faultAt,
    detectionMs: detect(samples, ctx, faultAt),
    takeoverMs: tookOver(scenario, ctx, m.after) ? takeoverOf(samples, ctx.passive.name, faultAt) : undefined,
    downtimeMs: analysis.longestMs,
    totalDowntimeMs: analysis.totalMs,
    outages: analysis.outages,
    answeredBy: analysis.answeredBy,
    splitBrain: split,
    budget,
    restored: m.restore.ok,
    restoreDowntimeMs: analyseProbes(probes.filter((p) => p.t >= restoreAt)).longestMs,
    dataIntact,
    ...(m.fenced ? { fenced: m.fenced } : {}),
    verdict: v.verdict,
    reasons: [
      ...v.reasons,
      ...(preFault ? ['note: the service already failed probes before the fault'] : []),
      ...(dataNote ? [`${dataIntact ? 'note' : 'data'}: ${dataNote}`] : []),
    ],
    probes,
    samples,
  };
}

interface Settled {
  timedOut: boolean;
  split?: SplitBrain;
}

/**
 * Waits until the fault has played out: the VIP on the twin the scenario expects and the
 * service answering for 2 s; or a split brain lasting 3 s; or a timeout (3 × budget, ≥ 30 s).
 */
async function settle(
  ctx: ScenarioContext,
  s: Scenario,
  prober: Prober,
  watcher: Watcher,
  faultAt: number,
  budget: Budget,
): Promise<Settled> {
  const observe = s.observeMs?.(ctx.cluster) ?? 0;
  const limit = Math.max(30_000, budget.ms * 3) + observe;
  const want = s.expect === 'one' ? [ctx.active.name, ctx.passive.name] : [s.expect === 'move' ? ctx.passive.name : ctx.active.name];
  for (;;) {
    await sleep(200);
    const t = now();
    if (ctx.signal.aborted) return { timedOut: false };
    const split = splitBrainOf(
      watcher.samples.filter((x) => x.t >= faultAt),
      watcher.pollMs,
    );
    if (split && split.ms >= 3000) return { timedOut: false, split };
    const holder = watcher.soleHolder();
    if (t - faultAt >= observe && holder && want.includes(holder) && stableSince(prober.records, t, 2000)) return { timedOut: false };
    if (t - faultAt > limit) return { timedOut: true };
  }
}

/**
 * The pre-flight checks again before each scenario (the previous restore may have been
 * undone by a late restart); an unhealthy cluster is restored once more first.
 */
async function healthyBefore(env: FailoverEnv, connector: Connector): Promise<Health> {
  const expectOn = env.settings.moveBack ? env.cluster.master.name : undefined;
  const h = await checkHealth(env.cluster, connector, env.runner, { expectOn });
  if (h.ok) return h;
  env.log(`not healthy before the scenario: restoring first`);
  const c = env.cluster;
  return (await restore({ ...env, active: c.master, passive: c.slave, target: c.master }, undefined, connector)).health;
}

/**
 * A last direct look before the restore touches anything: a twin whose stack hangs can
 * miss the watcher's polls, but not a plain `ip addr` over the main connection.
 */
async function bothHold(env: FailoverEnv, faultAt: number): Promise<SplitBrain | undefined> {
  const holders = await vipHolders(env);
  if (holders.length < 2) return undefined;
  const t = now();
  return {
    reason: `the VIP was configured on ${holders.join(' and ')} when the fault had played out`,
    nodes: holders,
    since: t,
    ms: Math.round(t - faultAt),
  };
}

/** The VIP went to the other twin: a `move`, or a `one` that the passive twin won. */
const tookOver = (s: Scenario, ctx: ScenarioContext, after: string | undefined): boolean =>
  s.expect === 'move' || (s.expect === 'one' && after === ctx.passive.name);

/**
 * Who fenced whom from the fault on, read on a member that runs (where the resources ended
 * first, then the other voters); undefined when the stack keeps no fencing history or no
 * member answered.
 */
async function fenceHistory(ctx: ScenarioContext, after: string | undefined, faultAt: number): Promise<FenceEvent[] | undefined> {
  const fact = ctx.ops.fenceHistory;
  if (!fact) return undefined;
  const voters = ctx.ops.runsStack(ctx.cluster);
  const order = [...voters.filter((n) => n.name === after), ...voters.filter((n) => n.name !== after)];
  for (const n of order) {
    const r = await ctx.runner.exec(n, `${ctx.ops.running} && ${fact.command}`, 15_000);
    if (r?.stdout.includes('<')) return fencedSince(fact.parse(r.stdout, r.code), faultAt);
  }
  return undefined;
}

const short = (out: string | undefined): string =>
  out === undefined ? 'not run' : out.trim().split('\n').slice(-1)[0]?.slice(0, 120) || '(empty)';

/** Output of the inventory's data check on `node` (undefined when none is declared or it failed). */
async function dataCheck(ctx: ScenarioContext, node: string): Promise<string | undefined> {
  const cmd = ctx.settings.dataCheck;
  if (!cmd) return undefined;
  const r = await ctx.runner.exec(ctx.runner.node(node), cmd, 60_000);
  return r?.code === 0 ? r.stdout : `failed: ${r?.stderr ?? 'no answer'}`;
}
