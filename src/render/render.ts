import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import { InputError } from '../core/errors.js';
import { isSecret } from '../core/secret.js';
import { controlCharacterIn } from '../core/text.js';

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

type Env = typeof Handlebars;
const requireCjs = createRequire(import.meta.url);

/**
 * Two handlebars environments with the same helpers: the runtime alone runs the templates the
 * build precompiled (every package template); the compiler (handlebars with source-map, ~45
 * modules, ~40 ms of a no-op run's start) is loaded only for a template that was not.
 */
const hb = withHelpers(requireCjs('handlebars/runtime') as Env);
let full: Env | undefined;
const compiler = (): Env => (full ??= withHelpers(requireCjs('handlebars') as Env));

function withHelpers(parent: Env): Env {
  const env = parent.create();
  /** Strict mode does not cover helper arguments, so every helper checks its own. */
  const strictHelper = (name: string, fn: (...args: never[]) => unknown): void => {
    env.registerHelper(name, (...args: unknown[]) => {
      const params = args.slice(0, -1); // the last argument is handlebars' options object
      const i = params.indexOf(undefined);
      if (i >= 0) throw new Error(`helper \`${name}\` was given an undefined value (argument ${i + 1})`);
      return (fn as (...a: unknown[]) => unknown)(...params);
    });
  };
  // Secrets are objects; in a template they render as their real value (the file needs it),
  // while every log and diff of that file is masked by the file task.
  strictHelper('secret', (v: unknown) => (isSecret(v) ? v.reveal() : String(v)));
  strictHelper('eq', (a: unknown, b: unknown) => a === b);
  strictHelper('join', (list: unknown[], sep: string) => list.join(sep));
  strictHelper('add', (a: number, b: number) => Number(a) + Number(b));
  strictHelper('mul', (a: number, b: number) => Number(a) * Number(b));
  env.registerHelper('default', (v: unknown, d: unknown) => (v === undefined || v === null || v === '' ? d : v));
  strictHelper('quoted', quoted);
  strictHelper('xmlcomment', xmlcomment);
  return env;
}

/** Text between double quotes (ldirectord.cf, Xen .cfg): those formats have no escape for `"` or `\`. */
function quoted(v: unknown): string {
  const s = String(v);
  if (/["\\]/.test(s)) {
    throw new InputError(`${JSON.stringify(s)} cannot be written between double quotes`, { hint: 'remove the `"` or `\\`' });
  }
  return s;
}
/** Text inside an XML comment, where `--` is not allowed (e.g. an LVM /dev/mapper/vg--lv path). */
function xmlcomment(v: unknown): string {
  return String(v).replace(/--/g, '- -').replace(/-$/, '- ');
}

const cache = new Map<string, HandlebarsTemplateDelegate>();

/** The cache key of a template: its format and source (so an edited template never meets a stale compilation). */
export const templateKey = (format: TemplateFormat, source: string): string =>
  createHash('sha256').update(`${format}\0${source}`).digest('hex');

/** The compile options of a template of this format (the build's precompilation uses the same). */
export const compileOptions = (format: TemplateFormat): CompileOptions => ({ strict: true, noEscape: format !== 'xml' });

/**
 * The package's templates precompiled at build time (`scripts/gen-templates.mjs` writes
 * dist/src/render/precompiled.cjs: key → handlebars' template spec). Compiling the CIB
 * template alone took ~100 ms of a 0.8 s no-op run. Absent (tests run from src/) or for
 * another source (a user's template, an edited one), the template is compiled here.
 */
let precompiled: Record<string, TemplateSpecification> | undefined;
function precompiledTemplate(key: string): HandlebarsTemplateDelegate | undefined {
  precompiled ??= loadPrecompiled(join(dirname(fileURLToPath(import.meta.url)), 'precompiled.cjs'));
  const spec = precompiled[key];
  return spec ? hb.template(spec) : undefined;
}

/** Reads a precompiled table (a missing or broken one is empty: the templates get compiled); tests pass their own. */
export function loadPrecompiled(file: string): Record<string, TemplateSpecification> {
  try {
    precompiled = existsSync(file) ? (createRequire(import.meta.url)(file) as Record<string, TemplateSpecification>) : {};
  } catch {
    precompiled = {};
  }
  cache.clear();
  return precompiled;
}

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

/** How values are written into a template's output. */
export type TemplateFormat = 'xml' | 'text';

/** `.xml.hbs` (and `.xml`) templates are XML; every other template is a line-based config file. */
export const formatOf = (name: string): TemplateFormat => (/\.xml(\.hbs)?$/.test(name) ? 'xml' : 'text');

/**
 * Every string in the data (keys too) must be one line: no config format hactl writes can
 * hold a control character in a value (a newline adds a directive; XML 1.0 cannot even
 * escape most of them). Inventory loading refuses them already; this is the second line,
 * for data from playbooks.
 * @throws InputError naming the value's path and the template
 */
export function checkTemplateData(data: unknown, name: string): void {
  const seen = new WeakSet<object>();
  const refuse = (path: string, what: string): never => {
    throw new InputError(`template data ${path || '(top level)'} contains ${what}, which ${name} cannot represent`, {
      location: name,
      hint: 'values written into config files are one line of printable text',
    });
  };
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      const what = controlCharacterIn(v);
      if (what) refuse(path, what);
      return;
    }
    // plain data only: a Secret renders through its helper, and class instances are not walked
    if (!v || typeof v !== 'object' || seen.has(v)) return;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return;
    seen.add(v);
    for (const [k, x] of Object.entries(v)) {
      const what = controlCharacterIn(k);
      if (what) refuse(`${path}[${JSON.stringify(k)}]`, what);
      walk(x, Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    }
  };
  walk(data, '');
}

/**
 * Renders a handlebars template in strict mode: a variable the template uses but the data
 * lacks is an error naming the template and line, never an empty string in a config file.
 * XML templates (`*.xml.hbs`) escape every value (`&`, `<`, `>`, `"`, `'`, `` ` ``, `=` as
 * character references), so a password with quotes stays an attribute value; the other
 * formats have no escaping to offer and are written raw, after {@link checkTemplateData}
 * refused what they cannot represent (and `quoted` in the templates, `"` inside quotes).
 *
 * @example
 *   renderString('totem { cluster_name: {{name}} }', { name: 'lab' }, 'inline')
 *   renderString('<nvpair value="{{v}}"/>', { v: 'a"b&c' }, 'x.xml.hbs') // <nvpair value="a&quot;b&amp;c"/>
 */
export function renderString(source: string, data: unknown, name: string, format: TemplateFormat = formatOf(name)): string {
  const key = templateKey(format, source);
  let tpl = cache.get(key);
  if (!tpl) {
    tpl = precompiledTemplate(key) ?? compiler().compile(source, compileOptions(format));
    cache.set(key, tpl);
  }
  checkTemplateData(data, name);
  try {
    return tpl(data);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /"(.+)" not defined in .* - (\d+):(\d+)/.exec(msg) ?? /"(.+)" not defined/.exec(msg);
    throw new InputError(
      m ? `template uses \`${m[1]}\` but no such value was given` : `cannot render: ${msg.split('\n')[0]}`,
      {
        location: m?.[2] ? `${name}:${m[2]}:${Number(m[3]) + 1}` : name,
        hint: 'add the value to the inventory or the vars passed to the template',
      },
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

/**
 * The CommonJS source of precompiled.cjs: every `.hbs` under `dir`, precompiled with the
 * options of its format, keyed by {@link templateKey}.
 */
export function precompiledSource(dir: string): string {
  const entries: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.hbs')) {
        const source = readFileSync(p, 'utf8');
        const format = formatOf(e.name);
        entries.push(`  ${JSON.stringify(templateKey(format, source))}: ${compiler().precompile(source, compileOptions(format))}`);
      }
    }
  };
  walk(dir);
  return `// generated by scripts/gen-templates.mjs from templates/: do not edit\nmodule.exports = {\n${entries.join(',\n')}\n};\n`;
}
