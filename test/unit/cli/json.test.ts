import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, wantsJson } from '../../../src/cli/main.js';
import { jsonError, splitLocation } from '../../../src/cli/output.js';
import { InputError, InputErrors, NodeError } from '../../../src/core/errors.js';
import { ensureBuilt, hactlAsync, ROOT, unreachableCluster } from './built.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the error object of a --json document', () => {
  it('splits file:line:col', () => {
    expect(splitLocation('inv.yaml:12:5')).toEqual({ file: 'inv.yaml', line: 12, column: 5 });
    expect(splitLocation('/etc/hactl/a b.yaml:3')).toEqual({ file: '/etc/hactl/a b.yaml', line: 3 });
    expect(splitLocation('/etc/hactl/web.yaml')).toEqual({ file: '/etc/hactl/web.yaml' });
  });
  it('names file, line, host, field and hint', () => {
    expect(jsonError(new InputError('bad port', { location: 'inv.yaml:7:9', field: 'ssh.port', hint: '1–65535' }))).toEqual({
      message: 'bad port',
      kind: 'input',
      file: 'inv.yaml',
      line: 7,
      column: 9,
      field: 'ssh.port',
      hint: '1–65535',
    });
    expect(jsonError(new NodeError('cannot connect', { host: 'master', hint: 'check sshd' }))).toEqual({
      message: 'cannot connect',
      kind: 'node',
      host: 'master',
      hint: 'check sshd',
    });
    expect(jsonError(new TypeError('x is undefined'))).toMatchObject({ message: 'x is undefined', kind: 'internal' });
  });
  it('several problems: each in problems, the common file at the top; one problem is the error itself', () => {
    const a = new InputError('a', { location: 'inv.yaml:1:1' });
    const b = new InputError('b', { location: 'inv.yaml:2:1' });
    expect(jsonError(new InputErrors([a, b]))).toMatchObject({
      message: '2 problems found',
      file: 'inv.yaml',
      problems: [
        { message: 'a', line: 1 },
        { message: 'b', line: 2 },
      ],
    });
    expect(jsonError(new InputErrors([b]))).toMatchObject({ message: 'b', file: 'inv.yaml', line: 2, problems: [{ message: 'b' }] });
  });
});

describe('wantsJson', { timeout: 30_000 }, () => {
  it('is true for a command with a --json option that was given, before --', async () => {
    const program = await buildProgram([]);
    expect(wantsJson(program, ['inventory', 'check', '-i', 'x.yaml', '--json'])).toBe(true);
    expect(wantsJson(program, ['drift', '--json', '-i', 'x.yaml'])).toBe(true);
    expect(wantsJson(program, ['drift', '-i', 'x.yaml'])).toBe(false);
    expect(wantsJson(program, ['inventory', 'schema', '--json'])).toBe(false);
    expect(wantsJson(program, ['run', '-i', 'x', 'p.ts', '--', '--json'])).toBe(false);
    expect(wantsJson(program, ['--json'])).toBe(false);
  });
});

// The built CLI, as a script calling `hactl … --json` sees it: stdout is one JSON document
// (JSON.parse of all of it), with the version, on failure too; stderr keeps the message.
describe('--json on failure (the built CLI)', { timeout: 90_000 }, () => {
  let dir: string;
  let unreachable: string;
  let env: () => Record<string, string>;
  beforeAll(() => {
    ensureBuilt();
    ({ dir, inventory: unreachable, env } = unreachableCluster('hactl-json-', 't'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const missing = () => join(dir, 'no-such-inventory.yaml');
  const cases: Array<[string, string[], number]> = [
    ['inventory check', ['inventory', 'check'], 2],
    ['smoke', ['smoke'], 2],
    ['drift', ['drift'], 1], // drift keeps 2 for "drift found"
    ['failover-test', ['failover-test', '--yes'], 2],
    ['plan', ['plan', 'bootstrap'], 2],
    ['bootstrap', ['bootstrap'], 2],
  ];
  for (const [name, args, code] of cases) {
    it(`${name} with a missing inventory: one document with version and error.file`, async () => {
      const r = await hactlAsync([...args, '-i', missing(), '--json'], env());
      expect(r.status, r.stderr).toBe(code);
      const doc = JSON.parse(r.stdout);
      expect(doc).toEqual({
        version: VERSION,
        ok: false,
        error: {
          message: `cannot read inventory ${missing()}: no such file`,
          kind: 'input',
          file: missing(),
          hint: 'pass the inventory file with -i FILE',
        },
      });
      expect(r.stderr).toContain(`cannot read inventory ${missing()}`);
    });
  }

  it('inventory check of an invalid inventory: the problem with file, line and column', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'cluster: { name: x\n');
    const r = await hactlAsync(['inventory', 'check', '-i', bad, '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      kind: 'input',
      file: bad,
      line: 2,
      column: 1,
      field: 'cluster.name',
      hint: expect.any(String),
    });
  });

  it('an argument error (no -i): one document too', async () => {
    const r = await hactlAsync(['smoke', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      version: VERSION,
      ok: false,
      error: { kind: 'input', message: 'no inventory: give -i FILE or set HACTL_INVENTORY' },
    });
  });

  it('smoke and failover-test when no node answers: one document with the error', async () => {
    const [smoke, failover] = await Promise.all([
      hactlAsync(['smoke', '-i', unreachable, '--json'], env()),
      hactlAsync(['failover-test', '-i', unreachable, '--json', '--yes'], env()),
    ]);
    expect(smoke.status).toBe(1);
    expect(JSON.parse(smoke.stdout)).toMatchObject({
      version: VERSION,
      ok: false,
      error: { kind: 'node', message: 'none of one, two is reachable over SSH', output: expect.stringContaining('ECONNREFUSED') },
    });
    expect(failover.status).toBe(1);
    expect(JSON.parse(failover.stdout)).toMatchObject({
      version: VERSION,
      ok: false,
      error: { kind: 'node', message: expect.stringContaining('not healthy') },
    });
  });

  it('history and rollback when no node answers: one document with the error', async () => {
    const [history, rollback] = await Promise.all([
      hactlAsync(['history', '-i', unreachable, '--json'], env()),
      hactlAsync(['rollback', '-i', unreachable, '--json'], env()),
    ]);
    for (const r of [history, rollback]) {
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({
        version: VERSION,
        ok: false,
        error: { kind: 'node', message: 'no node answered: cannot read the history', output: expect.stringContaining('one: ') },
      });
    }
  });

  it('drift and plan when no node answers: their report, with version and an error at the top', async () => {
    const [drift, plan] = await Promise.all([
      hactlAsync(['drift', '-i', unreachable, '--json'], env()),
      hactlAsync(['plan', '-i', unreachable, 'bootstrap', '--json'], env()),
    ]);
    expect(drift.status).toBe(1);
    const d = JSON.parse(drift.stdout);
    expect(d).toMatchObject({ version: VERSION, exitCode: 1, error: { kind: 'node', message: expect.stringMatching(/^could not check/) } });
    expect(d.errors.map((e: { host?: string }) => e.host)).toEqual(expect.arrayContaining(['one', 'two', 'arb']));
    expect(plan.status).toBe(1);
    const p = JSON.parse(plan.stdout);
    expect(p).toMatchObject({
      version: VERSION,
      ok: false,
      error: { kind: 'node', message: 'all 3 hosts failed (one, two, arb): nothing could be checked', hint: expect.any(String) },
    });
    expect(p.hosts).toHaveLength(3);
  });
});
