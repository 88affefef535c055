import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { InputError } from '../core/errors.js';
import { isSecret } from '../core/secret.js';

/** The package's own templates/ folder: from src/render (tests) or dist/src/render (built). */
export const TEMPLATES_DIR = packageDir('templates');

/** A top-level folder of the hactl package, found by walking up from this module. */
export function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, name))) return join(dir, name);
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..', name);
}

const hb = Handlebars.create();

/** Strict mode does not cover helper arguments, so every helper checks its own. */
function strictHelper(name: string, fn: (...args: never[]) => unknown): void {
  hb.registerHelper(name, (...args: unknown[]) => {
    const params = args.slice(0, -1); // the last argument is handlebars' options object
    const i = params.findIndex((a) => a === undefined);
    if (i >= 0) throw new Error(`helper \`${name}\` was given an undefined value (argument ${i + 1})`);
    return (fn as (...a: unknown[]) => unknown)(...params);
  });
}
// Secrets are objects; in a template they render as their real value (the file needs it),
// while every log and diff of that file is masked by the file task.
strictHelper('secret', (v: unknown) => (isSecret(v) ? v.reveal() : String(v)));
strictHelper('eq', (a: unknown, b: unknown) => a === b);
strictHelper('join', (list: unknown[], sep: string) => list.join(sep));
strictHelper('add', (a: number, b: number) => Number(a) + Number(b));
strictHelper('mul', (a: number, b: number) => Number(a) * Number(b));
hb.registerHelper('default', (v: unknown, d: unknown) => (v === undefined || v === null || v === '' ? d : v));

const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Absolute template path: absolute as is, else relative to `baseDir`, else to templates/. */
export function resolveTemplate(src: string, baseDir?: string): string {
  if (isAbsolute(src)) return src;
  if (baseDir) {
    const p = join(baseDir, src);
    try {
      readFileSync(p);
      return p;
    } catch {
      /* fall through to the package's templates */
    }
  }
  return join(TEMPLATES_DIR, src);
}

/**
 * Renders a handlebars template in strict mode: a variable the template uses but the data
 * lacks is an error naming the template and line, never an empty string in a config file.
 * No HTML escaping: these are config files.
 *
 * @example
 *   renderString('totem { cluster_name: {{name}} }', { name: 'lab' }, 'inline')
 */
export function renderString(source: string, data: unknown, name: string): string {
  let tpl = cache.get(source);
  if (!tpl) {
    tpl = hb.compile(source, { strict: true, noEscape: true });
    cache.set(source, tpl);
  }
  try {
    return tpl(data);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /"(.+)" not defined in .* - (\d+):(\d+)/.exec(msg) ?? /"(.+)" not defined/.exec(msg);
    throw new InputError(
      m ? `template uses \`${m[1]}\` but no such value was given` : `cannot render: ${msg.split('\n')[0]}`,
      { location: m?.[2] ? `${name}:${m[2]}:${Number(m[3]) + 1}` : name, hint: 'add the value to the inventory or the vars passed to the template' },
      { cause: err },
    );
  }
}

export function renderFile(src: string, data: unknown, baseDir?: string): string {
  const path = resolveTemplate(src, baseDir);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`template not found: ${src}`, { location: path });
  }
  return renderString(source, data, path);
}
