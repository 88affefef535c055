/**
 * Day-two operations as data: what each one is, which stack can do it, and the shell
 * commands it sends (pure, tested as data). The orchestration is in day2.ts.
 */
import { InputError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import type { ClusterModel, NodeModel, Stack } from '../inventory/model.js';
import { driverOf } from '../stack/driver.js';
import { hbTool } from '../stack/heartbeat.js';
import { LVS_GROUP_ID } from '../stack/pacemaker.js';

export type Day2Action =
  | { kind: 'standby'; node: string }
  | { kind: 'unstandby'; node: string; moveBack: boolean }
  | { kind: 'maintenance'; on: boolean; node?: string }
  | { kind: 'move'; to?: string }
  | { kind: 'clear' };

/** The command's name as typed, e.g. "maintenance on". */
export function actionName(a: Day2Action): string {
  if (a.kind === 'maintenance') return `maintenance ${a.on ? 'on' : 'off'}`;
  return a.kind;
}

/**
 * Actions that put the cluster into a state (refused on an unhealthy cluster) rather than
 * take one back (run anyway: refusing `unstandby` or `maintenance off` would lock an
 * operator into the state hactl put the cluster in).
 * @example refusesUnhealthy({ kind: 'move' }) // true
 */
export function refusesUnhealthy(a: Day2Action): boolean {
  return a.kind === 'standby' || a.kind === 'move' || (a.kind === 'maintenance' && a.on);
}

/** Pacemaker 2.1 commands (crm_standby, crm_attribute, crm_resource). */
export const pacemakerCommands = {
  standby: (node: string): string => `crm_standby -N ${quote(node)} -v on`,
  unstandby: (node: string): string => `crm_standby -N ${quote(node)} -D`,
  /** the whole cluster: resources unmanaged, monitors stopped; a node: only what runs there */
  maintenance: (on: boolean, node?: string): string =>
    node
      ? `crm_attribute -N ${quote(node)} -n maintenance ${on ? '-v true' : '-D'}`
      : `crm_attribute -t crm_config -n maintenance-mode ${on ? '-v true' : '-D'}`,
  /** removes every cli-prefer/cli-ban constraint of one resource */
  clear: (resource: string): string => `crm_resource --clear -r ${quote(resource)}`,
  /** waits until the cluster has no transition left to run */
  settle: (seconds: number): string => `crm_resource --wait --timeout=${Math.max(1, Math.round(seconds))}s`,
};

/** Heartbeat 3 (R1, haresources): the node gives its resources away / asks for them. */
export const heartbeatCommands = {
  standby: hbTool('hb_standby'),
  takeover: hbTool('hb_takeover'),
};

/**
 * Why the stack cannot do this action (undefined: it can).
 * @example unsupported(heartbeatCluster, { kind: 'maintenance', on: true }) // 'Heartbeat R1 has no maintenance mode: …'
 */
export function unsupported(c: Pick<ClusterModel, 'stack'>, a: Day2Action): string | undefined {
  return UNSUPPORTED[c.stack][a.kind];
}

/** Per stack, typed over the stack names: the actions it cannot do, and why. */
const UNSUPPORTED: { readonly [S in Stack]: Partial<Record<Day2Action['kind'], string>> } = {
  pacemaker: {},
  heartbeat: {
    maintenance:
      'Heartbeat R1 has no maintenance mode: it does not monitor resources at all (a killed service is never restarted, ' +
      'so there is nothing to pause), and the only way to keep it from taking resources over is to stop heartbeat, ' +
      'which releases them: a service outage, not maintenance',
  },
};

/**
 * Checks an action against the inventory before anything is touched.
 * @throws InputError for an unknown node, a node that cannot hold the resources, or an action the stack lacks
 * @example checkAction(cluster, { kind: 'standby', node: 'master' }) // the master's NodeModel
 */
export function checkAction(c: ClusterModel, a: Day2Action): NodeModel | undefined {
  const why = unsupported(c, a);
  if (why) throw new InputError(`${actionName(a)}: not possible on cluster ${c.name}: ${why}`, { hint: 'see docs/day-two.md' });
  const name = a.kind === 'move' ? a.to : a.kind === 'clear' ? undefined : a.node;
  if (name === undefined) return undefined;
  const n = c.nodes.find((x) => x.name === name);
  if (!n) throw new InputError(`no node "${name}" in cluster ${c.name}`, { hint: `nodes: ${c.nodes.map((x) => x.name).join(', ')}` });
  const twin = n.name === c.master.name || n.name === c.slave.name;
  // a director pair's LVS group moves by hand (crm_resource), not with the services group
  if (a.kind === 'move' && !twin && n.role === 'director')
    throw new InputError(
      `--to ${name}: move moves the services group, which runs on the twins only (${c.master.name}, ${c.slave.name}); ` +
        `${name} is a director, and the LVS group moves between the directors apart from it`,
      { hint: `crm_resource --move -r ${LVS_GROUP_ID} -N ${quote(name)} && crm_resource --wait; crm_resource --clear -r ${LVS_GROUP_ID}` },
    );
  if (a.kind === 'move' && !twin)
    throw new InputError(`--to ${name}: the resources run on the twins only (${c.master.name}, ${c.slave.name})`);
  const runs = driverOf(c).runsStack(c);
  if (!runs.some((x) => x.name === n.name)) {
    throw new InputError(`${actionName(a)} ${name}: the cluster stack runs on ${runs.map((x) => x.name).join(', ')} only (${c.stack})`);
  }
  return n;
}

/**
 * The twin a move goes to: `--to`, else the twin that does not hold the resources.
 * @example moveTarget(cluster, undefined, 'master') // slave
 */
export function moveTarget(c: ClusterModel, to: string | undefined, holder: string | undefined): NodeModel {
  if (to) return c.nodes.find((n) => n.name === to)!;
  return holder === c.slave.name ? c.master : c.slave;
}
