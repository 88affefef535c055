import { inspect } from 'node:util';

/**
 * A value that must never be printed: logs, diffs, errors and JSON all show `***`.
 * Only `reveal()` gives the real value, for writing it to a node. A secret may be lazy
 * (read from a file, a command or the environment when first revealed): it is then
 * registered for masking at that moment, before anything could print it.
 *
 * @example
 *   const key = new Secret(randomBytes(128).toString('base64'));
 *   `${key}` === '***'; JSON.stringify({ key }) === '{"key":"***"}'
 *   const pw = Secret.lazy(() => readFileSync('/root/ipmi.pw', 'utf8').trim());
 */
export class Secret {
  #value: string | undefined;
  readonly #resolve: (() => string) | undefined;
  readonly #minMask: number;
  /** `minMask`: the shortest value masked in text (a key is long; a fence password may be short) */
  constructor(value: string | (() => string), minMask = DEFAULT_MIN_MASK) {
    this.#minMask = minMask;
    if (typeof value === 'function') this.#resolve = value;
    else {
      this.#value = value;
      registerSecret(value, minMask);
    }
  }

  /** A secret resolved on first use (then cached), e.g. from a file or a command. */
  static lazy(resolve: () => string, minMask = EXPLICIT_MIN_MASK): Secret {
    return new Secret(resolve, minMask);
  }

  /** The value when it is known without reading anything (a literal, or a lazy one already read). */
  peek(): string | undefined {
    return this.#value;
  }

  reveal(): string {
    if (this.#value === undefined) {
      const v = this.#resolve!();
      registerSecret(v, this.#minMask);
      this.#value = v;
    }
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

/** Keys and generated secrets: long; shorter text is not masked (it would hit innocent words). */
const DEFAULT_MIN_MASK = 6;
/** Values the user declared secret (fence passwords): masked from 4 characters on. */
export const EXPLICIT_MIN_MASK = 4;

/** Every secret value seen in this process (and its XML-escaped form); `mask()` removes them. */
const known = new Set<string>();

const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function registerSecret(value: string, minLength = DEFAULT_MIN_MASK): void {
  if (value.length < minLength) return;
  known.add(value);
  // the same value inside an XML attribute (the CIB) must be masked as well
  const x = xmlEscape(value);
  if (x !== value) known.add(x);
}

/** Replaces every known secret value in `text` with `***` (longest first, so none is left half-masked). */
export function mask(text: string): string {
  let out = text;
  for (const v of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(v)) out = out.split(v).join('***');
  }
  return out;
}

export function isSecret(v: unknown): v is Secret {
  return v instanceof Secret;
}

/** The real value of a Secret, or the value itself. */
export function revealValue(v: string | Secret): string {
  return isSecret(v) ? v.reveal() : v;
}
