import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './built.js';

// A run with nothing to change renders the package's templates (precompiled at build time)
// and diffs nothing: handlebars' compiler and jsdiff load only when a run needs them.
const SCRIPT = `
import { createRequire } from 'node:module';
const dist = ${JSON.stringify(join(ROOT, 'dist/src'))};
const render = await import(dist + '/render/render.js');
const file = await import(dist + '/tasks/file.js');
await import(dist + '/stack/cib.js');
const loaded = () => Object.keys(createRequire(import.meta.url).cache);
const has = (re) => loaded().some((k) => re.test(k));
const compiler = /handlebars[/]lib[/]index[.]js$/, jsdiff = /diff[/]libcjs[/]index[.]js$/;
const before = { runtime: has(/handlebars[.]runtime[.]js$/), compiler: has(compiler), jsdiff: has(jsdiff) };
render.renderString('a {{x}}', { x: 1 }, 'inline.conf');
const fact = { path: '/etc/x', exists: true, content: 'old\\n', sha256: '0', mode: '644', owner: 'root', group: 'root' };
const plan = file.planFile(fact, '/etc/x', { content: 'new\\n' });
console.log(JSON.stringify({ before, after: { compiler: has(compiler), jsdiff: has(jsdiff) }, diff: plan.diff }));
`;

describe('modules a no-op run does not need are loaded on demand', () => {
  beforeAll(() => ensureBuilt());
  it("handlebars' compiler on the first template the build did not precompile, jsdiff on the first diff", () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.before).toEqual({ runtime: true, compiler: false, jsdiff: false });
    expect(out.after).toEqual({ compiler: true, jsdiff: true });
    expect(out.diff).toContain('-old\n+new');
  });
});
