/**
 * Maps inventory field paths back to the YAML text, so every error can say `file:line:col`.
 * Built once per parse from the yaml Document and its LineCounter.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { InputError } from '../core/errors.js';

/** A field path: map keys and sequence indexes, e.g. ['nodes', 1, 'address']. */
export type FieldPath = ReadonlyArray<string | number>;

/**
 * Formats a path the way users read it.
 * @example formatPath(['nodes', 1, 'address']) === 'nodes[1].address'
 */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(top level)';
}

/**
 * Finds YAML nodes by field path and turns offsets into `file:line:col`.
 * @example
 *   const lines = new LineCounter();
 *   const src = new SourceMap('lab.yaml', parseDocument(text, { lineCounter: lines }), lines);
 *   src.locate(['nodes', 1, 'address']) // "lab.yaml:12:14"
 */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document.Parsed | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  /** `file:line:col` of a character offset. */
  at(offset: number): string {
    if (!this.lines) return this.file;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  /**
   * Location of the value at `path`. A missing or empty value points at its key, and a
   * missing key at the nearest enclosing value that exists (e.g. a defaulted drbd port
   * points at the drbd entry).
   */
  locate(path: FieldPath): string {
    return this.at(this.offsetOf(path, false));
  }

  /** Location of the key of the map entry at `path` (for unknown / duplicate keys). */
  locateKey(path: FieldPath): string {
    return this.at(this.offsetOf(path, true));
  }

  /** Builds an InputError located at `path` (the key when `atKey`). */
  error(path: FieldPath, message: string, hint?: string, atKey = false): InputError {
    const location = atKey ? this.locateKey(path) : this.locate(path);
    return new InputError(message, { location, field: formatPath(path), ...(hint ? { hint } : {}) });
  }

  /**
   * Field path of the innermost node containing `offset` (best effort, for syntax
   * errors: the part of the document that parsed).
   */
  pathAt(offset: number): FieldPath {
    const path: Array<string | number> = [];
    let node: unknown = this.doc?.contents;
    for (;;) {
      const inside = (n: unknown) => {
        const r = (n as Node | null)?.range;
        return !!r && r[0] <= offset && offset <= r[2];
      };
      if (isSeq(node)) {
        const i = node.items.findIndex(inside);
        if (i < 0) return path;
        path.push(i);
        node = node.items[i];
      } else if (isMap(node)) {
        const pair = node.items.find((p) => inside(p.key) || inside(p.value));
        if (!pair || !isScalar(pair.key)) return path;
        path.push(String(pair.key.value));
        if (!inside(pair.value)) return path;
        node = pair.value;
      } else return path;
    }
  }

  private offsetOf(path: FieldPath, atKey: boolean): number {
    let node: unknown = this.doc?.contents;
    let best = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      node = this.deref(node);
      if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        best = rangeStart(node) ?? best;
        continue;
      }
      if (!isMap(node)) return best;
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      const keyStart = rangeStart(pair.key) ?? best;
      const last = i === path.length - 1;
      if (last && atKey) return keyStart;
      node = pair.value;
      const value = this.deref(node);
      // `key:` with nothing after it parses as an empty null scalar: point at the key.
      const empty = !value || (isScalar(value) && value.value === null && !(value.source ?? ''));
      best = empty ? keyStart : (rangeStart(node) ?? keyStart);
      if (empty) return best;
    }
    return best;
  }

  private deref(node: unknown): unknown {
    return isAlias(node) && this.doc ? node.resolve(this.doc) : node;
  }
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}
