/**
 * Moving the resources from one twin to the other as ONE operation that either completes
 * or leaves the service running where it ran (issue #19: "a restore never makes things
 * worse"). Shared by failover-test's restore (moving back to the master), `hactl move`,
 * `hactl standby` and `hactl unstandby`.
 *
 * The move is asked for (a cli-prefer constraint, a standby attribute, hb_takeover), then
 * waited for, bounded by the cluster's own operation timeouts (stop on one twin + start on
 * the other, from the live CIB, which already holds `vars.op_timeout_factor`) plus slack ×
 * `vars.failover.timeout_factor`. A start that fails on the target ends the wait at once.
 * If the move did not complete, what asked for it is undone (the constraint cleared, the
 * standby removed), so the cluster puts the service back where it can run (on Pacemaker,
 * a failed start's fail-count keeps it off the target), and the service is waited for
 * again. The outcome says which: moved, kept on the twin it ran on, or down.
 */
import { quote } from '../../core/shell.js';
import { findAll, parseXml, type XmlElement } from '../../core/xml.js';
import { CRM_MON_COMMAND, type GroupPlacement, placementOf } from '../../facts/crm-mon.js';
import type { ClusterModel, NodeModel, Stack } from '../../inventory/model.js';
import { hbTool } from '../../stack/heartbeat.js';
import { GROUP_ID } from '../../stack/pacemaker.js';
import { probe } from '../http.js';
import { vipHolders } from './actions.js';
import { sleep } from './nodes.js';
import { probeTarget } from './runner.js';
import type { FailoverEnv } from './scenario.js';

/** Where the service ended after a move. */
export type MoveStatus = 'moved' | 'already' | 'kept' | 'down';

export interface MoveOutcome {
  status: MoveStatus;
  /** the twin the resources ran on before */
  from?: string;
  /** where they were to go */
  to: string;
  /** where the service runs at the end (undefined: nowhere) */
  on?: string;
  /** the bound of each wait (move, then the fall-back), ms */
  budgetMs: number;
  ms: number;
  /** one line for the report, e.g. "move back failed, service kept on slave" */
  message: string;
  /** why it did not complete (failed starts, the time limit) */
  reasons: string[];
}

/** What a move needs: the cluster, bounded commands, the settings (timeout_factor), a log, Ctrl-C. */
export type MoveEnv = Pick<FailoverEnv, 'cluster' | 'runner' | 'settings' | 'log' | 'signal'>;

/** What asks the stack to move the resources, and how that request is taken back. */
export interface MoveRequest {
  /** e.g. "move back", "move", "standby of master": the start of the report line */
  label: string;
  to: NodeModel;
  /** asks for the move (a constraint, an attribute, hb_takeover) */
  ask(): Promise<void>;
  /** after a move that completed: e.g. clear the cli-prefer constraint (stickiness keeps them) */
  settle?(): Promise<void>;
  /** after a move that did not complete: take the request back so the service runs where it can */
  takeBack(from: NodeModel | undefined): Promise<void>;
}

/** `60s`, `60`, `2min`, `90000ms` → ms (Pacemaker's interval syntax; undefined when unreadable). */
export function durationMs(v: string | undefined): number | undefined {
  const m = /^\s*(\d+)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$/i.exec(v ?? '');
  if (!m) return undefined;
  const unit = (m[2] ?? 's').toLowerCase();
  const k = unit.startsWith('ms') ? 1 : unit.startsWith('m') ? 60_000 : unit.startsWith('h') ? 3_600_000 : 1000;
  return Number(m[1]) * k;
}

/** Slack for the transition itself (the DC's scheduling, SSH polls), × timeout_factor. */
const SLACK_MS = 20_000;

/**
 * The bound of a planned move on Pacemaker, from the live CIB's resources: every group
 * member stopped one after the other, then started (their op timeouts), plus the demote
 * and promote of each DRBD clone, plus slack × `timeoutFactor`. Without a readable group:
 * 2 × 60 s per op × `opFactor` (the template's defaults).
 * @example
 *   pacemakerMoveBudgetMs(
 *     '<resources><group id="ha-services"><primitive id="vip"><operations>' +
 *       '<op name="start" timeout="20s"/><op name="stop" timeout="20s"/></operations></primitive></group></resources>',
 *     1,
 *   ) // 60000
 */
export function pacemakerMoveBudgetMs(resourcesXml: string, timeoutFactor: number, opFactor = 1, group = GROUP_ID): number {
  let doc: XmlElement | undefined;
  try {
    doc = parseXml(resourcesXml);
  } catch {
    doc = undefined;
  }
  const g = doc && (doc.attrs.id === group && doc.name === 'group' ? doc : findAll(doc, 'group').find((x) => x.attrs.id === group));
  const opsOf = (el: XmlElement, names: string[]): number =>
    findAll(el, 'op')
      .filter((o) => names.includes(o.attrs.name ?? ''))
      .reduce((sum, o) => sum + (durationMs(o.attrs.timeout) ?? 20_000), 0);
  const groupMs = g ? opsOf(g, ['start', 'stop']) : 0;
  const drbdMs = doc
    ? findAll(doc, 'primitive')
        .filter((p) => p.attrs.type === 'drbd')
        .reduce((s, p) => s + opsOf(p, ['promote', 'demote']), 0)
    : 0;
  const base = groupMs > 0 ? groupMs + drbdMs : 2 * 60_000 * opFactor;
  return base + SLACK_MS * timeoutFactor;
}

/**
 * The bound of a planned move on Heartbeat R1 (its resource scripts have no timeouts):
 * deadtime + 20 s per haresources entry, plus slack, × `timeoutFactor`.
 * @example heartbeatMoveBudgetMs(cluster) // 10 + 20×3 + 20 = 90 s for a VIP, an apache2 and a DRBD disk
 */
export function heartbeatMoveBudgetMs(
  c: Pick<ClusterModel, 'timing' | 'floatingIps' | 'services' | 'drbd'>,
  timeoutFactor: number,
): number {
  const entries = c.floatingIps.length + c.services.length + c.drbd.length * 2;
  return (c.timing.deadtime * 1000 + 20_000 * entries + SLACK_MS) * timeoutFactor;
}

/**
 * The verdict of a move from where the service runs after it (pure).
 * @example
 *   moveVerdict('move back', 'slave', 'master', 'slave', true)
 *   // { status: 'kept', message: 'move back failed, service kept on slave' }
 */
export function moveVerdict(
  label: string,
  from: string | undefined,
  to: string,
  on: string | undefined,
  completed: boolean,
): { status: MoveStatus; message: string } {
  if (completed && on === to) return { status: 'moved', message: `${label}: ${from ?? 'nowhere'} → ${to}` };
  if (on === to) return { status: 'moved', message: `${label}: ${from ?? 'nowhere'} → ${to} (late, after the request was taken back)` };
  if (on) return { status: 'kept', message: `${label} failed, service kept on ${on}` };
  return { status: 'down', message: `${label} failed and the service runs NOWHERE (was on ${from ?? 'no twin'})` };
}

/** The running service as the cluster and a client see it: one twin. */
interface Seen {
  on?: string;
  failedOn: string[];
  failures: string[];
}

async function look(env: MoveEnv): Promise<Seen> {
  const holders = await vipHolders(env);
  const holder = holders.length === 1 ? holders[0] : undefined;
  const p = await MOVERS[env.cluster.stack].placement(env);
  if (p === 'unreadable') return { failedOn: [], failures: [] };
  // a stack that keeps a placement of its own must agree with the address
  const on = p === undefined || (p.running && p.node === holder) ? holder : undefined;
  const seen = { on, failedOn: p?.failedOn ?? [], failures: p?.failures ?? [] };
  if (seen.on && !(await answers(env.cluster))) seen.on = undefined;
  return seen;
}

/** One client request to the service on the VIP answers. */
async function answers(c: ClusterModel): Promise<boolean> {
  const t = probeTarget(c);
  if (!t.address) return true;
  const r = await probe(t.address, t.port, t.path, 3000);
  return r.ok && (t.expect === undefined || (r.body ?? '').includes(t.expect));
}

/** Waits (polls every second) until `done(seen)` or the time passes or the signal aborts. */
async function waitFor(env: MoveEnv, ms: number, done: (s: Seen) => boolean, abortable = true): Promise<{ ok: boolean; seen: Seen }> {
  const end = Date.now() + ms;
  let seen: Seen = { failedOn: [], failures: [] };
  for (;;) {
    seen = await look(env);
    if (done(seen)) return { ok: true, seen };
    if (Date.now() >= end || (abortable && env.signal.aborted)) return { ok: false, seen };
    await sleep(1000);
  }
}

/**
 * The bound of one wait of a move on this cluster (see the module comment).
 * @example await moveBudgetMs(env) // 260000 on the namespace lab (4 × 60 s ops + 20 s)
 */
export async function moveBudgetMs(env: MoveEnv): Promise<number> {
  return MOVERS[env.cluster.stack].budgetMs(env, env.settings.timeoutFactor);
}

/**
 * Runs one move to completion or back to a running service; never throws for a move that
 * did not happen (the outcome says so), and Ctrl-C (`env.signal`) ends the wait for the
 * move, not the wait for the service to run again.
 * @example
 *   const o = await safeMove(env, pacemakerMoveTo(env, cluster.master, 'move back'));
 *   if (o.status !== 'moved') console.error(o.message); // "move back failed, service kept on slave"
 */
export async function safeMove(env: MoveEnv, req: MoveRequest, budget?: number): Promise<MoveOutcome> {
  const t0 = Date.now();
  const budgetMs = budget ?? (await moveBudgetMs(env));
  const before = await look(env);
  const from = before.on;
  const to = req.to.name;
  const out = (v: { status: MoveStatus; message: string }, on: string | undefined, reasons: string[]): MoveOutcome => ({
    ...v,
    from,
    to,
    on,
    budgetMs,
    ms: Date.now() - t0,
    reasons,
  });
  if (from === to) return out({ status: 'already', message: `${req.label}: the service already runs on ${to}` }, to, []);
  const reasons: string[] = [];
  env.log(`${req.label}: ${from ?? 'nowhere'} → ${to} (waiting up to ${Math.round(budgetMs / 1000)} s)`);
  try {
    await req.ask();
  } catch (err) {
    reasons.push(`asking for the move: ${(err as Error).message}`);
  }
  // a failure on the target ends the wait; failures seen before the move do not count
  const failedBefore = new Set(before.failedOn);
  const w = reasons.length
    ? { ok: false, seen: before }
    : await waitFor(env, budgetMs, (s) => s.on === to || (s.failedOn.includes(to) && !failedBefore.has(to)));
  if (w.seen.on === to) {
    await req.settle?.().catch((err: Error) => env.log(`${req.label}: after the move: ${err.message}`));
    return out(moveVerdict(req.label, from, to, to, true), to, reasons);
  }
  if (env.signal.aborted) reasons.push('interrupted (Ctrl-C)');
  else if (w.seen.failedOn.includes(to))
    reasons.push(`failed on ${to}: ${w.seen.failures.filter((f) => !before.failures.includes(f)).join('; ') || 'see crm_mon'}`);
  else if (!reasons.length) reasons.push(`not running on ${to} within ${Math.round(budgetMs / 1000)} s`);
  env.log(`${req.label} did not complete (${reasons.join('; ')}): taking the request back so the service runs where it can`);
  const fromNode = from ? env.runner.node(from) : undefined;
  try {
    await req.takeBack(fromNode);
  } catch (err) {
    reasons.push(`taking the request back: ${(err as Error).message}`);
  }
  const back = await waitFor(env, budgetMs, (s) => s.on !== undefined, false);
  const hint = MOVERS[env.cluster.stack].failureHint;
  if (hint && back.seen.failedOn.includes(to) && back.seen.on !== to) reasons.push(hint(to));
  return out(moveVerdict(req.label, from, to, back.seen.on, false), back.seen.on, reasons);
}

/** Pacemaker: the group's cli-prefer constraint towards a node, and its removal. */
export const pacemakerMove = {
  move: (to: string): string => `crm_resource --move -r ${GROUP_ID} -N ${quote(to)}`,
  clear: `crm_resource --clear -r ${GROUP_ID}`,
};

/**
 * The move request of a stack: a cli-prefer constraint cleared afterwards (Pacemaker), or
 * hb_takeover on the target, taken back by hb_takeover on the twin it ran on (Heartbeat).
 * @example await safeMove(env, moveTo(env, cluster.master, 'move back'))
 */
export function moveTo(env: MoveEnv, to: NodeModel, label: string): MoveRequest {
  return MOVERS[env.cluster.stack].request(env, to, label);
}

/** How moves work on one stack: where the cluster says the group runs, a move's bound, the request. */
interface StackMover {
  /** the cluster's own placement of the group; undefined: the stack keeps none (the VIP tells) */
  placement(env: MoveEnv): Promise<GroupPlacement | undefined | 'unreadable'>;
  /** the bound of one wait of a move */
  budgetMs(env: MoveEnv, timeoutFactor: number): Promise<number>;
  request(env: MoveEnv, to: NodeModel, label: string): MoveRequest;
  /** what to do when a failure recorded on `to` keeps the resources off it, if the stack records failures */
  failureHint?(to: string): string;
}

/** Runs `command` on the master, else on the slave (a move happens while one twin may be gone). */
const onATwin = async (env: MoveEnv, command: string, ms: number) =>
  (await env.runner.exec(env.cluster.master, command, ms)) ?? (await env.runner.exec(env.cluster.slave, command, ms));

/** Per stack, typed over the stack names: a third stack is one more entry. */
const MOVERS: { readonly [S in Stack]: StackMover } = {
  pacemaker: {
    async placement(env) {
      const r = await onATwin(env, CRM_MON_COMMAND, 10_000);
      return r && r.code === 0 ? placementOf(r.stdout, GROUP_ID) : 'unreadable';
    },
    async budgetMs(env, f) {
      const c = env.cluster;
      const r = await onATwin(env, 'cibadmin -Q --scope resources', 15_000);
      const opFactor = typeof c.vars.op_timeout_factor === 'number' ? c.vars.op_timeout_factor : 1;
      return pacemakerMoveBudgetMs(r?.code === 0 ? r.stdout : '', f, opFactor);
    },
    request(env, to, label) {
      const c = env.cluster;
      const clear = async (): Promise<void> =>
        void (await env.runner
          .sh(c.master, pacemakerMove.clear, 'clearing the move constraint', 30_000)
          .catch(() => env.runner.sh(c.slave, pacemakerMove.clear, 'clearing the move constraint', 30_000)));
      return {
        label,
        to,
        ask: async () =>
          void (await env.runner.sh(to, pacemakerMove.move(to.name), `asking Pacemaker to move ${GROUP_ID} to ${to.name}`, 30_000)),
        settle: clear,
        takeBack: clear,
      };
    },
    failureHint: (to) =>
      `the failure on ${to} keeps the resources off it: fix its cause, ` +
      `then \`crm_resource --cleanup -r ${GROUP_ID}\` (nothing moves: stickiness)`,
  },
  heartbeat: {
    placement: async () => undefined,
    budgetMs: async (env, f) => heartbeatMoveBudgetMs(env.cluster, f),
    request: (env, to, label) => ({
      label,
      to,
      ask: async () => void (await env.runner.sh(to, hbTool('hb_takeover'), `hb_takeover on ${to.name}`, 30_000)),
      takeBack: async (from) => {
        if (from) await env.runner.sh(from, hbTool('hb_takeover'), `hb_takeover on ${from.name}`, 30_000);
      },
    }),
  },
};
