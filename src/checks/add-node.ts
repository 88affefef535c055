import { readFileSync } from 'node:fs';
import { InputError, NodeError } from '../core/errors.js';
import { addNodeToInventoryText, parseInventory, replaceNodeInInventoryText } from '../inventory/index.js';
import type { ClusterModel, Role } from '../inventory/model.js';
import { members } from '../stack/corosync.js';
import type { SmokeReport } from './smoke.js';

export interface AddNodeRequest {
  name: string;
  address: string;
  role?: Role;
  /** the node this one replaces (it takes over the old one's role and place) */
  replace?: string;
}

export interface AddNodePlan {
  before: ClusterModel;
  after: ClusterModel;
  /** the new inventory text (comments and formatting of the rest kept) */
  text: string;
  /** the node being replaced, if any */
  replaced?: string;
}

/**
 * Works out the new inventory and checks it before anything is touched: the name and
 * address are new, the result validates, and the quorum arithmetic still holds.
 *
 * @example
 *   const plan = planAddNode('inventory.yaml', { name: 'web3', address: '10.77.0.14', role: 'service' });
 *   plan.after.nodes.length === plan.before.nodes.length + 1
 */
export function planAddNode(file: string, req: AddNodeRequest): AddNodePlan {
  const original = readFileSync(file, 'utf8');
  const before = parseInventory(original, file);
  let text: string;
  if (req.replace) {
    if (!before.nodes.some((n) => n.name === req.replace)) {
      throw new InputError(`--replace ${req.replace}: no such node in ${file}`, { hint: `nodes are ${before.nodes.map((n) => n.name).join(', ')}` });
    }
    const nodeId = Math.max(...before.nodes.map((n) => n.nodeId)) + 1;
    text = replaceNodeInInventoryText(original, req.replace, { name: req.name, address: req.address, node_id: nodeId });
  } else {
    if (!req.role) throw new InputError('add-node needs --role (service, realserver, director, …) or --replace OLD');
    if (req.role === 'master' || req.role === 'slave') {
      throw new InputError(`a cluster has one ${req.role}`, { hint: `to put a new machine in the ${req.role}'s place, use --replace ${req.role === 'master' ? before.master.name : before.slave.name}` });
    }
    text = addNodeToInventoryText(original, { name: req.name, address: req.address, role: req.role });
  }
  const after = parseInventory(text, file);
  const problem = quorumProblem(after);
  if (problem) throw new InputError(problem, { hint: 'add an arbitrator (role: arbitrator) first, or add nodes two at a time' });
  return { before, after, text, replaced: req.replace };
}

/** Votequorum with an even number of votes and nothing to break a tie is a trap. */
export function quorumProblem(c: ClusterModel): string | undefined {
  if (c.stack !== 'pacemaker') return undefined;
  const votes = members(c).length;
  if (votes > 2 && votes % 2 === 0 && !c.arbitrator) {
    return `this would make ${votes} votes with no arbitrator: a split down the middle would leave no side with quorum`;
  }
  return undefined;
}

/** Refuses to grow a cluster that is not healthy now, naming what is wrong. */
export function requireHealthy(report: SmokeReport, c: ClusterModel): void {
  const bad = report.checks.filter((k) => !k.ok);
  if (!bad.length) return;
  throw new NodeError(`cluster ${c.name} is not healthy, so no node is added`, {
    output: bad.map((k) => `${k.check}: ${k.detail}`).join('\n'),
    hint: 'repair it first (hactl smoke -i … shows the state; hactl bootstrap -i … converges)',
  });
}
