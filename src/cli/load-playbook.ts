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
 * TypeScript is transpiled in-process (types are not checked at run time: run `tsc` for
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
  // typescript is big: load it only when a .ts playbook is actually run
  const ts = (await import('typescript')).default;
  const source = readFileSync(file, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  const syntax = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax) {
    const pos = syntax.file && syntax.start !== undefined ? syntax.file.getLineAndCharacterOfPosition(syntax.start) : undefined;
    throw new InputError(ts.flattenDiagnosticMessageText(syntax.messageText, '\n'), {
      location: pos ? `${spec}:${pos.line + 1}:${pos.character + 1}` : spec,
    });
  }
  const js = out.outputText.replace(/(from\s+|import\s*\(\s*)(['"])hactl\2/g, `$1$2${API_URL}$2`);
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
