import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The docs are read by people deciding whether to trust the tool: every file they name
// must exist in the repository (a renamed module left `connect.ts` in docs/failover.md).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const names = new Set(tracked.map((f) => basename(f)));
const docs = ['README.md', ...tracked.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
const FILE = /^[\w./{},*-]+\.(ts|md|yaml|yml|sh|hbs|json|mjs|txt|res|conf)$/;
/** Placeholders (DATE.json, FILE.yaml) and files on nodes or made at run time, not in the repo. */
const notRepoFile = (t: string): boolean =>
  /[A-Z]{3,}\./.test(t) || t.startsWith('/') || t.startsWith('~') || t.includes('*') || t.includes('{');

/** Paths named in backticks or as markdown link targets. */
function namedFiles(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/`([^`\s]+)`/g)) if (FILE.test(m[1]!)) out.push(m[1]!);
  for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) if (!/^[a-z]+:/.test(m[1]!)) out.push(`link:${m[1]!}`);
  return out;
}

function exists(doc: string, named: string): boolean {
  if (named.startsWith('link:')) return existsSync(join(ROOT, dirname(doc), named.slice(5)));
  if (notRepoFile(named)) return true;
  // a bare name of source (`prober.ts`) is a module of the repo; bare data names
  // (`state.json`, `inventory.yaml`) are files the tool writes at run time
  if (!named.includes('/')) return !/\.(ts|hbs|mjs|sh)$/.test(named) || names.has(named);
  const clean = named.replace(/^\.\//, '');
  return existsSync(join(ROOT, clean)) || tracked.some((f) => f.endsWith(`/${clean}`));
}

describe('docs', () => {
  for (const doc of docs) {
    it(`${doc} names only files that exist`, () => {
      const missing = namedFiles(readFileSync(join(ROOT, doc), 'utf8')).filter((n) => !exists(doc, n));
      expect(missing).toEqual([]);
    });
  }
});
