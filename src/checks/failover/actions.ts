/** Small cluster actions shared by scenarios and restore: where the VIP is, moving it. */
import { NodeError } from '../../core/errors.js';
import { holdsAddressCommand } from '../../facts/addresses.js';
import type { NodeModel } from '../../inventory/model.js';
import { until } from './nodes.js';
import type { FailoverEnv } from './scenario.js';

/**
 * Twins holding the VIP now (unreachable twins count as not holding it).
 * @example await vipHolders(env) // ['master']
 */
export async function vipHolders(env: Pick<FailoverEnv, 'cluster' | 'runner'>): Promise<string[]> {
  const vip = env.cluster.floatingIps[0];
  if (!vip) return [];
  const twins = [env.cluster.master, env.cluster.slave];
  const has = await Promise.all(twins.map((n) => env.runner.test(n, holdsAddressCommand(vip.address), 5000)));
  return twins.filter((_, i) => has[i]).map((n) => n.name);
}

/** Waits until `node` alone holds the VIP. */
export async function waitHolder(
  env: Pick<FailoverEnv, 'cluster' | 'runner' | 'signal'>,
  node: NodeModel,
  timeoutMs: number,
): Promise<boolean> {
  return until(
    async () => {
      const h = await vipHolders(env);
      return h.length === 1 && h[0] === node.name;
    },
    timeoutMs,
    300,
    env.signal,
  );
}

/**
 * Moves the resources from one twin to the other the stack's planned way (crm_resource
 * --move then --clear; heartbeat's hb_standby) and waits until the VIP is there.
 * @throws NodeError when the move command fails or the VIP does not arrive in time
 * @example await moveResources(env, cluster.master, cluster.slave);
 */
export async function moveResources(env: FailoverEnv, from: NodeModel, to: NodeModel, timeoutMs = 90_000): Promise<void> {
  const m = env.ops.move(env.cluster, from, to);
  env.log(`moving the resources from ${from.name} to ${to.name}`);
  await env.runner.sh(m.on, m.command, `moving the resources to ${to.name}`, timeoutMs);
  if (!(await waitHolder(env, to, timeoutMs))) {
    throw new NodeError(`the resources did not arrive on ${to.name} within ${Math.round(timeoutMs / 1000)} s`, {
      host: to.name,
      hint: env.ops.diagnoseHint,
    });
  }
}
