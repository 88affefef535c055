/**
 * Editing inventory text in place (for `hactl add-node`). The yaml Document API finds
 * where `nodes:` ends; the new entry is spliced into the text there, so every other byte
 * (comments, their alignment, blank lines, quoting) stays exactly as the user wrote it.
 * Re-stringifying the whole document would re-flow comment alignment.
 */
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Document, isMap, isScalar, isSeq, parseDocument, stringify, type YAMLMap, type YAMLSeq } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Role } from './model.js';

/**
 * Writes an edited inventory over `file`: the old text kept as FILE.hactl-bak, the new one
 * written beside it and renamed over the file (a reader never sees half of it). Returns the
 * backup's path.
 * @example writeInventoryEdit('inventory.yaml', text) // 'inventory.yaml.hactl-bak'
 */
export function writeInventoryEdit(file: string, text: string): string {
  const backup = `${file}.hactl-bak`;
  copyFileSync(file, backup);
  writeFileSync(`${file}.hactl-tmp`, text);
  renameSync(`${file}.hactl-tmp`, file);
  return backup;
}

export interface NewNode {
  name: string;
  address: string;
  role: Role;
  node_id?: number;
  /** its addresses on the extra networks (cluster.networks), e.g. { backplane: '10.10.0.14' } */
  addresses?: Record<string, string>;
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
  rejectDuplicate(nodes, node);
  const fields: Field[] = [
    ['name', node.name],
    ['address', node.address],
    ['role', node.role],
  ];
  if (node.node_id !== undefined) fields.push(['node_id', node.node_id]);
  if (node.addresses && Object.keys(node.addresses).length) fields.push(['addresses', node.addresses]);
  return spliceBlockItem(text, nodes, fields) ?? restringify(doc, nodes, fields);
}

function rejectDuplicate(nodes: YAMLSeq, node: NewNode): void {
  for (const existing of nodes.items) {
    if (!isMap(existing)) continue;
    for (const key of ['name', 'address'] as const) {
      if (scalarOf(existing, key) === node[key]) {
        throw new InputError(`a node with ${key} ${node[key]} is already in the inventory`, {
          field: 'nodes',
          hint: `pick another ${key}`,
        });
      }
    }
  }
}

/**
 * Inserts the entry as text after the last item of a block sequence, with the same
 * indentation and the same style (block or `{ flow }`) as that item.
 * Returns undefined for layouts it does not handle (flow or empty lists).
 */
type Field = [string, string | number | Record<string, string>];

function spliceBlockItem(text: string, nodes: YAMLSeq, fields: Field[]): string | undefined {
  const last = nodes.items[nodes.items.length - 1];
  if (nodes.flow || !isMap(last) || !last.range) return undefined;
  const [start, valueEnd] = last.range;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const prefix = text.slice(lineStart, start);
  const m = /^( *)- +$/.exec(last.flow ? prefix.replace(/\{$/, '') : prefix);
  if (!m) return undefined;
  const dash = m[1]!;
  const keyIndent = ' '.repeat(prefix.length);
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const scalar = (v: string | number) => stringify(v, { lineWidth: 0 }).trimEnd();
  // a map (addresses) as one flow line, e.g. { backplane: 10.10.0.14 }
  const value = (v: Field[1]) =>
    typeof v === 'object'
      ? `{ ${Object.entries(v)
          .map(([k, x]) => `${k}: ${scalar(x)}`)
          .join(', ')} }`
      : scalar(v);
  const entry = last.flow
    ? `${dash}- { ${fields.map(([k, v]) => `${k}: ${value(v)}`).join(', ')} }`
    : fields.map(([k, v], i) => `${i === 0 ? `${dash}- ` : keyIndent}${k}: ${value(v)}`).join(nl);
  const at = insertionPoint(text, Math.max(valueEnd - 1, start), keyIndent.length);
  if (at < 0) return `${text}${nl}${entry}${nl}`;
  return `${text.slice(0, at)}${entry}${nl}${text.slice(at)}`;
}

/**
 * Start of the line after the last item: after the line holding its end and after the
 * comment lines indented like its keys (they belong to it), or -1 at end of text.
 */
function insertionPoint(text: string, from: number, indent: number): number {
  const ownComment = new RegExp(`^ {${indent},}#`);
  const lineAt = (i: number) => {
    const end = text.indexOf('\n', i);
    return text.slice(i, end < 0 ? undefined : end);
  };
  let eol = text.indexOf('\n', from);
  while (eol >= 0 && ownComment.test(lineAt(eol + 1))) eol = text.indexOf('\n', eol + 1);
  return eol < 0 ? -1 : eol + 1;
}

/** Fallback for flow or empty lists: edit the document and re-stringify it. */
function restringify(doc: Document.Parsed, nodes: YAMLSeq, fields: Field[]): string {
  nodes.items.push(doc.createNode(Object.fromEntries(fields)));
  return doc.toString({ lineWidth: 0 });
}

function scalarOf(map: YAMLMap, key: string): unknown {
  const v = map.get(key, true);
  return isScalar(v) ? v.value : undefined;
}

/**
 * Puts a replacement node in the place of `oldName`: its name and address change in place
 * (position, role and comments stay), and it gets an explicit, new `node_id` — a corosync
 * node id belongs to one machine, so the newcomer must not inherit the old one's.
 * @example
 *   replaceNodeInInventoryText(text, 'slave', { name: 'slave2', address: '10.77.0.14', node_id: 4 })
 */
export function replaceNodeInInventoryText(
  text: string,
  oldName: string,
  repl: { name: string; address: string; node_id: number },
): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  const nodes = doc.get('nodes', true);
  if (!isSeq(nodes)) throw new InputError('the inventory has no `nodes:` list', { field: 'nodes' });
  rejectDuplicate(nodes, { ...repl, role: 'service' });
  const entry = nodes.items.find((n) => isMap(n) && scalarOf(n, 'name') === oldName) as YAMLMap | undefined;
  if (!entry)
    throw new InputError(`--replace names ${oldName}, which is not in the inventory`, {
      field: 'nodes',
      hint: 'give the name of the node being replaced',
    });
  // edits from the end of the text backwards, so earlier ranges stay valid
  const edits: Array<[number, number, string]> = [];
  const setScalar = (key: string, value: string | number): boolean => {
    const v = entry.get(key, true);
    if (!isScalar(v) || !v.range) return false;
    edits.push([v.range[0], v.range[1], stringify(value, { lineWidth: 0 }).trimEnd()]);
    return true;
  };
  setScalar('name', repl.name);
  setScalar('address', repl.address);
  if (!setScalar('node_id', repl.node_id)) {
    const last = entry.items[entry.items.length - 1];
    const end = isScalar(last?.value) && last.value.range ? last.value.range[1] : undefined;
    const keyStart = isScalar(last?.key) && last.key.range ? last.key.range[0] : undefined;
    if (end === undefined || keyStart === undefined)
      throw new InputError(`cannot edit the entry of ${oldName} in place`, { hint: 'edit the inventory by hand' });
    const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
    edits.push([end, end, entry.flow ? `, node_id: ${repl.node_id}` : `\n${' '.repeat(indent)}node_id: ${repl.node_id}`]);
  }
  let out = text;
  for (const [a, b, s] of edits.sort((x, y) => y[0] - x[0])) out = out.slice(0, a) + s + out.slice(b);
  return out;
}

/**
 * Takes the node `name` out of `nodes:` (for `hactl remove-node`): its lines go, with the
 * comment lines indented like its keys; every other byte stays. Node ids are positions
 * unless given, so each node after it that has no `node_id` gets its current one written
 * in (a corosync node id belongs to one machine and must not move to another).
 * @throws InputError when the text has no `nodes:` list or no node of that name
 * @example removeNodeFromInventoryText(text, 'web1') // text without web1's entry
 */
export function removeNodeFromInventoryText(text: string, name: string): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) {
    throw new InputError(`cannot edit the inventory: ${doc.errors[0]!.message}`, { hint: 'fix the YAML first (hactl inventory check)' });
  }
  const nodes = doc.get('nodes', true);
  if (!isSeq(nodes)) throw new InputError('the inventory has no `nodes:` list', { field: 'nodes' });
  const index = nodes.items.findIndex((n) => isMap(n) && scalarOf(n, 'name') === name);
  if (index < 0) throw new InputError(`no node ${name} in the inventory`, { field: 'nodes' });
  const entry = nodes.items[index] as YAMLMap;
  if (nodes.flow || entry.flow || !entry.range) {
    // flow lists: edit the document and re-stringify it (comment alignment may change)
    for (const [i, n] of nodes.items.entries()) {
      if (i > index && isMap(n) && n.get('node_id') === undefined) n.set('node_id', i + 1);
    }
    nodes.items.splice(index, 1);
    return doc.toString({ lineWidth: 0 });
  }
  const edits: Array<[number, number, string]> = [];
  const [start, valueEnd] = entry.range;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const keyIndent = start - lineStart;
  const end = insertionPoint(text, Math.max(valueEnd - 1, start), keyIndent);
  edits.push([lineStart, end < 0 ? text.length : end, '']);
  for (const [i, n] of nodes.items.entries()) {
    if (i <= index || !isMap(n) || n.get('node_id') !== undefined) continue;
    // after the scalar `name:` (the last key may hold a map, e.g. ssh:)
    const pair = n.items.find((p) => isScalar(p.key) && p.key.value === 'name');
    const at = pair && isScalar(pair.value) && pair.value.range ? pair.value.range[1] : undefined;
    const keyStart = pair && isScalar(pair.key) && pair.key.range ? pair.key.range[0] : undefined;
    if (at === undefined || keyStart === undefined)
      throw new InputError(`cannot keep the node id of node ${i + 1} in place`, { hint: 'give every node a node_id by hand' });
    const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
    edits.push([at, at, n.flow ? `, node_id: ${i + 1}` : `\n${' '.repeat(indent)}node_id: ${i + 1}`]);
  }
  let out = text;
  for (const [a, b, s] of edits.sort((x, y) => y[0] - x[0])) out = out.slice(0, a) + s + out.slice(b);
  return out;
}
