/**
 * A user's TypeScript playbook is stripped of its types by sucrase (issue #25: no `typescript`
 * at run time): type annotations, interfaces and type-only imports go, a syntax error is bad
 * input naming the file, line and column.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/cli/load-playbook.js';
import { InputError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'hactl-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPlaybook (.ts)', () => {
  it('strips types, interfaces, generics and type-only imports; leaves no temp file', async () => {
    const file = join(dir, 'typed.ts');
    writeFileSync(
      file,
      `import type { Playbook } from 'hactl';
interface Opts { greeting?: string }
type Fn = (o: Opts) => Promise<void>;
const run: Fn = async (_o: Opts): Promise<void> => {};
const pb = { name: 'typed', run } as unknown as Playbook;
export default pb satisfies Playbook;
`,
    );
    const { playbook, dir: where } = await loadPlaybook(file);
    expect(where).toBe(dir);
    expect(playbook.name).toBe('typed');
    expect(readdirSync(dir).filter((f) => f.includes('.hactl-'))).toEqual([]);
  });

  it('a syntax error is an InputError at file:line:column', async () => {
    const file = join(dir, 'bad.ts');
    writeFileSync(file, `import { definePlaybook } from 'hactl';\nconst x: number = ;\nexport default x;\n`);
    const err = await loadPlaybook(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe('Unexpected token');
    expect((err as InputError).details.location).toBe(`${file}:2:19`);
  });
});
