import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeModel } from '../../../src/inventory/model.js';
import { describeTarget, resolveTarget } from '../../../src/transport/ssh.js';
import { authOrder, describeTried, inspectIdentity } from '../../../src/transport/ssh-auth.js';
import { effectiveSsh, parseProxyJump, parseSshG, proxyCommandLine } from '../../../src/transport/ssh-config.js';

// Real `ssh -G` (OpenSSH resolves Include, Match and Host; no network) against temp configs.
const dir = mkdtempSync(join(tmpdir(), 'hactl-ssh-g-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keygen = (file: string, pass: string): void =>
  void execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', 'test', '-f', file], { stdio: 'ignore' });
keygen(join(dir, 'plain'), '');
keygen(join(dir, 'locked'), 'pass phrase');
writeFileSync(
  join(dir, 'included.conf'),
  [
    'Host db',
    '  HostName 10.0.0.5',
    '  ProxyJump admin@bastion.example:2222,inner',
    'Host inner',
    '  HostName 10.0.0.2',
    '  User hop',
    '',
  ].join('\n'),
);
const CONFIG = join(dir, 'config');
writeFileSync(
  CONFIG,
  [
    `Include ${join(dir, 'included.conf')}`,
    'Match host web',
    '  ProxyCommand nc %h %p',
    '  User deploy',
    'Host *',
    `  IdentityFile ${join(dir, 'locked')}`,
    `  IdentityFile ${join(dir, 'plain')}`,
    `  IdentityFile ${join(dir, 'missing')}`,
    `  UserKnownHostsFile ${join(dir, 'kh1')} ${join(dir, 'kh2')}`,
    '  StrictHostKeyChecking accept-new',
    '  IdentitiesOnly yes',
    '  ConnectTimeout 7',
    '',
  ].join('\n'),
);

const node = (name: string, connect: string, ssh: Partial<NodeModel['ssh']> = {}): NodeModel =>
  ({
    name,
    address: connect,
    connect,
    role: 'master',
    nodeId: 1,
    vars: {},
    ssh: { user: 'root', port: 22, config: CONFIG, become: false, ...ssh },
  }) as NodeModel;

describe('ssh -G: the options OpenSSH resolves', () => {
  it('reads Include, the Host blocks, every IdentityFile and the known_hosts list', async () => {
    const { effective: e, via } = await effectiveSsh({ host: 'db', config: CONFIG });
    expect(via).toBe('ssh -G');
    expect(e).toMatchObject({
      hostName: '10.0.0.5',
      port: 22,
      identitiesOnly: true,
      strictHostKeyChecking: 'accept-new',
      connectTimeout: 7,
      proxyJump: 'admin@bastion.example:2222,inner',
      identityFiles: [join(dir, 'locked'), join(dir, 'plain'), join(dir, 'missing')],
      userKnownHostsFiles: [join(dir, 'kh1'), join(dir, 'kh2')],
    });
    expect(e.proxyCommand).toBeUndefined();
  });

  it("applies Match blocks, and the inventory's user/port given as -l/-p win", async () => {
    const { effective: e } = await effectiveSsh({ host: 'web', config: CONFIG, port: 2200 });
    expect(e).toMatchObject({ hostName: 'web', user: 'deploy', port: 2200, proxyCommand: 'nc %h %p' });
    expect((await effectiveSsh({ host: 'web', config: CONFIG, user: 'ops' })).effective.user).toBe('ops');
  });

  it('parses the output format: lists, none, unknown keys', () => {
    const e = parseSshG(
      'user u\nhostname h\nport 2\nidentityfile ~/a\nidentityfile /b\nproxyjump none\nproxycommand none\n' +
        'connecttimeout none\nuserknownhostsfile /k1 /k2\nglobalknownhostsfile none\nstricthostkeychecking false\nsomething else\n',
    );
    expect(e).toMatchObject({ user: 'u', hostName: 'h', port: 2, userKnownHostsFiles: ['/k1', '/k2'], globalKnownHostsFiles: [] });
    expect(e.identityFiles[1]).toBe('/b');
    expect(e.identityFiles[0]).toMatch(/^\/.*\/a$/);
    expect(e.proxyJump ?? e.proxyCommand ?? e.connectTimeout).toBeUndefined();
  });

  it('splits ProxyJump hops in every form OpenSSH takes', () => {
    expect(parseProxyJump('admin@bastion:2222,inner')).toEqual([{ host: 'bastion', user: 'admin', port: 2222 }, { host: 'inner' }]);
    expect(parseProxyJump('ssh://u@[fe80::1]:22')).toEqual([{ host: 'fe80::1', user: 'u', port: 22 }]);
    expect(() => parseProxyJump('a@b@c')).toThrow(/bad ProxyJump hop "a@b@c"/);
  });

  it('substitutes ProxyCommand tokens, quoting anything that is not plainly a name', () => {
    expect(proxyCommandLine('nc %h %p # %r %n %%', { host: '10.0.0.5', port: 22, user: 'root', name: 'db' })).toBe(
      'nc 10.0.0.5 22 # root db %',
    );
    expect(proxyCommandLine('nc %h %p', { host: 'x;reboot', port: 22, user: 'root', name: 'db' })).toBe("nc 'x;reboot' 22");
  });
});

describe('resolveTarget: a node after ssh_config', () => {
  it('follows a ProxyJump chain, each hop with its own options; existing key files only; the jump chain is shown', async () => {
    const t = await resolveTarget(node('db', 'db'));
    expect(t).toMatchObject({ host: '10.0.0.5', port: 22, user: 'root', identitiesOnly: true, acceptNew: true, connectTimeoutMs: 7000 });
    expect(t.identities).toEqual([join(dir, 'locked'), join(dir, 'plain')]);
    expect(t.jump).toMatchObject({ name: 'inner', host: '10.0.0.2', user: 'hop' });
    expect(t.jump!.jump).toMatchObject({ name: 'bastion.example', host: 'bastion.example', port: 2222, user: 'admin' });
    expect(describeTarget(t)).toBe('root@10.0.0.5:22 via admin@bastion.example:2222 -> hop@10.0.0.2:22');
  });

  it("keeps the inventory's identity and known_hosts over ssh_config's", async () => {
    const t = await resolveTarget(node('web', 'web', { identity: join(dir, 'plain'), knownHosts: join(dir, 'inv_kh'), port: 2200 }));
    expect(t).toMatchObject({
      user: 'deploy',
      port: 2200,
      identities: [join(dir, 'plain')],
      knownHosts: join(dir, 'inv_kh'),
      moreKnownHosts: [],
    });
    expect(t.proxyCommand).toBe('nc web 2200');
    expect(describeTarget(t)).toBe('deploy@web:2200 via proxy command "nc web 2200"');
  });

  it('names the host and the config when ssh -G refuses it', async () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'Host x\n  NoSuchOption 1\n');
    await expect(resolveTarget(node('n1', 'x', { config: bad }))).rejects.toThrow(
      /ssh -G x -F .*bad failed: .*line 2: Bad configuration option: nosuchoption/,
    );
  });
});

describe('authentication order', () => {
  const plain = inspectIdentity(join(dir, 'plain'));
  const locked = inspectIdentity(join(dir, 'locked'));

  it('tells an encrypted key file from a plain one, and knows both public keys', () => {
    expect(plain.encrypted).toBe(false);
    expect(locked.encrypted).toBe(true);
    expect(locked.publicBlob?.length).toBeGreaterThan(0);
    expect(inspectIdentity(join(dir, 'missing')).unusable).toMatch(/ENOENT/);
  });

  it('agent first, then each file; an encrypted file is skipped with an agent, asked on a terminal, else skipped', () => {
    expect(authOrder({ agent: true, identities: [locked, plain], canAsk: true })).toEqual({
      steps: [{ kind: 'agent' }, { kind: 'file', file: plain.file, ask: false }],
      skipped: [{ file: locked.file, why: 'encrypted; the agent was tried instead' }],
    });
    expect(authOrder({ agent: false, identities: [locked, plain], canAsk: true }).steps).toEqual([
      { kind: 'file', file: locked.file, ask: true },
      { kind: 'file', file: plain.file, ask: false },
    ]);
    const noTty = authOrder({ agent: false, identities: [locked, plain], canAsk: false });
    expect(noTty.steps).toEqual([{ kind: 'file', file: plain.file, ask: false }]);
    expect(noTty.skipped[0]!.why).toMatch(/no ssh-agent .* nor terminal/);
  });

  it('describes what was tried', () => {
    expect(
      describeTried({ agent: { keys: 2 }, files: ['/k/a'], skipped: [{ file: '/k/b', why: 'encrypted; the agent was tried instead' }] }),
    ).toBe('agent: 2 keys; files: /k/a; skipped: /k/b (encrypted; the agent was tried instead)');
    expect(describeTried({ files: [], skipped: [] })).toBe('no ssh-agent (SSH_AUTH_SOCK unset); files: none');
  });
});
