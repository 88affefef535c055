import { chalkStderr } from 'chalk';
import { formatError, HactlError, InputErrors } from '../core/errors.js';
import { mask } from '../core/secret.js';
import { hactlVersion } from '../core/version.js';

/** One clear message on stderr, secrets masked, no stack trace. */
export function printError(err: HactlError): void {
  const text = mask(formatError(err));
  const [first, ...rest] = text.split('\n');
  process.stderr.write(`${chalkStderr.red('error')} ${first}\n${rest.length ? rest.join('\n') + '\n' : ''}`);
}

let jsonPrinted = false;

/** Whether this process printed its `--json` document already (main() prints one on failure only if not). */
export function jsonDocumentPrinted(): boolean {
  return jsonPrinted;
}

/**
 * Prints a command's `--json` document on stdout: `version` (this hactl's) first, then the
 * value's own keys. Secrets are Secret objects and serialise as ***; known secret values
 * are masked as well. docs/json.md describes each command's document.
 */
export function printJson(value: object): void {
  jsonPrinted = true;
  // version first in the text, and the value cannot override it
  const doc = Object.assign({ version: hactlVersion() }, value, { version: hactlVersion() });
  process.stdout.write(mask(JSON.stringify(doc, null, 2)) + '\n');
}

/** Prints a JSON value as it is (e.g. the inventory's JSON Schema, which is not a `--json` document). */
export function printRawJson(value: unknown): void {
  process.stdout.write(mask(JSON.stringify(value, null, 2)) + '\n');
}

/** The `error` object of a failed command's `--json` document (docs/json.md). */
export interface JsonError {
  message: string;
  /** input: bad inventory or arguments (exit 2); node: a node or the environment (exit 1); internal: a bug */
  kind: 'input' | 'node' | 'internal';
  host?: string;
  file?: string;
  line?: number;
  column?: number;
  field?: string;
  hint?: string;
  /** a validator's or command's own output */
  output?: string;
  /** every problem, when several were found at once (an inventory's schema errors) */
  problems?: JsonError[];
}

/** `file:line:col`, `file:line` or `file` → its parts. */
export function splitLocation(location: string): { file: string; line?: number; column?: number } {
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(location);
  if (!m?.[1]) return { file: location };
  return { file: m[1], line: Number(m[2]), ...(m[3] ? { column: Number(m[3]) } : {}) };
}

/**
 * An error as the `error` object of a `--json` document.
 * @example
 *   jsonError(new InputError('bad', { location: 'inv.yaml:3:5', hint: 'fix it' }))
 *   // { message: 'bad', kind: 'input', file: 'inv.yaml', line: 3, column: 5, hint: 'fix it' }
 */
export function jsonError(err: unknown): JsonError {
  if (!(err instanceof HactlError)) {
    return {
      message: String((err as Error)?.message ?? err),
      kind: 'internal',
      hint: 'this is a bug in hactl: please report it with the output of --debug',
    };
  }
  const d = err.details;
  const out: JsonError = { message: err.message, kind: err.kind };
  if (d.host) out.host = d.host;
  if (d.location) Object.assign(out, splitLocation(d.location));
  if (d.field) out.field = d.field;
  if (d.hint) out.hint = d.hint;
  if (d.output) out.output = d.output;
  if (err instanceof InputErrors) {
    const problems = err.errors.map(jsonError);
    // one problem: it is the error; several in one file: name the file at the top as well
    if (problems.length === 1) return { ...problems[0]!, problems };
    const files = [...new Set(problems.map((p) => p.file).filter(Boolean))];
    if (!out.file && files.length === 1) out.file = files[0];
    out.problems = problems;
  }
  return out;
}

/** A failed command's one `--json` document: `{ version, ok: false, error }`. */
export function printJsonError(err: unknown): void {
  printJson({ ok: false, error: jsonError(err) });
}
