import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeModel } from '../../src/inventory/model.js';
import { describeTarget, resolveTarget, SshConnection } from '../../src/transport/ssh.js';
import { sshdMissing, startSshd, type TestSshd } from '../helpers/sshd.js';

// The ways OpenSSH reaches a host, against a real sshd on 127.0.0.1: an encrypted key held
// by a real ssh-agent, a ProxyJump hop (ssh2 forwarding) and a ProxyCommand (`ssh -W`).
const missing = sshdMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs real-SSH tests: ${missing}`);

describe.skipIf(Boolean(missing))(`ssh routes and authentication${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let sshd: TestSshd;
  let work: string;
  let agent: ChildProcess | undefined;
  const savedSock = process.env.SSH_AUTH_SOCK;
  const node = (connect: string, ssh: Partial<NodeModel['ssh']>): NodeModel =>
    ({
      name: 'n1',
      address: connect,
      connect,
      role: 'master',
      nodeId: 1,
      vars: {},
      ssh: { user: 'root', port: 22, become: false, ...ssh },
    }) as NodeModel;
  const run = async (n: NodeModel, command: string): Promise<string> => {
    const c = await SshConnection.open(await resolveTarget(n));
    try {
      return (await c.exec(command)).stdout.trim();
    } finally {
      await c.close();
    }
  };

  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'hactl-routes-'));
    // an encrypted key, authorized on the server
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret pass', '-C', 'locked', '-f', join(work, 'locked')]);
    appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(join(work, 'locked.pub')));
    writeFileSync(
      join(work, 'config'),
      [
        'Host target',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        '  ProxyJump jumpbox',
        'Host jumpbox',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${userInfo().username}`,
        `  IdentityFile ${sshd.clientKey}`,
        'Host viacommand',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  ProxyCommand ssh -F /dev/null -i ${sshd.clientKey} -o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes -p ${sshd.port} -W %h:%p 127.0.0.1`,
        'Host *',
        `  UserKnownHostsFile ${sshd.knownHosts}`,
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    agent?.kill();
    if (savedSock === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = savedSock;
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('an encrypted key alone, with no agent and no terminal: refused, naming what was tried and skipped', async () => {
    delete process.env.SSH_AUTH_SOCK;
    const err = await resolveTarget(node('127.0.0.1', { port: sshd.port, identity: join(work, 'locked'), knownHosts: sshd.knownHosts }))
      .then((t) => SshConnection.open(t))
      .catch((e) => e);
    expect(err.message).toBe(
      `authentication failed for root@127.0.0.1:${sshd.port} (tried no ssh-agent (SSH_AUTH_SOCK unset); files: none; ` +
        `skipped: ${join(work, 'locked')} (encrypted, and no ssh-agent (SSH_AUTH_SOCK) nor terminal to ask its passphrase))`,
    );
    expect(err.details.hint).toMatch(/ssh-add/);
  });

  it('the same key loaded into a real ssh-agent: the agent is tried first and gets in', async () => {
    const sock = join(work, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    const askpass = join(work, 'askpass');
    writeFileSync(askpass, "#!/bin/sh\necho 'secret pass'\n", { mode: 0o700 });
    execFileSync('ssh-add', [join(work, 'locked')], {
      env: { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      stdio: 'pipe',
    });
    process.env.SSH_AUTH_SOCK = sock;
    expect(await run(node('127.0.0.1', { port: sshd.port, identity: join(work, 'locked'), knownHosts: sshd.knownHosts }), 'echo in')).toBe(
      'in',
    );
  });

  it('ProxyJump: through a jump host (its own user and key from ssh_config), ssh2 forwarding to the target', async () => {
    const n = node('target', { config: join(work, 'config'), identity: sshd.clientKey });
    const t = await resolveTarget(n);
    expect(describeTarget(t)).toBe(`root@127.0.0.1:${sshd.port} via ${userInfo().username}@127.0.0.1:${sshd.port}`);
    // the target's sshd sees the connection coming from the jump host's sshd (loopback here; the lab test uses two nodes)
    expect(await run(n, 'echo "$SSH_CONNECTION"')).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
  });

  it('ProxyCommand: its stdio is the socket (here `ssh -W`)', async () => {
    const n = node('viacommand', { config: join(work, 'config'), identity: sshd.clientKey });
    const t = await resolveTarget(n);
    expect(t.proxyCommand).toMatch(/-W 127\.0\.0\.1:\d+ 127\.0\.0\.1$/);
    expect(await run(n, 'echo through')).toBe('through');
  });

  it('a jump host that cannot be reached is named as such', async () => {
    writeFileSync(join(work, 'config-bad'), `Host t2\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  ProxyJump 127.0.0.1:1\n`);
    const err = await resolveTarget(node('t2', { config: join(work, 'config-bad'), identity: sshd.clientKey }))
      .then((t) => SshConnection.open(t))
      .catch((e) => e);
    expect(err.message).toMatch(/^cannot reach jump host 127\.0\.0\.1 for n1: cannot connect to 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
