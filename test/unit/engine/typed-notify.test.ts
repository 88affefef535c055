import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// `notify` names are checked by the compiler: definePlaybook infers them from the
// playbook's `handlers`. The fixture marks each line the compiler must refuse.
const ROOT = join(import.meta.dirname, '../../..');
const FIXTURE = join(ROOT, 'test/fixtures/playbooks/typed-notify.ts');

describe('typed notify', () => {
  it('the compiler refuses a handler the playbook does not define, and only that', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    const program = ts.createProgram([FIXTURE], { ...config!.options, noEmit: true });
    const file = program.getSourceFile(FIXTURE)!;
    const errorLines = ts
      .getPreEmitDiagnostics(program, file)
      .map((d) => file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1)
      .sort((a, b) => a - b);
    const marked = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .flatMap((l, i) => (/\/\/ error:/.test(l) ? [i + 1] : []));
    expect(marked.length).toBe(3);
    expect(errorLines).toEqual(marked);
  }, 60_000);
});
