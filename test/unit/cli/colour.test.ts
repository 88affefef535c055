import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourLevel, hasNoColorFlag } from '../../../src/cli/colour.js';
import { ensureBuilt, hactl, hactlAsync, ROOT } from './built.js';

const ESC = '\x1b';
let dir: string;
let bad: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hactl-colour-'));
  bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'cluster: { name: x\n');
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('colourLevel', () => {
  const tty = { env: {}, noColorFlag: false, isTTY: true, detected: 2 as const };
  it('follows the stream: a terminal gets what chalk detected, a file or pipe nothing', () => {
    expect(colourLevel(tty)).toBe(2);
    expect(colourLevel({ ...tty, isTTY: false })).toBe(0);
  });
  it('--no-color and a non-empty NO_COLOR win over FORCE_COLOR; an empty NO_COLOR does not count', () => {
    expect(colourLevel({ ...tty, noColorFlag: true, env: { FORCE_COLOR: '3' } })).toBe(0);
    expect(colourLevel({ ...tty, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).toBe(0);
    expect(colourLevel({ ...tty, env: { NO_COLOR: 'no' } })).toBe(0);
    expect(colourLevel({ ...tty, env: { NO_COLOR: '' } })).toBe(2);
  });
  it('FORCE_COLOR colours a file or pipe, at its level; 0 or false turns colour off on a terminal', () => {
    const file = { ...tty, isTTY: false };
    expect(colourLevel({ ...file, env: { FORCE_COLOR: '' } })).toBe(1);
    expect(colourLevel({ ...file, env: { FORCE_COLOR: 'true' } })).toBe(1);
    expect(colourLevel({ ...file, env: { FORCE_COLOR: '2' } })).toBe(2);
    expect(colourLevel({ ...file, env: { FORCE_COLOR: '9' } })).toBe(3);
    expect(colourLevel({ ...tty, env: { FORCE_COLOR: '0' } })).toBe(0);
    expect(colourLevel({ ...tty, env: { FORCE_COLOR: 'false' } })).toBe(0);
  });
  it('--no-color counts before a -- only', () => {
    expect(hasNoColorFlag(['inventory', 'check', '--no-color'])).toBe(true);
    expect(hasNoColorFlag(['run', 'x.ts', '--', '--no-color'])).toBe(false);
  });
});

describe('the built CLI under FORCE_COLOR=1', { timeout: 60_000 }, () => {
  const cases: Array<[string, string[]]> = [
    ['inventory check of an invalid inventory', ['inventory', 'check', '-i', '<bad>']],
    ['inventory check of a valid one', ['inventory', 'check', '-i', join(ROOT, 'inventory/lab.yaml')]],
    ['--help', ['--help']],
    ['inventory check --help', ['inventory', 'check', '--help']],
  ];
  const argsOf = (a: string[]) => a.map((x) => (x === '<bad>' ? bad : x));

  it('colours without NO_COLOR (so the cases below prove something)', () => {
    const r = hactl(argsOf(cases[0]![1]), { FORCE_COLOR: '1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(ESC);
    expect(hactl(argsOf(cases[1]![1]), { FORCE_COLOR: '1' }).stdout).toContain(ESC);
  });

  for (const [name, args] of cases) {
    it(`${name}: no ESC byte with NO_COLOR=1, nor with --no-color`, async () => {
      const runs = await Promise.all([
        hactlAsync(argsOf(args), { FORCE_COLOR: '1', NO_COLOR: '1' }),
        hactlAsync(['--no-color', ...argsOf(args)], { FORCE_COLOR: '1' }),
        hactlAsync([...argsOf(args), '--no-color'], { FORCE_COLOR: '1' }),
      ]);
      for (const r of runs) {
        expect(r.stdout + r.stderr).not.toBe('');
        expect(r.stdout).not.toContain(ESC);
        expect(r.stderr).not.toContain(ESC);
      }
    });
  }
});

// `script` gives the command a terminal; each stream is then redirected on its own
const script = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
describe.skipIf(!script)('each stream follows its own terminal (under script(1))', { timeout: 60_000 }, () => {
  const onTerminal = (cmd: string) =>
    spawnSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: '', FORCE_COLOR: '' },
    });
  const node = `'${process.execPath}' '${join(ROOT, 'bin/hactl')}'`;
  const clean = `env -u NO_COLOR -u FORCE_COLOR -u CI`;

  it('stdout on a terminal is coloured', () => {
    expect(onTerminal(`${clean} ${node} inventory check -i '${join(ROOT, 'inventory/lab.yaml')}'`).stdout).toContain(ESC);
  });
  it('stderr to a file while stdout is a terminal: the file has no escape codes', () => {
    const err = join(dir, 'err.txt');
    onTerminal(`${clean} ${node} inventory check -i '${bad}' 2>'${err}'`);
    const text = readFileSync(err, 'utf8');
    expect(text).toContain('error ');
    expect(text).not.toContain(ESC);
  });
  it('the live view (listr2) on a terminal: no colour with NO_COLOR, --no-color or FORCE_COLOR=0, and it ends when no host answers', () => {
    const inv = join(dir, 'unreachable.yaml');
    writeFileSync(
      inv,
      `cluster: { name: t, stack: pacemaker, network: 127.0.0.0/8, floating_ips: [127.0.0.100/8] }
ssh: { user: root, port: 1, config: /nonexistent, known_hosts: ${join(dir, 'known_hosts')} }
nodes:
  - { name: one, address: 127.0.0.1, role: master }
  - { name: two, address: 127.0.0.2, role: slave }
`,
    );
    const plan = `${node} plan -i '${inv}' bootstrap`;
    for (const cmd of [`env -u FORCE_COLOR NO_COLOR=1 ${plan}`, `${clean} ${plan} --no-color`, `env -u NO_COLOR FORCE_COLOR=0 ${plan}`]) {
      const r = spawnSync('script', ['-qec', `HACTL_LOCK_DIR='${dir}/locks' timeout 30 ${cmd}`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, TERM: 'xterm-256color' },
      });
      expect(r.stdout).toContain('all 2 hosts failed (one, two): nothing could be checked');
      expect(r.stdout).not.toMatch(/\x1b\[[0-9;]*m/); // cursor movements, but no colour
    }
    // and with colours allowed, the view is coloured (so the above proves something)
    expect(onTerminal(`${clean} HACTL_LOCK_DIR='${dir}/locks' timeout 30 ${plan}`).stdout).toMatch(/\x1b\[3\dm/);
  });
  it('stderr on a terminal while stdout is a file: stderr is coloured', () => {
    const r = onTerminal(`${clean} ${node} inventory check -i '${bad}' >'${join(dir, 'out.txt')}'`);
    expect(r.stdout).toContain(`${ESC}[31merror`);
  });
});
