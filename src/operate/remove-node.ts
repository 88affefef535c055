/**
 * `hactl remove-node NAME`: the arithmetic first (pure, before anything is touched), then
 * the live checks (healthy, holds no resources), then the node's stack stopped and
 * disabled, the inventory edited (comments kept), the shrunk cluster converged by the
 * bootstrap playbook (the new nodelist on the remaining nodes, `corosync-cfgtool -R`: a
 * reload, no restart; the node's constraints out of the CIB) and the node forgotten by
 * the cluster (`crm_node --force -R`, as `pcs cluster node remove` does). docs/day-two.md.
 */
import { readFileSync } from 'node:fs';
import { quorumProblem, requireHealthy } from '../checks/add-node.js';
import { type SmokeReport, smoke } from '../checks/smoke.js';
import { InputError, NodeError } from '../core/errors.js';
import { CRM_MON_COMMAND, parseCrmMon } from '../facts/crm-mon.js';
import { parseInventory, removeNodeFromInventoryText, writeInventoryEdit } from '../inventory/index.js';
import type { ClusterModel, NodeModel } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import type { RunSummary } from '../runtime/events.js';
import { driverOf } from '../stack/driver.js';

export type RemovePlan =
  | { kind: 'absent'; name: string; before: ClusterModel }
  | { kind: 'remove'; name: string; node: NodeModel; before: ClusterModel; after: ClusterModel; text: string };

/**
 * Why `name` cannot leave `c` (undefined: it can). Pure: the inventory before and after.
 * @example removalProblem(threeNodes, () => withoutArbitrator, 'arbitrator') // 'removing arbitrator leaves 2 voters …'
 */
export function removalProblem(before: ClusterModel, after: () => ClusterModel, name: string): string | undefined {
  const node = before.nodes.find((n) => n.name === name)!;
  if (node.role === 'master' || node.role === 'slave') {
    const why = before.drbd.length
      ? `the DRBD resources ${before.drbd.map((r) => r.name).join(', ')} replicate between the two twins`
      : 'the resources fail over between the two twins';
    return `${name} is the ${node.role}, one of the two twins: ${why}`;
  }
  // nor does it without one of the two directors (a lone director is refused)
  if (node.role === 'director')
    return `${name} is one of the two directors: the LVS group fails over between them, and a lone director is refused`;
  // the inventory without a twin does not validate: it is parsed only for the others
  const d = driverOf(before);
  const own = d.removalProblem(before, node);
  if (own) return own;
  const voters = d.voters(before);
  if (voters.some((v) => v.name === name)) {
    const left = d.voters(after()).length;
    if (left < 3) {
      return (
        `removing ${name} leaves ${left} voters: with fewer than 3, losing one twin loses quorum ` +
        '(and two_node mode needs a restart of corosync)'
      );
    }
    const even = quorumProblem(after());
    if (even) return even;
  }
  return undefined;
}

/**
 * Reads the inventory and plans the removal; refuses (InputError, nothing touched) when
 * the arithmetic says no. A name not in the inventory is a plan of kind `absent`.
 * @example planRemoveNode('inventory.yaml', 'web1').kind // 'remove'
 */
export function planRemoveNode(file: string, name: string): RemovePlan {
  const original = readFileSync(file, 'utf8');
  const before = parseInventory(original, file);
  const node = before.nodes.find((n) => n.name === name);
  if (!node) return { kind: 'absent', name, before };
  const text = removeNodeFromInventoryText(original, name);
  const problem = removalProblem(before, () => parseInventory(text, file), name);
  if (problem) {
    throw new InputError(`${name} stays in cluster ${before.name}: ${problem}`, {
      location: file,
      hint:
        node.role === 'master' || node.role === 'slave' || node.role === 'director'
          ? `to retire its machine, replace it: hactl add-node NEW --replace ${name} --address ADDRESS`
          : 'add a node (or an arbitrator) first, so the cluster keeps a majority without it',
    });
  }
  return { kind: 'remove', name, node, before, after: parseInventory(text, file), text };
}

/**
 * The resources `name` holds now, from crm_mon on the first other member that answers
 * (stacks without a CIB: non-twins hold nothing).
 */
export function resourcesOn(crmMonXml: string, name: string): string[] {
  return parseCrmMon(crmMonXml)
    .resources.filter((r) => r.active && r.nodes.includes(name))
    .map((r) => r.id);
}

export type RemoveEvent = { type: 'step'; message: string } | { type: 'inventory'; file: string; backup: string };

export interface RemoveResult {
  node: string;
  /** false: it was not in the inventory (a second run) */
  removed: boolean;
  /** the node could not be reached to stop its stack (it is gone already) */
  unreachable?: string;
  seconds: number;
  run?: RunSummary;
  smoke?: SmokeReport;
  ok: boolean;
}

export interface RemoveOptions {
  inventory: string;
  connector: Connector;
  /** runs the bootstrap playbook on the shrunk cluster (the CLI's, with its progress view) */
  bootstrap(cluster: ClusterModel): Promise<RunSummary>;
  onEvent?(e: RemoveEvent): void;
}

/**
 * Carries out a plan; the caller holds the run lock. Nothing here prints.
 * @example await removeNode(planRemoveNode(file, 'web1'), { inventory: file, connector, bootstrap })
 */
export async function removeNode(plan: RemovePlan, o: RemoveOptions): Promise<RemoveResult> {
  const t0 = Date.now();
  if (plan.kind === 'absent') return { node: plan.name, removed: false, seconds: 0, ok: true };
  const emit = (e: RemoveEvent): void => o.onEvent?.(e);
  const { before, after, name, node } = plan;
  const d = driverOf(before);
  // the node may be dead already (retired hardware): it need not answer
  requireHealthy(await smoke(before, o.connector, { absent: [name] }), before);
  if (d.cib) {
    const peer = after.master;
    const held = resourcesOn((await (await o.connector.get(peer)).exec(CRM_MON_COMMAND)).stdout, name);
    if (held.length) {
      throw new NodeError(`${name} holds ${held.join(', ')}: move them away first, nothing was changed`, {
        host: name,
        hint: `hactl standby ${name} -i ${o.inventory} (or crm_resource --move), then remove-node again`,
      });
    }
  }
  let unreachable: string | undefined;
  if (d.runsStack(before).some((n) => n.name === name)) {
    emit({ type: 'step', message: `stopping and disabling the ${d.name} stack on ${name}` });
    try {
      const r = await (await o.connector.get(node)).exec(d.stopCommand);
      if (r.code !== 0) throw new NodeError(`could not stop the stack on ${name}`, { host: name, output: r.stderr });
    } catch (e) {
      if (e instanceof NodeError && e.message.startsWith('could not stop')) throw e;
      unreachable = (e as Error).message;
      emit({ type: 'step', message: `${name} does not answer (${unreachable}): taken out of the cluster without stopping it` });
    }
  }
  const backup = writeInventoryEdit(o.inventory, plan.text);
  emit({ type: 'inventory', file: o.inventory, backup });
  emit({ type: 'step', message: `converging ${after.nodes.map((n) => n.name).join(', ')} (the nodelist without ${name}, reloaded)` });
  const run = await o.bootstrap(after);
  if (!run.ok) {
    throw new NodeError(`${name} is out of the inventory but the remaining nodes did not converge`, {
      hint: `fix the failure above, then \`hactl bootstrap -i ${o.inventory}\` completes it`,
    });
  }
  const forget = d.forgetNodeCommand?.(name);
  if (forget) {
    emit({ type: 'step', message: `${name} forgotten by the cluster: ${forget.split(' >')[0]}` });
    const f = await (await o.connector.get(after.master)).exec(forget);
    if (f.code !== 0)
      emit({ type: 'step', message: `warning: Pacemaker still lists ${name}: ${f.stderr.trim()} (\`crm_node -R ${name} --force\` again)` });
  }
  const report = await smoke(after, o.connector);
  return { node: name, removed: true, unreachable, seconds: (Date.now() - t0) / 1000, run, smoke: report, ok: report.ok };
}
