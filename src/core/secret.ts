import { inspect } from 'node:util';

/**
 * A value that must never be printed: logs, diffs, errors and JSON all show `***`.
 * Only `reveal()` gives the real value, for writing it to a node.
 *
 * @example
 *   const key = new Secret(randomBytes(128).toString('base64'));
 *   `${key}` === '***'; JSON.stringify({ key }) === '{"key":"***"}'
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
  [inspect.custom](): string {
    return 'Secret(***)';
  }
}

/** Every secret value seen in this process; `mask()` removes them from any text. */
const known = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values would mask innocent text; secrets here are keys, not PINs.
  if (value.length >= 6) known.add(value);
}

/** Replaces every known secret value in `text` with `***`. */
export function mask(text: string): string {
  let out = text;
  for (const v of known) {
    if (out.includes(v)) out = out.split(v).join('***');
  }
  return out;
}

export function isSecret(v: unknown): v is Secret {
  return v instanceof Secret;
}
