import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';
import { Connector } from '../../src/runtime/connector.js';
import type { RunEvent } from '../../src/runtime/events.js';
import { definePlaybook } from '../../src/runtime/playbook.js';
import { runPlaybook } from '../../src/runtime/run.js';
import { resolveTarget, SshConnection } from '../../src/transport/ssh.js';
import { testCluster } from '../helpers/model.js';
import { sshdMissing, startSshd, type TestSshd } from '../helpers/sshd.js';

// These tests drive a real OpenSSH sshd (Debian's openssh-server) on 127.0.0.1.
const missing = sshdMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs real-SSH tests: ${missing}`);

describe.skipIf(Boolean(missing))(`tasks over real SSH${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let sshd: TestSshd;
  let work: string;
  const node = () => ({
    name: 'local',
    address: '127.0.0.1',
    connect: '127.0.0.1',
    ssh: { user: 'root', port: sshd.port, identity: sshd.clientKey, knownHosts: sshd.knownHosts, config: '/nonexistent', become: false },
  });
  const cluster = () => testCluster([node()]);
  const run = async (body: Parameters<typeof definePlaybook>[1], check = false, events: RunEvent[] = []) =>
    runPlaybook(
      definePlaybook('t', body, { handlers: { 'say hi': async (h) => void (await h.sh(`echo hi >> ${join(work, 'handler.log')}`)) } }),
      {
        cluster: cluster(),
        check,
        events: (e) => events.push(e),
      },
    );

  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'hactl-work-'));
    // the nodes are this machine: pending records and the run lock stay in the test's dir (src/runtime/pending.ts)
    process.env.HACTL_NODE_STATE_DIR = join(work, 'node-state');
    process.env.HACTL_LOCK_DIR = join(work, 'locks');
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('file: apply → changed, again → unchanged, with mode and backup', async () => {
    const path = join(work, 'a.conf');
    const body = async ({ hosts }: { hosts: import('../../src/runtime/group.js').HostGroup }) =>
      hosts.all(async (h) => void (await h.file(path, { content: 'one\n', mode: '0600', notify: 'say hi' })));
    const first = await run(body);
    expect(first.ok).toBe(true);
    expect(first.changed).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe('one\n');
    expect((await import('node:fs')).statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(work, 'handler.log'), 'utf8')).toBe('hi\n');
    const second = await run(body);
    expect(second.changed).toBe(0);
    expect(second.hosts[0]!.tasks[0]!.reason).toMatch(/up to date/);
    expect(readFileSync(join(work, 'handler.log'), 'utf8')).toBe('hi\n'); // handler only on change
    await run(async ({ hosts }) => hosts.all(async (h) => void (await h.file(path, { content: 'two\n', mode: '0600' }))));
    expect(readFileSync(path + '.hactl-bak', 'utf8')).toBe('one\n');
  });

  it('check mode: nothing touched on disk, a unified diff reported', async () => {
    const path = join(work, 'b.conf');
    writeFileSync(path, 'token: 3000\n');
    const s = await run(async ({ hosts }) => hosts.all(async (h) => void (await h.file(path, { content: 'token: 1000\n' }))), true);
    const t = s.hosts[0]!.tasks[0]!;
    expect(t.changed).toBe(true);
    expect(t.checkOnly).toBe(true);
    expect(t.diff).toContain('-token: 3000');
    expect(t.diff).toContain('+token: 1000');
    expect(readFileSync(path, 'utf8')).toBe('token: 3000\n');
  });

  it('a failing validate leaves the old file intact and shows the validator output', async () => {
    const path = join(work, 'c.conf');
    writeFileSync(path, 'good\n');
    const s = await run(async ({ hosts }) =>
      hosts.all(
        async (h) =>
          void (await h.file(path, { content: 'bad\n', validate: `grep -q good %s || { echo "line 1: expected good" ; exit 3; }` })),
      ),
    );
    expect(s.ok).toBe(false);
    expect(s.hosts[0]!.error).toMatch(/validation refused/);
    expect(s.hosts[0]!.tasks[0]!.failed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('good\n');
    const leftovers = (await import('node:fs')).readdirSync(work).filter((f) => f.includes('hactl-') && !f.endsWith('bak'));
    expect(leftovers).toEqual([]);
  });

  it('template: strict rendering, secrets masked in the diff but written to the file', async () => {
    const path = join(work, 'authkeys');
    const tpl = join(work, 'authkeys.hbs');
    writeFileSync(tpl, 'auth 1\n1 sha1 {{secret key}}\n');
    const key = new Secret('s3cr3t-value-xyz');
    const events: RunEvent[] = [];
    const s = await run(
      async ({ hosts }) => hosts.all(async (h) => void (await h.template(tpl, path, { vars: { key }, mode: '0600', secret: true }))),
      false,
      events,
    );
    expect(s.ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('s3cr3t-value-xyz');
    expect(JSON.stringify(events)).not.toContain('s3cr3t-value-xyz');
    const bad = await run(async ({ hosts }) => hosts.all(async (h) => void (await h.template(tpl, path, { vars: {} }))));
    expect(bad.hosts[0]!.error).toMatch(/helper `secret` was given an undefined value/);
  });

  it('command: creates / unless guards make it idempotent', async () => {
    const marker = join(work, 'made');
    const body = async ({ hosts }: { hosts: import('../../src/runtime/group.js').HostGroup }) =>
      hosts.all(async (h) => void (await h.command(`echo x >> ${marker}.log && touch ${marker}`, { creates: marker })));
    expect((await run(body)).changed).toBe(1);
    expect((await run(body)).changed).toBe(0);
    expect(readFileSync(marker + '.log', 'utf8')).toBe('x\n');
  });

  it('service: starts a sysv service once, then reports it running', async () => {
    // a name of its own per run: two checkouts' test runs on one machine must not share it
    const name = `hactl-itest-${process.pid}`;
    const script = `/etc/init.d/${name}`;
    const flag = join(work, 'svc.running');
    writeFileSync(
      script,
      `#!/bin/sh\ncase "$1" in start) touch ${flag};; stop) rm -f ${flag};; status) test -e ${flag};; restart) touch ${flag};; esac\n`,
    );
    chmodSync(script, 0o755);
    try {
      const body = async ({ hosts }: { hosts: import('../../src/runtime/group.js').HostGroup }) =>
        hosts.all(async (h) => void (await h.service(name, { state: 'started' })));
      const first = await run(body);
      expect(first.hosts[0]!.tasks[0]!.reason).toBe(`start ${name}`);
      expect(existsSync(flag)).toBe(true);
      const again = await run(body);
      expect(again.changed).toBe(0);
      expect(again.hosts[0]!.tasks[0]!.reason).toMatch(/running/);
    } finally {
      rmSync(script, { force: true });
    }
  });

  it('one SSH connection per host for a whole run', async () => {
    let opened = 0;
    const connector = new Connector(async (n) => {
      opened++;
      return SshConnection.open(await resolveTarget(n));
    });
    const c = cluster();
    c.nodes[0] = { ...c.nodes[0]!, ...node() } as never;
    const s = await runPlaybook(
      definePlaybook('many', async ({ hosts }) => {
        await hosts.all(async (h) => {
          for (let i = 0; i < 5; i++) await h.file(join(work, `m${i}`), { content: `${i}\n` });
        });
        await hosts.all(async (h) => void (await h.command('true')));
      }),
      { cluster: c, connector },
    );
    await connector.closeAll();
    expect(s.ok).toBe(true);
    expect(opened).toBe(1);
  });

  it('refuses an unknown host key, and a changed one, naming the fingerprint', async () => {
    const base = { ...node(), role: 'master' as const, nodeId: 1, vars: {} };
    const empty = join(work, 'known_empty');
    writeFileSync(empty, '');
    await expect(SshConnection.open(await resolveTarget({ ...base, ssh: { ...base.ssh, knownHosts: empty } }))).rejects.toThrow(
      /unknown host key for 127.0.0.1 \(SHA256:/,
    );
    const wrong = join(work, 'known_wrong');
    const otherKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIBm1fake0000000000000000000000000000000000000';
    writeFileSync(wrong, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${otherKey}\n`);
    const err = await SshConnection.open(await resolveTarget({ ...base, ssh: { ...base.ssh, knownHosts: wrong } })).catch((e) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect(err.message).toMatch(/CHANGED/);
    expect(err.details.location).toBe(`${wrong}:1`);
    // accept-new records an unknown key, then connects
    const c = await SshConnection.open(await resolveTarget({ ...base, ssh: { ...base.ssh, knownHosts: empty } }), {
      acceptNewHostKeys: true,
    });
    expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    await c.close();
    expect(readFileSync(empty, 'utf8')).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519`);
  });

  it('@revoked: the real key listed @revoked is refused, even though a plain line lists it too', async () => {
    const base = { ...node(), role: 'master' as const, nodeId: 1, vars: {} };
    const file = join(work, 'known_revoked');
    const [, type, key] = sshd.hostKeyLine.split(' ');
    writeFileSync(
      file,
      `${sshd.hostKeyLine}
@revoked * ${type} ${key}
`,
    );
    const err = await SshConnection.open(await resolveTarget({ ...base, ssh: { ...base.ssh, knownHosts: file } }), {
      acceptNewHostKeys: true,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect(err.message).toMatch(/host key for 127.0.0.1 is REVOKED \(SHA256:/);
    expect(err.details.location).toBe(`${file}:2`);
  });

  it('accept-new: a known key of another type binds the host; the new type is refused, not recorded', async () => {
    const base = { ...node(), role: 'master' as const, nodeId: 1, vars: {} };
    spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', join(work, 'other_ecdsa')]);
    const [type, key] = readFileSync(join(work, 'other_ecdsa.pub'), 'utf8').split(' ');
    const file = join(work, 'known_other_type');
    const text = `# another key type for this host\n[127.0.0.1]:${sshd.port} ${type} ${key}\n`;
    writeFileSync(file, text);
    const err = await SshConnection.open(await resolveTarget({ ...base, ssh: { ...base.ssh, knownHosts: file } }), {
      acceptNewHostKeys: true,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect(err.message).toMatch(/CHANGED \(known: a ecdsa-sha2-nistp256 key; now a ssh-ed25519 key\)/);
    expect(err.details.location).toBe(`${file}:2`);
    expect(err.details.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('an unreachable host fails that host only, with a clear message', async () => {
    const c = testCluster([node(), { ...node(), name: 'ghost', connect: '127.0.0.1', ssh: { ...node().ssh, port: 1 } }]);
    const s = await runPlaybook(
      definePlaybook('x', async ({ hosts }) => hosts.all(async (h) => void (await h.command('true')))),
      { cluster: c },
    );
    expect(s.hosts.find((h) => h.host === 'local')!.failed).toBe(false);
    expect(s.hosts.find((h) => h.host === 'ghost')!.error).toMatch(/cannot connect to 127.0.0.1:1/);
  });

  it('a connection whose server side dies fails its command in flight and every later one (no hang, no crash)', async () => {
    const c = await SshConnection.open(await resolveTarget({ ...node(), role: 'master' as const, nodeId: 1, vars: {} }));
    const pid = (await c.exec('echo $PPID')).stdout.trim(); // the sshd process serving this connection
    const inFlight = c.exec('sleep 60');
    const t0 = Date.now();
    // the session's sshd goes away as when a node is powered off: the client sees the reset
    spawnSync('kill', ['-9', pid]);
    await expect(inFlight).rejects.toThrow(/connection lost/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(c.exec('true')).rejects.toThrow(/connection lost/);
    await c.close();
  });
});
