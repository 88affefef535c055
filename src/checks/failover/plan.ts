/**
 * Before anything is touched: which scenarios can run on this cluster with these fault
 * primitives, and is the cluster healthy enough to start.
 */
import { InputError, NodeError } from '../../core/errors.js';
import type { ClusterModel } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import type { Faults } from './faults.js';
import type { NodeRunner } from './nodes.js';
import { checkHealth, type Health } from './preflight.js';
import type { Scenario } from './scenario.js';
import { pickScenarios } from './scenarios/index.js';
import type { FailoverSettings } from './settings.js';

export interface ScenarioPlan {
  run: Scenario[];
  /** scenarios of a full run that cannot run here, with the reason */
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Why `s` cannot run on this cluster (undefined: it can).
 * @example whyNot(killService, heartbeatCluster, faults, settings) // 'Heartbeat R1 does not monitor resources: …'
 */
export function whyNot(s: Scenario, c: ClusterModel, faults: Faults, settings: FailoverSettings): string | undefined {
  if (!s.stacks.includes(c.stack)) return s.notFor?.[c.stack] ?? `not for the ${c.stack} stack`;
  if (!c.floatingIps.length) return 'the inventory declares no floating IP to probe';
  return s.unavailable?.({ cluster: c, faults, settings });
}

/**
 * The scenarios to run. Named ones that cannot run here are an error; of a full run
 * (no names), those are skipped with the reason.
 * @throws InputError for an unknown scenario or a named one that cannot run here
 * @example planScenarios(cluster, ['kill-stack'], faults, settings).run[0].name // 'kill-stack'
 */
export function planScenarios(c: ClusterModel, names: readonly string[], faults: Faults, settings: FailoverSettings): ScenarioPlan {
  const plan: ScenarioPlan = { run: [], skipped: [] };
  for (const s of pickScenarios(names)) {
    const why = whyNot(s, c, faults, settings);
    if (why && names.length) throw new InputError(`scenario ${s.name} cannot run on cluster ${c.name}: ${why}`);
    if (why) plan.skipped.push({ name: s.name, reason: why });
    else plan.run.push(s);
  }
  return plan;
}

/** The refusal to start on an unhealthy cluster, naming every failing check. */
export class UnhealthyClusterError extends NodeError {
  constructor(readonly health: Health) {
    const bad = health.checks.filter((c) => !c.ok);
    super(`the cluster is not healthy: refusing to inject faults (${bad.map((c) => c.check).join(', ')})`, {
      output: bad.map((c) => `✘ ${c.check}: ${c.detail}`).join('\n'),
      hint:
        'fix what is listed (`hactl smoke -i INVENTORY` shows the same checks); ' +
        'resources on the slave: move them back, or set vars.failover.move_back: false',
    });
    this.name = 'UnhealthyClusterError';
  }
}

/**
 * Pre-flight: the cluster must be healthy, with the resources on the master when restore
 * moves them back (else on either twin).
 * @throws UnhealthyClusterError naming what is wrong
 * @example await preflight(cluster, connector, new NodeRunner(cluster, connector), failoverSettings(cluster));
 */
export async function preflight(c: ClusterModel, connector: Connector, runner: NodeRunner, settings: FailoverSettings): Promise<Health> {
  const health = await checkHealth(c, connector, runner, { expectOn: settings.moveBack ? c.master.name : undefined });
  if (!health.ok) throw new UnhealthyClusterError(health);
  return health;
}
