/**
 * Day-two operations on a running cluster (`hactl standby|unstandby|maintenance|move|clear`):
 * the health checks first (the failover pre-flight's), the client-side prober of the VIP
 * during the operation, the operation itself (moves through the one safe move of
 * src/checks/failover/move-back.ts), and a report of what moved and what clients saw.
 * Emits events; the CLI draws them. See docs/day-two.md.
 *
 * @example
 *   const report = await runDay2(cluster, { kind: 'standby', node: 'master' }, { connector, signal, onEvent: (e) => console.error(e) });
 *   console.log(report.message, report.downtimeMs);
 */

import { vipHolders } from '../checks/failover/actions.js';
import { analyseProbes } from '../checks/failover/analyse.js';
import { type MoveEnv, type MoveOutcome, type MoveRequest, moveBudgetMs, moveTo, safeMove } from '../checks/failover/move-back.js';
import { NodeRunner, sleep } from '../checks/failover/nodes.js';
import { checkHealth, type Health } from '../checks/failover/preflight.js';
import { now, Prober } from '../checks/failover/prober.js';
import { probeTarget } from '../checks/failover/runner.js';
import { failoverSettings } from '../checks/failover/settings.js';
import type { Outage } from '../checks/failover/types.js';
import type { SmokeCheck } from '../checks/smoke.js';
import { NodeError } from '../core/errors.js';
import { CONSTRAINTS_COMMAND, parseCliConstraints } from '../facts/cib-constraints.js';
import { CRM_MON_COMMAND, placementOf } from '../facts/crm-mon.js';
import type { ClusterModel, NodeModel, Stack } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import { GROUP_ID, LVS_GROUP_ID } from '../stack/pacemaker.js';
import {
  actionName,
  checkAction,
  type Day2Action,
  heartbeatCommands,
  moveTarget,
  pacemakerCommands,
  refusesUnhealthy,
} from './commands.js';

export type Day2Event =
  | { type: 'log'; message: string }
  /** the health checks before the operation */
  | { type: 'checks'; health: Health };

export interface Day2Options {
  connector: Connector;
  /** Ctrl-C: ends the wait for a move, which is then taken back (the service stays where it ran) */
  signal: AbortSignal;
  onEvent?(e: Day2Event): void;
}

/** What an operation did and what clients saw (the `--json` document). */
export interface Day2Report {
  command: string;
  cluster: string;
  stack: string;
  node?: string;
  ok: boolean;
  /** one line: what moved, or why not */
  message: string;
  /** where the service ran before and after (the VIP's twin) */
  before?: string;
  after?: string;
  /** the move, when the operation moved (or tried to move) the resources */
  move?: MoveOutcome;
  /** client view: the longest outage and every outage (ms relative to the start of the operation) */
  downtimeMs: number;
  outages: Outage[];
  probes: number;
  target: string;
  /** Pacemaker constraints removed by `clear` */
  cleared?: string[];
  notes: string[];
  checks: SmokeCheck[];
}

/** An unhealthy cluster: refused before anything is changed. */
export class Day2RefusedError extends NodeError {
  constructor(
    what: string,
    readonly health: Health,
  ) {
    const bad = health.checks.filter((c) => !c.ok);
    super(`the cluster is not healthy: refusing to run ${what} (${bad.map((c) => c.check).join(', ')})`, {
      output: bad.map((c) => `✘ ${c.check}: ${c.detail}`).join('\n'),
      hint:
        'fix what is listed first (`hactl smoke -i INVENTORY` shows the same checks; ' +
        '`hactl failover-test --restore` heals what a test left)',
    });
    this.name = 'Day2RefusedError';
  }
}

/**
 * Runs one day-two operation.
 * @throws InputError for an action this cluster cannot do; Day2RefusedError on an unhealthy cluster
 */
export async function runDay2(c: ClusterModel, action: Day2Action, o: Day2Options): Promise<Day2Report> {
  const node = checkAction(c, action);
  const settings = failoverSettings(c);
  const runner = new NodeRunner(c, o.connector);
  const log = (message: string): void => o.onEvent?.({ type: 'log', message });
  const env: MoveEnv = { cluster: c, runner, settings, log, signal: o.signal };
  const what = actionName(action);

  log(`checking that ${c.name} is healthy`);
  const health = await checkHealth(c, o.connector, runner, {});
  o.onEvent?.({ type: 'checks', health });
  if (!health.ok && refusesUnhealthy(action)) throw new Day2RefusedError(what, health);

  const target = probeTarget(c, settings.markerPath);
  const prober = new Prober(target);
  prober.start();
  await sleep(500); // a baseline: the service answered before
  const startedAt = now();
  const before = (await vipHolders(env)).join(',') || undefined;
  const report: Day2Report = {
    command: what,
    cluster: c.name,
    stack: c.stack,
    node: node?.name,
    ok: true,
    message: '',
    before,
    downtimeMs: 0,
    outages: [],
    probes: 0,
    target: target.path === undefined ? `tcp://${target.address}:${target.port}` : `http://${target.address}:${target.port}${target.path}`,
    notes: health.ok
      ? []
      : [
          `the cluster was not healthy before: ${health.checks
            .filter((k) => !k.ok)
            .map((k) => `${k.check}: ${k.detail}`)
            .join('; ')}`,
        ],
    checks: health.checks,
  };
  try {
    await act(env, action, node, health, report);
  } finally {
    await sleep(1000); // an outage at the very end is measured too
    const records = await prober.stop();
    const a = analyseProbes(records.filter((r) => r.t >= startedAt));
    report.downtimeMs = a.longestMs;
    report.outages = a.outages.map((x) => ({
      ...x,
      start: Math.round(x.start - startedAt),
      end: x.end === undefined ? undefined : Math.round(x.end - startedAt),
    }));
    report.probes = records.length;
    report.after = (await vipHolders(env)).join(',') || undefined;
  }
  if (report.move && report.move.status !== 'moved' && report.move.status !== 'already') report.ok = false;
  return report;
}

async function act(env: MoveEnv, a: Day2Action, node: NodeModel | undefined, health: Health, r: Day2Report): Promise<void> {
  const c = env.cluster;
  const ops = DAY2[c.stack];
  const holder = health.holder;
  switch (a.kind) {
    case 'standby': {
      const n = node!;
      if (holder !== n.name) {
        r.message = await ops.standbyIdle(env, n, holder);
        return;
      }
      const other = n.name === c.master.name ? c.slave : c.master;
      return moved(r, await safeMove(env, ops.standbyMove(env, n, other)));
    }
    case 'unstandby': {
      const n = node!;
      const idle = await ops.unstandby(env, n);
      const back = a.moveBack && env.settings.moveBack && n.name === c.master.name && holder !== undefined && holder !== n.name;
      if (!back) {
        r.message = idle;
        return;
      }
      if (!health.ok) {
        r.message = `${n.name} may host resources again; NOT moving the service back on an unhealthy cluster (it stays on ${holder})`;
        r.ok = false;
        return;
      }
      return moved(r, await safeMove(env, moveTo(env, n, 'move back')));
    }
    case 'move': {
      const to = moveTarget(c, a.to, holder);
      return moved(r, await safeMove(env, moveTo(env, to, 'move')));
    }
    case 'maintenance':
      // checkAction refused it before on a stack without one
      return ops.maintenance!(env, a, node, r);
    case 'clear':
      return ops.clear(env, r);
  }
}

/** What the day-two actions do on one stack (moves themselves: move-back.ts). */
interface Day2Stack {
  /** standby of a node that holds nothing: no move; the report line */
  standbyIdle(env: MoveEnv, n: NodeModel, holder: string | undefined): Promise<string>;
  /** the request that moves the resources off `n` (the holder) to `other` */
  standbyMove(env: MoveEnv, n: NodeModel, other: NodeModel): MoveRequest;
  /** lifts the standby; the report line when nothing moves */
  unstandby(env: MoveEnv, n: NodeModel): Promise<string>;
  /** absent: the stack has none (refused by checkAction, see commands.ts) */
  maintenance?(env: MoveEnv, a: Extract<Day2Action, { kind: 'maintenance' }>, node: NodeModel | undefined, r: Day2Report): Promise<void>;
  /** removes the constraints moves leave */
  clear(env: MoveEnv, r: Day2Report): Promise<void>;
}

const sh = (env: MoveEnv, n: NodeModel, cmd: string, what: string): Promise<string> => env.runner.sh(n, cmd, what, 30_000);

/** Per stack, typed over the stack names: a third stack is one more entry. Pacemaker's tools work from any member: the master is one. */
const DAY2: { readonly [S in Stack]: Day2Stack } = {
  pacemaker: {
    async standbyIdle(env, n, holder) {
      await sh(env, env.cluster.master, pacemakerCommands.standby(n.name), `standby of ${n.name}`);
      // a director's standby sends the LVS group (if it ran there) to the other director: Pacemaker's own move
      if (n.role === 'director')
        return (
          `${n.name} is in standby; the service did not move (it runs on ${holder ?? 'no twin'}), ` +
          `the LVS group ${LVS_GROUP_ID} goes to the other director`
        );
      return `${n.name} is in standby; nothing moved (the service runs on ${holder ?? 'no twin'})`;
    },
    standbyMove: (env, n, other) => ({
      label: `standby of ${n.name}`,
      to: other,
      ask: async () => void (await sh(env, env.cluster.master, pacemakerCommands.standby(n.name), `standby of ${n.name}`)),
      takeBack: async () =>
        void (await sh(env, env.cluster.master, pacemakerCommands.unstandby(n.name), `taking back the standby of ${n.name}`)),
    }),
    async unstandby(env, n) {
      await sh(env, env.cluster.master, pacemakerCommands.unstandby(n.name), `unstandby of ${n.name}`);
      return `${n.name} may host resources again; nothing moved`;
    },
    async maintenance(env, a, node, r) {
      const member = env.cluster.master;
      await sh(env, member, pacemakerCommands.maintenance(a.on, node?.name), actionName(a));
      const scope = node ? `node ${node.name}` : 'the cluster';
      if (a.on) {
        r.message =
          `${scope} is in maintenance: Pacemaker neither monitors nor recovers ${node ? 'the resources on it' : 'any resource'} ` +
          'until `maintenance off`';
        return;
      }
      // the cluster looks at the resources again and recovers what changed meanwhile
      const budget = await moveBudgetMs(env);
      const settled = await env.runner.exec(member, pacemakerCommands.settle(budget / 1000), budget + 10_000);
      if (settled?.code !== 0) r.notes.push(`the cluster had not settled within ${Math.round(budget / 1000)} s`);
      const h = await vipHolders(env);
      r.message = `${scope} is managed again${h.length === 1 ? `; the service runs on ${h[0]}` : ''}`;
      const mon = await env.runner.exec(member, CRM_MON_COMMAND, 15_000);
      const found = mon?.code === 0 ? placementOf(mon.stdout, GROUP_ID).failures : [];
      if (found.length) r.notes.push(`the cluster found and recovered: ${found.join('; ')} (\`crm_resource --cleanup\` clears the record)`);
    },
    async clear(env, r) {
      const member = env.cluster.master;
      const list = parseCliConstraints(await sh(env, member, CONSTRAINTS_COMMAND, 'reading the constraints'));
      for (const res of [...new Set(list.map((x) => x.resource))]) {
        await sh(env, member, pacemakerCommands.clear(res), `clearing the move constraints of ${res}`);
      }
      const left = parseCliConstraints(await sh(env, member, CONSTRAINTS_COMMAND, 'reading the constraints'));
      r.cleared = list.map((x) => x.id).filter((id) => !left.some((l) => l.id === id));
      if (left.length)
        throw new NodeError(`constraints still there after crm_resource --clear: ${left.map((l) => l.id).join(', ')}`, {
          host: member.name,
        });
      // a cleared ban or preference may let the cluster move a resource: wait until it settled
      if (list.length) await env.runner.exec(member, pacemakerCommands.settle(60), 70_000);
      r.message = list.length
        ? `removed ${list.map((x) => `${x.id} (${x.kind === 'ban' ? 'kept off' : 'pinned to'} ${x.node ?? '?'})`).join(', ')}`
        : 'no cli-prefer/cli-ban constraint: nothing to clear';
    },
  },
  heartbeat: {
    standbyIdle: async (_env, n) => `${n.name} holds no resources: nothing to give away (Heartbeat R1 keeps no standby state)`,
    standbyMove: (env, n, other) => ({
      label: `standby of ${n.name}`,
      to: other,
      ask: async () => void (await sh(env, n, heartbeatCommands.standby, `hb_standby on ${n.name}`)),
      takeBack: async () => void (await sh(env, n, heartbeatCommands.takeover, `hb_takeover on ${n.name}`)),
    }),
    unstandby: async (_env, n) => `${n.name}: Heartbeat R1 keeps no standby state; nothing moved`,
    async clear(_env, r) {
      r.message = 'Heartbeat R1 leaves no move constraints: nothing to clear';
      r.cleared = [];
    },
  },
};

function moved(r: Day2Report, m: MoveOutcome): void {
  r.move = m;
  r.message = m.message;
  r.notes.push(...m.reasons);
}
