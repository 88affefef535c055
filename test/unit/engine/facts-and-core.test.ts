import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError, InputError, NodeError } from '../../../src/core/errors.js';
import { mask, Secret } from '../../../src/core/secret.js';
import { quote } from '../../../src/core/shell.js';
import { parseDebPackages } from '../../../src/facts/dpkg.js';
import { fileFactsCommand, parseFileFacts } from '../../../src/facts/file.js';
import { parseServiceFact } from '../../../src/facts/service.js';
import { renderString } from '../../../src/render/render.js';
import { resolveSshConfig } from '../../../src/transport/ssh-config.js';

describe('secret masking', () => {
  it('prints *** in strings, JSON, inspect and error output', () => {
    const s = new Secret('corosync-authkey-0123456789');
    expect(`${s}`).toBe('***');
    expect(JSON.stringify({ s })).toBe('{"s":"***"}');
    expect(mask('stderr: bad key corosync-authkey-0123456789 here')).toBe('stderr: bad key *** here');
    expect(s.reveal()).toBe('corosync-authkey-0123456789');
    const e = new NodeError('write failed', { host: 'master', output: mask('echo corosync-authkey-0123456789') });
    expect(formatError(e)).not.toContain('0123456789');
  });
});

describe('errors', () => {
  it('formats host, location and hint on their own lines', () => {
    const e = new InputError('unknown key `adress`', { location: 'inv.yaml:4:7', hint: 'did you mean `address`?' });
    expect(formatError(e)).toBe('inv.yaml:4:7: unknown key `adress`\n  hint: did you mean `address`?');
    expect(e.exitCode).toBe(2);
    expect(new NodeError('x').exitCode).toBe(1);
  });
});

describe('shell quoting', () => {
  it.each([
    ['plain', 'plain'],
    ["it's", `'it'\\''s'`],
    ['a b', `'a b'`],
    ['', "''"],
    ['$(rm -rf /)', `'$(rm -rf /)'`],
  ])('%s', (i, o) => expect(quote(i)).toBe(o));
});

describe('fact parsers (captured output)', () => {
  it('dpkg-query: only fully installed packages count', () => {
    const out = 'corosync\tii \t3.1.7-1\npacemaker\trc \t2.1.5-1\nlibc6:amd64\tii \t2.36-9\n';
    const m = parseDebPackages(out);
    expect([...m.keys()]).toEqual(['corosync', 'libc6']);
    expect(m.get('corosync')).toBe('3.1.7-1');
  });
  it('file facts: the real command in sh reads present, empty, big, spaced and absent files in one go', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-ff-'));
    try {
      writeFileSync(join(dir, 'a'), 'hello\n', { mode: 0o600 });
      writeFileSync(join(dir, 'empty'), '');
      writeFileSync(join(dir, 'with space'), 'x y\n');
      writeFileSync(join(dir, 'big'), Buffer.alloc(262145, 97));
      writeFileSync(join(dir, 'edge'), Buffer.alloc(262144, 98));
      const paths = ['a', 'absent', 'empty', 'with space', 'big', 'edge'].map((f) => join(dir, f));
      const m = parseFileFacts(execFileSync('sh', ['-c', fileFactsCommand(paths)], { encoding: 'utf8' }));
      const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
      const me = userInfo().username;
      expect(m.get(paths[0]!)).toEqual({
        path: paths[0],
        exists: true,
        mode: '600',
        owner: me,
        group: expect.any(String),
        sha256: sha('hello\n'),
        content: 'hello\n',
      });
      expect(m.get(paths[1]!)).toEqual({ path: paths[1], exists: false });
      expect(m.get(paths[2]!)).toMatchObject({ exists: true, content: '', sha256: sha('') });
      expect(m.get(paths[3]!)).toMatchObject({ exists: true, content: 'x y\n', sha256: sha('x y\n') });
      // past 256 KiB: stat and hash, no content; 256 KiB exactly still has it
      expect(m.get(paths[4]!)).toMatchObject({ exists: true, sha256: sha(Buffer.alloc(262145, 97)), content: undefined });
      expect(m.get(paths[5]!)?.content).toHaveLength(262144);
      expect(m.size).toBe(6);
      // no file asked: nothing run
      expect(fileFactsCommand([])).toBe('true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('service facts', () => {
    expect(parseServiceFact('corosync', 'init=sysv\nrunning=1\nenabled=0\n')).toEqual({
      name: 'corosync',
      init: 'sysv',
      running: true,
      enabled: false,
    });
    expect(parseServiceFact('x', 'init=systemd\nrunning=0\nenabled=1\n').init).toBe('systemd');
  });
});

describe('templates are strict', () => {
  it('an unknown variable is an error with template:line', () => {
    expect(() => renderString('totem {\n  cluster_name: {{clustr}}\n}\n', { cluster: 'x' }, 'corosync.conf.hbs')).toThrow(
      /template uses `clustr`/,
    );
    try {
      renderString('a\n{{nope}}', {}, 't.hbs');
    } catch (e) {
      expect((e as InputError).details.location).toBe('t.hbs:2:3');
    }
  });
  it('renders known values without HTML escaping', () => {
    expect(renderString('{{a}} {{join l ","}}', { a: '<x>&', l: [1, 2] }, 't')).toBe('<x>& 1,2');
  });
});

describe('ssh_config', () => {
  const cfg = `Host *.lab master
  HostName 10.77.0.11
  User admin
  Port 2222
  IdentityFile ~/.ssh/lab
Host !bastion *
  User fallback
  UserKnownHostsFile /tmp/kh
`;
  it('first value wins; patterns and negation', () => {
    const r = resolveSshConfig(cfg, 'master');
    expect(r.hostName).toBe('10.77.0.11');
    expect(r.user).toBe('admin');
    expect(r.port).toBe(2222);
    expect(r.identityFile?.[0]).toMatch(/\.ssh\/lab$/);
    expect(r.userKnownHostsFile).toBe('/tmp/kh');
    expect(resolveSshConfig(cfg, 'bastion').user).toBeUndefined();
    expect(resolveSshConfig(cfg, 'other').user).toBe('fallback');
  });
});
