/**
 * Schema validation with ajv, translated into located, human error messages.
 * ajv reports JSON pointers (`/nodes/1/address`); SourceMap turns them into line:col.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { InputError } from '../core/errors.js';
// precompiled by ajv from inventorySchema (`npm run gen:validator`; a unit test keeps it current)
import precompiled from './schema-validator.generated.js';
import type { FieldPath, SourceMap } from './source.js';
import { suggest } from './suggest.js';

type Schema = { title?: string; description?: string; properties?: Record<string, Schema>; type?: string | string[] };

/**
 * The validator, compiled at development time (compiling at start-up cost ~180 ms of every
 * run). verbose: errors carry the failing value and the schema, which give messages and hints.
 */
const validator = (): ValidateFunction => precompiled as unknown as ValidateFunction;

/**
 * Validates parsed YAML against `inventorySchema`.
 * @returns one InputError per problem, located in the YAML source; empty when valid.
 * @example
 *   const errors = validateSchema(doc.toJS(), sourceMap);
 */
export function validateSchema(data: unknown, src: SourceMap): InputError[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const explained = typoTargets(errors);
  const out: InputError[] = [];
  const seen = new Set<string>();
  const typed = new Set<string>();
  for (const e of errors) {
    // `if` failures only say "must match then/else"; the branch's own errors follow.
    if (e.keyword === 'if') continue;
    // a bad key fails `propertyNames` and, with `propertyName` set, the key's own pattern: one message
    if (e.keyword === 'propertyNames') continue;
    // `adress:` makes `address` missing too; the did-you-mean error already says so.
    if (e.keyword === 'required' && explained.has(`${e.instancePath}/${String(e.params['missingProperty'])}`)) continue;
    // A value of the wrong type fails both `type: [string, object]` and the else branch.
    if (e.keyword === 'type' && typed.has(e.instancePath)) continue;
    if (e.keyword === 'type') typed.add(e.instancePath);
    const err = toInputError(e, data, src);
    const key = `${err.details.location}|${err.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(err);
  }
  return out;
}

/** `instancePath/key` of every allowed key that an unknown key looks like a typo of. */
function typoTargets(errors: ErrorObject[]): Set<string> {
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = Object.keys((e.parentSchema as Schema | undefined)?.properties ?? {});
    const near = suggest(String(e.params['additionalProperty']), allowed);
    if (near) out.add(`${e.instancePath}/${near}`);
  }
  return out;
}

/** JSON pointer → field path (numbers for array indexes). */
function pointerToPath(pointer: string, data: unknown): FieldPath {
  const path: Array<string | number> = [];
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(cur) ? Number(seg) : seg;
    path.push(key);
    cur = (cur as Record<string | number, unknown> | undefined)?.[key];
  }
  return path;
}

function toInputError(e: ErrorObject, root: unknown, src: SourceMap): InputError {
  const path = pointerToPath(e.instancePath, root);
  const schema = (e.parentSchema ?? {}) as Schema;
  const what = schema.title ?? 'value';
  const got = describe(e.data);
  const p = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) {
    const near = e.keyword === 'enum' ? suggest(e.propertyName, (p['allowedValues'] as unknown[]).map(String)) : undefined;
    const hint = near ? `did you mean \`${near}\`?` : schema.description;
    return src.error([...path, e.propertyName], `${describe(e.propertyName)} is not a valid ${what}`, hint, true);
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      const allowed = Object.keys(schema.properties ?? {});
      const near = suggest(key, allowed);
      return src.error(
        [...path, key],
        `unknown field \`${key}\` in ${what}`,
        near ? `did you mean \`${near}\`?` : `allowed fields: ${allowed.join(', ')}`,
        true,
      );
    }
    case 'required': {
      const key = String(p['missingProperty']);
      const desc = schema.properties?.[key]?.description;
      return src.error([...path, key], `missing required field \`${key}\` in ${what}`, `add \`${key}:\`${desc ? ` — ${desc}` : ''}`);
    }
    case 'type':
      return src.error(
        path,
        `${what} must be ${typeName(p['type'])}, got ${got}`,
        path.length ? schema.description : 'an inventory is a mapping with at least cluster: and nodes: (see docs/inventory.md)',
      );
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map(String);
      const near = typeof e.data === 'string' ? suggest(e.data, allowed) : undefined;
      return src.error(
        path,
        `${what} must be one of ${allowed.join(', ')}; got ${got}`,
        near ? `did you mean \`${near}\`?` : schema.description,
      );
    }
    case 'pattern':
      return src.error(path, `${got} is not a valid ${what}`, schema.description);
    case 'minItems':
      return src.error(path, `${what} needs at least ${String(p['limit'])} entr${p['limit'] === 1 ? 'y' : 'ies'}`, schema.description);
    case 'minLength':
      return src.error(path, `${what} must not be empty`, schema.description);
    case 'minimum':
    case 'maximum':
      return src.error(path, `${what} must be ${String(p['comparison'])} ${String(p['limit'])}, got ${got}`, schema.description);
    default:
      return src.error(path, `${what} ${e.message ?? 'is invalid'}`, schema.description);
  }
}

function typeName(t: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping (key: value)',
    array: 'a list',
    string: 'a string',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    null: 'empty',
  };
  const list = Array.isArray(t) ? t : String(t).split(',');
  return list.map((x) => names[String(x)] ?? String(x)).join(' or ');
}

/** Short description of a wrong value for messages, e.g. `"abc"`, `a list`, `nothing`. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '..."' : s;
}
