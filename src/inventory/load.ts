/**
 * Reading an inventory: YAML → schema check → defaults → semantic checks → ClusterModel.
 * Every problem is collected (not just the first) and thrown as one InputErrors, each
 * with `file:line:col`, the field path and a hint.
 */
import { constants, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { InputError, InputErrors } from '../core/errors.js';
import { controlCharacterErrors } from './control.js';
import type { ClusterModel } from './model.js';
import { canonicalRole } from './model.js';
import type { RawInventory } from './raw.js';
import { finishModel, resolveDraft } from './resolve.js';
import { checkSemantics } from './semantic.js';
import { type FieldPath, formatPath, SourceMap } from './source.js';
import { validateSchema } from './validate.js';

/**
 * Reads and validates an inventory file.
 * @throws InputErrors listing every problem found (exit code 2)
 * @example
 *   const model = await loadInventory('inventory/lab.yaml');
 *   console.log(model.master.address); // 10.77.0.11
 */
export async function loadInventory(file: string): Promise<ClusterModel> {
  return parseInventory(await readInventoryText(file), file);
}

/** Inventories are hand-written: a larger file is a mistake (or an attack on the parser's memory). */
export const MAX_INVENTORY_BYTES = 1024 * 1024;

/**
 * Reads an inventory file, refusing what is not a regular file (a FIFO would block the
 * read forever, a device never end) or is larger than MAX_INVENTORY_BYTES, before reading
 * it. Opened non-blocking, then checked on the open descriptor: no window for a swap.
 * @throws InputError naming the file and why
 */
export async function readInventoryText(file: string): Promise<string> {
  const refuse = (why: string, hint = 'pass the inventory file with -i FILE', cause?: unknown): InputError =>
    new InputError(`cannot read inventory ${file}: ${why}`, { location: file, hint }, cause === undefined ? undefined : { cause });
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message, undefined, err);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse(`not a regular file (${fileKind(st)})`, 'an inventory is a YAML file; pass its path with -i FILE');
    if (st.size > MAX_INVENTORY_BYTES) {
      throw refuse(`${st.size} bytes is more than the ${MAX_INVENTORY_BYTES} (1 MiB) an inventory may have`, 'is this the right file?');
    }
    // read one byte more than allowed: a file that grew since the stat is refused too
    const buf = Buffer.alloc(MAX_INVENTORY_BYTES + 1);
    let len = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, len, buf.length - len, null);
      if (bytesRead === 0) break;
      len += bytesRead;
      if (len > MAX_INVENTORY_BYTES) throw refuse(`more than ${MAX_INVENTORY_BYTES} bytes (1 MiB)`, 'is this the right file?');
    }
    return buf.subarray(0, len).toString('utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw refuse((err as Error).message, undefined, err);
  } finally {
    await fh.close();
  }
}

function fileKind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * Validates inventory text; `file` is used in messages and to resolve relative paths.
 * @throws InputErrors listing every problem found
 * @example
 *   parseInventory(yamlText, '/etc/hactl/prod.yaml').nodes.map((n) => n.name)
 */
export function parseInventory(text: string, file: string): ClusterModel {
  const lineCounter = new LineCounter();
  // uniqueKeys off: duplicate keys are found below, where the field path is known.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const src = new SourceMap(file, doc, lineCounter);
  fail([...syntaxErrors(doc, src), ...structureErrors(doc, doc.contents, [], src)]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    const hint = 'check anchors (&a) and aliases (*a)';
    throw new InputErrors([new InputError(`cannot read YAML: ${(err as Error).message}`, { location: src.at(0), hint })]);
  }
  // a field with a control character fails its pattern too: the more precise message wins
  const control = controlCharacterErrors(data, src);
  const fields = new Set(control.map((e) => e.details.field));
  fail([...control, ...validateSchema(data, src).filter((e) => !fields.has(e.details.field))]);
  const raw = data as RawInventory;
  // promoted/unpromoted (Pacemaker 2.1's words) are the howtos' master/slave from here on
  for (const n of raw.nodes) n.role = canonicalRole(n.role);
  const draft = resolveDraft(raw, file);
  fail(checkSemantics(raw, draft, src));
  return finishModel(draft);
}

/**
 * `file:line:col` of a field of an inventory file, for problems found later than loading
 * (on a node: a resource agent that is not installed). Best effort: the file as it is now,
 * or just the file name when it cannot be read.
 * @example locateField('/etc/hactl/prod.yaml', ['pacemaker', 'resources', 0, 'agent']) // "/etc/hactl/prod.yaml:88:14"
 */
export function locateField(file: string, path: FieldPath): string {
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, uniqueKeys: false });
    return new SourceMap(file, doc, lineCounter).locate(path);
  } catch {
    return file;
  }
}

/** Throws the errors (sorted by position) if there are any. */
function fail(errors: InputError[]): void {
  if (errors.length === 0) return;
  const pos = (e: InputError) => (/:(\d+):(\d+)$/.exec(e.details.location ?? '') ?? []).slice(1).map(Number);
  const sorted = [...errors].sort((a, b) => {
    const [la = 0, ca = 0] = pos(a);
    const [lb = 0, cb = 0] = pos(b);
    return la - lb || ca - cb;
  });
  throw new InputErrors(sorted);
}

const SYNTAX_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML does not allow tabs for indentation; use spaces',
  MULTIPLE_DOCS: 'keep one document per inventory file (remove the extra `---`)',
  BAD_INDENT: 'check the indentation: entries of one mapping must line up',
  MISSING_CHAR: 'a bracket or quote is not closed',
  MULTILINE_IMPLICIT_KEY: 'a `key:` must fit on one line; check for a missing `:` or quote',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation and that every `key:` has a space after the colon',
};

function syntaxErrors(doc: Document.Parsed, src: SourceMap): InputError[] {
  return doc.errors.map((e) => {
    // The library's own advice ("please use parseAllDocuments()") is not for users.
    const message = e.message.replace(/ at line \d+, column \d+.*$/s, '').replace(/; please use .*$/s, '');
    const path = e.code === 'MULTIPLE_DOCS' ? [] : src.pathAt(e.pos[0]);
    return new InputError(`YAML syntax error: ${message}`, {
      location: src.at(e.pos[0]),
      ...(path.length ? { field: formatPath(path) } : {}),
      hint:
        (/end with an? [\]}]/.test(message) ? 'a `[` or `{` is not closed' : SYNTAX_HINTS[e.code]) ??
        'check indentation and quote values containing `: `, `#`, `{`, `[` or starting with `*`, `&`, `!`',
    });
  });
}

/**
 * Finds keys repeated within one mapping (YAML would silently keep the last) and aliases
 * (`*a`) without an earlier anchor, each with its field path.
 */
function structureErrors(doc: Document.Parsed, node: unknown, path: FieldPath, src: SourceMap): InputError[] {
  if (isAlias(node) && !node.resolve(doc)) {
    const hint = `define the anchor (&${node.source}) before using it, or quote the value if it is not meant as an alias`;
    return [new InputError(`unknown alias *${node.source}`, { location: src.at(node.range?.[0] ?? 0), field: formatPath(path), hint })];
  }
  const out: InputError[] = [];
  if (isSeq(node)) node.items.forEach((item, i) => out.push(...structureErrors(doc, item, [...path, i], src)));
  if (!isMap(node)) return out;
  const first = new Map<string, number>();
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const start = pair.key.range?.[0] ?? 0;
    const prev = first.get(key);
    if (prev === undefined) {
      first.set(key, start);
      out.push(...structureErrors(doc, pair.value, [...path, key], src));
    } else {
      out.push(
        new InputError(`duplicate key \`${key}\` (first at ${src.at(prev).slice(src.file.length + 1)})`, {
          location: src.at(start),
          field: formatPath([...path, key]),
          hint: 'remove one of them; YAML would silently keep only the last',
        }),
      );
    }
  }
  return out;
}
