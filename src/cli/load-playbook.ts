import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError } from '../core/errors.js';
import { isPlaybook, type Playbook } from '../runtime/playbook.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/index.js: what `import … from 'hactl'` means inside a user playbook */
const API_URL = pathToFileURL(resolve(here, '../index.js')).href;
/** built-in playbooks, compiled with the project: dist/playbooks/NAME.js */
const BUILTIN_DIR = resolve(here, '../../playbooks');

/**
 * Loads a playbook: a built-in name (`bootstrap`) or a user's `.ts`/`.js`/`.mjs` file.
 * TypeScript is stripped of its types in-process by sucrase (types are not checked at run time: run `tsc` for
 * that) and `'hactl'` imports point at this installation, so a playbook needs no build step.
 */
export async function loadPlaybook(spec: string): Promise<{ playbook: Playbook; dir: string }> {
  const builtin = join(BUILTIN_DIR, `${spec}.js`);
  if (!spec.includes('/') && !spec.includes('.') && existsSync(builtin)) {
    return { playbook: pick(await import(pathToFileURL(builtin).href), spec), dir: resolve(here, '../../../playbooks') };
  }
  const file = resolve(spec);
  if (!existsSync(file))
    throw new InputError(`playbook not found: ${spec}`, { hint: 'give a path to a .ts file, or a built-in name such as bootstrap' });
  if (!file.endsWith('.ts')) return { playbook: pick(await import(pathToFileURL(file).href), spec), dir: dirname(file) };
  // loaded only when a .ts playbook is actually run
  const { transform } = await import('sucrase');
  const source = readFileSync(file, 'utf8');
  let out: { code: string };
  try {
    // sucrase strips the types (no type check, no downlevelling: Node runs ES2022 as is);
    // `.mjs` output, so imports stay ESM; an inline source map keeps stack traces on the .ts lines
    out = transform(source, {
      transforms: ['typescript'],
      filePath: file,
      disableESTransforms: true,
      sourceMapOptions: { compiledFilename: basename(file) },
    });
    const map = (out as { sourceMap?: object }).sourceMap;
    if (map)
      out = {
        code:
          `${out.code}\n//# sourceMappingURL=data:application/json;base64,` +
          `${Buffer.from(JSON.stringify({ ...map, sources: [file] })).toString('base64')}\n`,
      };
  } catch (e) {
    // a syntax error: sucrase's message is "Error transforming FILE: Unexpected token (L:C)"
    const err = e as Error & { loc?: { line: number; column: number } };
    const message = err.message.replace(/^Error transforming [^:]*: /, '').replace(/ \(\d+:\d+\)$/, '');
    throw new InputError(message, { location: err.loc ? `${spec}:${err.loc.line}:${err.loc.column}` : spec });
  }
  const js = out.code.replace(/(from\s+|import\s*\(\s*)(['"])hactl\2/g, `$1$2${API_URL}$2`);
  // next to the source so its relative imports of .js/.mjs files resolve; else in /tmp
  const name = `.${basename(file, '.ts')}.hactl-${process.pid}.mjs`;
  let target = join(dirname(file), name);
  try {
    writeFileSync(target, js);
  } catch {
    target = join(tmpdir(), name);
    writeFileSync(target, js);
  }
  try {
    return { playbook: pick(await import(pathToFileURL(target).href), spec), dir: dirname(file) };
  } finally {
    unlinkSync(target);
  }
}

function pick(mod: Record<string, unknown>, spec: string): Playbook {
  const pb = mod.default ?? mod.playbook;
  if (!isPlaybook(pb)) {
    throw new InputError(`${spec} does not export a playbook`, {
      hint: "use `export default definePlaybook('name', async ({ hosts }) => { … })`",
    });
  }
  return pb;
}
