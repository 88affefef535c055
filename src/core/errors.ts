/**
 * Error classes. A HactlError is the user's or the environment's fault and is shown as one
 * clear message (with location and hint), never a stack trace. Anything else is a bug.
 *
 * Exit codes (stable, documented in the README):
 *   0 success · 1 failure on nodes / could not check · 2 bad input (inventory, arguments)
 */
export type ErrorKind = 'input' | 'node' | 'internal';

export interface ErrorDetails {
  /** e.g. "inventory.yaml:12:5" */
  location?: string;
  /** dotted field path, e.g. "nodes[1].address" */
  field?: string;
  /** host the failure happened on */
  host?: string;
  /** one-line advice for the user */
  hint?: string;
  /** extra output to show (validator output, stderr); already masked */
  output?: string;
}

export class HactlError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;
  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HactlError';
    this.kind = kind;
    this.details = details;
  }
  get exitCode(): number {
    return this.kind === 'input' ? 2 : 1;
  }
}

/** Bad inventory, bad arguments, bad template variable: exit 2. */
export class InputError extends HactlError {
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('input', message, details, options);
    this.name = 'InputError';
  }
}

/** Something on a node failed (unreachable, auth, validation, command): exit 1. */
export class NodeError extends HactlError {
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('node', message, details, options);
    this.name = 'NodeError';
  }
}

/** Several input errors found at once (e.g. every schema violation of an inventory). */
export class InputErrors extends InputError {
  readonly errors: InputError[];
  constructor(errors: InputError[]) {
    super(`${errors.length} problem${errors.length === 1 ? '' : 's'} found`, {});
    this.name = 'InputErrors';
    this.errors = errors;
  }
}

/** Formats an error for a terminal without colours (the CLI adds colour). */
export function formatError(err: HactlError): string {
  const list = err instanceof InputErrors ? err.errors : [err];
  return list
    .map((e) => {
      const d = e.details;
      const where = [d.host, d.location].filter(Boolean).join(' ');
      let s = `${where ? where + ': ' : ''}${e.message}`;
      if (d.field && !e.message.includes(d.field)) s += ` (field ${d.field})`;
      if (d.output)
        s +=
          '\n' +
          d.output
            .replace(/\s+$/, '')
            .split('\n')
            .map((l) => '    ' + l)
            .join('\n');
      if (d.hint) s += `\n  hint: ${d.hint}`;
      return s;
    })
    .join('\n');
}
