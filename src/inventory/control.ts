/**
 * No inventory string holds a control character. Values end up in config files whose
 * syntax is line-based (ha.cf, haresources, corosync.conf, drbd.conf, ldirectord.cf) and
 * in shell command lines: a newline in any of them adds a directive or a command, and a
 * NUL cuts a value short. One walk over every key and value of the parsed YAML covers
 * the free `vars` too, which the schema cannot see into.
 */
import type { InputError } from '../core/errors.js';
import { controlCharacterIn } from '../core/text.js';
import type { FieldPath, SourceMap } from './source.js';

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
