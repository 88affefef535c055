/**
 * Editing inventory text in place (for `hactl add-node`): the yaml Document API keeps
 * comments, blank lines, quoting and flow/block style of everything not touched.
 */
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Role } from './model.js';

export interface NewNode {
  name: string;
  address: string;
  role: Role;
  node_id?: number;
}

/**
 * Appends a node to `nodes:`. Appending (never inserting) keeps the position-based node
 * ids of the existing nodes stable. The result is not validated: run parseInventory on it.
 * @throws InputError when the text has no `nodes:` list or already has that name/address
 * @example
 *   const text = await readFile('inventory.yaml', 'utf8');
 *   await writeFile('inventory.yaml', addNodeToInventoryText(text, { name: 'node3', address: '10.77.0.14', role: 'service' }));
 */
export function addNodeToInventoryText(text: string, node: NewNode): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) {
    throw new InputError(`cannot edit the inventory: ${doc.errors[0]!.message}`, { hint: 'fix the YAML first (hactl inventory check)' });
  }
  const nodes = doc.get('nodes', true);
  if (!isSeq(nodes)) throw new InputError('the inventory has no `nodes:` list to add to', { field: 'nodes' });
  for (const existing of nodes.items) {
    if (!isMap(existing)) continue;
    for (const key of ['name', 'address'] as const) {
      if (scalarOf(existing, key) === node[key]) {
        throw new InputError(`a node with ${key} ${node[key]} is already in the inventory`, { field: 'nodes', hint: `pick another ${key}` });
      }
    }
  }
  const entry = doc.createNode({
    name: node.name,
    address: node.address,
    role: node.role,
    ...(node.node_id === undefined ? {} : { node_id: node.node_id }),
  });
  // Follow the file's style: `- { name: ..., ... }` lists get a flow mapping too.
  const last = nodes.items[nodes.items.length - 1];
  if (isMap(last) && last.flow) entry.flow = true;
  nodes.items.push(entry);
  // lineWidth 0: never re-fold long lines the user wrote.
  return doc.toString({ lineWidth: 0 });
}

function scalarOf(map: YAMLMap, key: string): unknown {
  const v = map.get(key, true);
  return isScalar(v) ? v.value : undefined;
}
