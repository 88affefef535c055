/**
 * The generated shell completion and man page: made from the commander tree, so they name
 * the real commands and options. bash is sourced and asked as bash asks it (COMP_WORDS).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTree } from '../../../src/cli/command-tree.js';
import { completionScript } from '../../../src/cli/completion.js';
import { buildProgram } from '../../../src/cli/main.js';
import { manPage } from '../../../src/cli/man.js';
import { ensureBuilt, hactl } from './built.js';

const program = await buildProgram([]);
const tree = commandTree(program);
const dir = mkdtempSync(join(tmpdir(), 'hactl-completion-'));
const bashFile = join(dir, 'hactl.bash');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash offers for `words`, the last one being completed. */
function complete(...words: string[]): string[] {
  const line = ['hactl', ...words].map((w) => `'${w}'`).join(' ');
  const script = `source ${bashFile}; COMP_WORDS=(${line}); COMP_CWORD=${words.length}; _hactl_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', cwd: dir });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('hactl completion bash', () => {
  beforeAll(() => writeFileSync(bashFile, completionScript(program, 'bash')));

  it('is valid bash that registers the completion', () => {
    const r = spawnSync('bash', ['--norc', '-c', `source ${bashFile} && complete -p hactl`], { encoding: 'utf8' });
    expect(r.stdout).toContain('-F _hactl_complete hactl');
  });

  it('completes the real command names', () => {
    expect(complete('')).toEqual(program.commands.map((c) => c.name()).sort());
    expect(complete('inv')).toEqual(['inventory']);
    expect(complete('inventory', '')).toEqual(['check', 'schema']);
    expect(complete('lab', 'fence', '')).toEqual(['down', 'status', 'up']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh']);
  });

  it("completes every command's own options (and the global ones)", () => {
    const globals = ['--debug', '--no-color'];
    for (const t of tree.filter((t) => t.path.length && !t.subcommands.length)) {
      const long = t.options.flatMap((o) => o.names).filter((n) => n.startsWith('--'));
      expect([t.path.join(' '), complete(...t.path, '--')]).toEqual([t.path.join(' '), [...new Set([...long, ...globals])].sort()]);
    }
    expect(complete('smoke', '--')).not.toContain('--limit');
    expect(complete('run', '-i', 'inv.yaml', '--li')).toEqual(['--limit']);
  }, 60_000); // one bash per command: slow on a loaded machine

  it('completes the values of options with choices, and files after other valued options', () => {
    expect(complete('add-node', 'web3', '--role', '')).toEqual(['arbitrator', 'director', 'realserver', 'service']);
    expect(complete('lab', 'up', '--stack', 'h')).toEqual(['heartbeat']);
    writeFileSync(join(dir, 'web.yaml'), '');
    expect(complete('smoke', '-i', 'we')).toEqual(['web.yaml']);
    // an option's value is not taken for a command: `-i inventory` stays smoke's
    expect(complete('smoke', '-i', 'inventory', '--qu')).toEqual(['--quiet']);
  });

  it('is what the built CLI prints', () => {
    ensureBuilt();
    const r = hactl(['completion', 'bash']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(completionScript(program, 'bash'));
    expect(hactl(['completion', 'fish']).status).toBe(2);
  }, 180_000);
});

describe('hactl completion zsh', () => {
  const zsh = completionScript(program, 'zsh');
  it('is a #compdef function over the same tables', () => {
    expect(zsh.split('\n')[0]).toBe('#compdef hactl');
    expect(zsh).toContain('compdef _hactl hactl');
    expect(zsh).toContain(`'add-node|--role') echo 'service realserver director arbitrator'`);
    for (const c of program.commands) expect(zsh).toContain(c.name());
  });
  it('parses, when zsh is installed', () => {
    const has = spawnSync('zsh', ['--version']).status === 0;
    if (!has) return;
    const file = join(dir, '_hactl');
    writeFileSync(file, zsh);
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
  });
});

describe('hactl man', () => {
  const page = manPage(program, '9.8.7');
  const leaves = tree.filter((t) => t.path.length && !t.subcommands.length);

  it('has the sections of a man page and every command with its options', () => {
    const sections = [...page.matchAll(/^\.SH (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'ENVIRONMENT', 'EXIT STATUS', 'SEE ALSO']);
    expect(page).toMatch(/^\.TH HACTL 1 "" "hactl 9\.8\.7"/);
    for (const t of leaves) expect(page).toContain(`.SS "hactl ${t.path.join(' ').replace(/-/g, '\\-')}`);
    expect(page).toContain('\\fB\\-i, \\-\\-inventory\\fR \\fI<file>\\fR');
    for (const env of ['HACTL_INVENTORY', 'NO_COLOR', 'FORCE_COLOR']) expect(page).toContain(`.B ${env}`);
    expect(page).toMatch(/\.B 0\nsuccess/);
    expect(page).toMatch(/\.B 1\na failure on a node/);
    expect(page).toMatch(/\.B 2\nbad input/);
    // no line starts with a stray control character
    for (const line of page.split('\n')) expect(line).not.toMatch(/^'/);
  });

  it('renders with man -l, when man is installed', () => {
    if (spawnSync('man', ['--version']).status !== 0) return;
    const file = join(dir, 'hactl.1');
    writeFileSync(file, page);
    const r = spawnSync('man', ['--warnings', '-l', file], {
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('HACTL_INVENTORY');
    expect(r.stdout).toContain('hactl failover-test [options]');
    expect(r.stdout).toContain('--accept-new-hostkeys');
  });
});
