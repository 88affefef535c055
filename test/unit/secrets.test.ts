import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError, InputError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';
import { renderFile } from '../../src/render/render.js';
import { authkeysView } from '../../src/stack/heartbeat.js';
import { COROSYNC_KEY, decideClusterKey, HEARTBEAT_KEY, loadOrCreateSecret, type NodeKey, storeSecret } from '../../src/stack/secrets.js';

describe('cluster secrets', () => {
  it('are generated once (0600 in a 0700 dir), then reused, and print as ***', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hactl-sec-')), 'secrets');
    const a = loadOrCreateSecret(dir, 'heartbeat-authkey', 32);
    const b = loadOrCreateSecret(dir, 'heartbeat-authkey', 32);
    expect(a.reveal()).toMatch(/^[0-9a-f]{64}$/);
    expect(b.reveal()).toBe(a.reveal());
    expect(String(a)).toBe('***');
    expect(statSync(join(dir, 'heartbeat-authkey')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dir, 'heartbeat-authkey'), 'utf8').trim()).toBe(a.reveal());
  });
  it('an empty authkeys secret is refused with a clear error, not pushed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-sec-'));
    writeFileSync(join(dir, 'heartbeat-authkey'), '\n');
    expect(() => loadOrCreateSecret(dir, 'heartbeat-authkey', 32)).toThrow(/heartbeat-authkey is empty or too short/);
  });
  it('authkeys cannot be rendered without its secret', () => {
    expect(() => renderFile('heartbeat/authkeys.hbs', authkeysView(undefined as never))).toThrow(
      /helper `secret` was given an undefined value/,
    );
  });
});

describe('secrets dir', () => {
  it('gets a .gitignore of `*`; a secret file is created exclusively and never overwritten', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hactl-sec-')), 'secrets');
    const a = loadOrCreateSecret(dir, 'corosync-authkey', 128);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(statSync(join(dir, '.gitignore')).mode & 0o777).toBe(0o600);
    // a second writer (another run, an adoption) finds the file and gets its value back
    const b = storeSecret(dir, 'corosync-authkey', 'x'.repeat(40));
    expect(b.reveal()).toBe(a.reveal());
    expect(readFileSync(join(dir, 'corosync-authkey'), 'utf8').trim()).toBe(a.reveal());
  });
});

describe('a missing local key while the nodes have one', () => {
  const key = 'ab'.repeat(128);
  const fact = (content: string | undefined): NodeKey['fact'] =>
    content === undefined
      ? { path: '/etc/corosync/authkey', exists: false }
      : { path: '/etc/corosync/authkey', exists: true, mode: '400', sha256: sha(content), content };
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  const dir = '/inv/.hactl/secrets/lab';

  it('no node has one: generate', () => {
    expect(
      decideClusterKey(COROSYNC_KEY, { dir, local: undefined, nodes: [{ host: 'master', fact: fact(undefined) }], adopt: false }),
    ).toEqual({ kind: 'generate' });
  });
  it('the local key wins (pushing it is an intended change, shown by plan)', () => {
    const local = new Secret(key);
    expect(
      decideClusterKey(COROSYNC_KEY, { dir, local, nodes: [{ host: 'master', fact: fact('other'.repeat(10)) }], adopt: false }).kind,
    ).toBe('local');
  });
  it('a node has one: refused (exit 2), naming the node, the file and both ways out', () => {
    const nodes = [
      { host: 'master', fact: fact(undefined) },
      { host: 'slave', fact: fact(key) },
    ];
    let err: InputError | undefined;
    try {
      decideClusterKey(COROSYNC_KEY, { dir, local: undefined, nodes, adopt: false });
    } catch (e) {
      err = e as InputError;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err!.exitCode).toBe(2);
    expect(err!.message).toMatch(
      /\/etc\/corosync\/authkey already exists on slave \(sha256 [0-9a-f]{12}…\), but this inventory's secrets dir has no corosync-authkey: hactl refuses/,
    );
    expect(err!.details.location).toBe('/inv/.hactl/secrets/lab/corosync-authkey');
    expect(err!.details.hint).toMatch(/copy the secrets dir .* --adopt-secrets/);
    expect(formatError(err!)).not.toContain(key);
  });
  it('--adopt-secrets: the nodes agree → their key; they disagree or the key is binary → refused', () => {
    const nodes = [
      { host: 'master', fact: fact(key) },
      { host: 'slave', fact: fact(key) },
      { host: 'arbitrator', fact: fact(undefined) },
    ];
    expect(decideClusterKey(COROSYNC_KEY, { dir, local: undefined, nodes, adopt: true })).toEqual({
      kind: 'adopt',
      value: key,
      from: 'master',
      sha256: sha(key),
    });
    const split = [
      { host: 'master', fact: fact(key) },
      { host: 'slave', fact: fact('cd'.repeat(128)) },
    ];
    expect(() => decideClusterKey(COROSYNC_KEY, { dir, local: undefined, nodes: split, adopt: true })).toThrow(
      /the nodes disagree: master .*, slave/,
    );
    const binary = { path: '/etc/corosync/authkey', exists: true, sha256: '00'.repeat(32), content: '\ufffd\ufffd' };
    expect(() => decideClusterKey(COROSYNC_KEY, { dir, local: undefined, nodes: [{ host: 'master', fact: binary }], adopt: true })).toThrow(
      /not in the form hactl writes/,
    );
  });
  it('heartbeat: the key is read out of authkeys as hactl renders it', () => {
    const k = 'f'.repeat(64);
    expect(HEARTBEAT_KEY.fromNodeFile(renderFile('heartbeat/authkeys.hbs', authkeysView(new Secret(k))))).toBe(k);
    expect(HEARTBEAT_KEY.fromNodeFile('auth 2\n2 md5 whatever-key-here\n')).toBeUndefined();
  });
});
