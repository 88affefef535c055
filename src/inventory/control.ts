/**
 * No inventory string holds a control character. Values end up in config files whose
 * syntax is line-based (ha.cf, haresources, corosync.conf, drbd.conf, ldirectord.cf) and
 * in shell command lines: a newline in any of them adds a directive or a command, and a
 * NUL cuts a value short. One walk over every key and value of the parsed YAML covers
 * the free `vars` too, which the schema cannot see into.
 */
import type { InputError } from '../core/errors.js';
import type { FieldPath, SourceMap } from './source.js';

/** C0 controls (tab and newline included), DEL, C1 controls, Unicode line and paragraph separators. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMES: Record<number, string> = { 0: 'NUL', 9: 'tab', 10: 'newline', 13: 'carriage return', 27: 'escape', 0x7f: 'DEL' };

/**
 * Names the first control character of `s`, or undefined when it has none.
 * @example controlCharacterIn('a\nb') === 'a newline (U+000A)'
 */
export function controlCharacterIn(s: string): string | undefined {
  const m = CONTROL_CHARACTER.exec(s);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return NAMES[code] ? `a ${NAMES[code]} (${hex})` : `the control character ${hex}`;
}

const HINT = 'inventory values are one line of printable text; a YAML block scalar (|, >) or an escape such as "\\n" or "\\t" puts one in';

/**
 * Every key and string value holding a control character, located in the YAML source.
 * @example controlCharacterErrors(doc.toJS(), sourceMap) // [] for a clean inventory
 */
export function controlCharacterErrors(data: unknown, src: SourceMap): InputError[] {
  const out: InputError[] = [];
  const walk = (v: unknown, path: FieldPath): void => {
    if (typeof v === 'string') {
      const what = controlCharacterIn(v);
      if (what) out.push(src.error(path, `value contains ${what}`, HINT));
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i]));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const what = controlCharacterIn(k);
        if (what) out.push(src.error([...path, k], `key ${JSON.stringify(k)} contains ${what}`, HINT, true));
        else walk(x, [...path, k]);
      }
    }
  };
  walk(data, []);
  return out;
}
