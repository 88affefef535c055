import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector, sshConnect } from '../../src/runtime/connector.js';
import { nodeLockCommand, parseNodeLock } from '../../src/runtime/lock.js';
import { definePlaybook } from '../../src/runtime/playbook.js';
import { runPlaybook } from '../../src/runtime/run.js';
import { resolveTarget, SshConnection } from '../../src/transport/ssh.js';
import { testCluster } from '../helpers/model.js';
import { sshdMissing, startSshd, type TestSshd } from '../helpers/sshd.js';

// Interrupted runs over a real OpenSSH sshd on 127.0.0.1: a connection cut mid-transfer
// leaves the old file, and the node's run lock goes with its holder's connection.
// (Generous waits: CI machines and shared hosts can be slow; the happy path takes ~1 s.)
const missing = sshdMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs real-SSH tests: ${missing}`);

const until = async (probe: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return probe();
};

describe.skipIf(Boolean(missing))(`interrupted runs over real SSH${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let sshd: TestSshd;
  let work: string;
  const node = () => ({
    name: 'local',
    address: '127.0.0.1',
    connect: '127.0.0.1',
    role: 'master' as const,
    nodeId: 1,
    vars: {},
    ssh: { user: 'root', port: sshd.port, identity: sshd.clientKey, knownHosts: sshd.knownHosts, config: '/nonexistent', become: false },
  });
  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'hactl-interrupted-'));
    process.env.HACTL_NODE_STATE_DIR = join(work, 'state');
  });
  afterAll(async () => {
    delete process.env.HACTL_NODE_STATE_DIR;
    delete process.env.HACTL_TEST_STALL_STREAM;
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a connection cut while a file streams: the staged copy is refused, the old file stays, no temp file is left', async () => {
    const path = join(work, 'ha.cf');
    writeFileSync(path, 'deadtime 30\n');
    const content = 'deadtime 10\n'.repeat(1000);
    process.env.HACTL_TEST_STALL_STREAM = `${path}:4096`; // 4 KiB arrive, then the stream hangs
    const connector = new Connector(sshConnect());
    const book = definePlaybook(
      't',
      async ({ hosts }) => hosts.all(async (h) => void (await h.file(path, { content, notify: 'restart' }))),
      {
        handlers: { restart: async () => undefined },
      },
    );
    const run = runPlaybook(book, { cluster: testCluster([node()]), connector });
    const staged = () => readdirSync(work).filter((f) => f.startsWith('.ha.cf.hactl-'));
    expect(await until(() => staged().some((f) => statSync(join(work, f)).size === 4096), 45_000)).toBe(true);
    await connector.reset('local'); // the cut
    const summary = await run;
    delete process.env.HACTL_TEST_STALL_STREAM;
    expect(summary.hosts[0]!.error).toMatch(/connection (lost|closed)/);
    // on the node, cat saw EOF: the script checks the copy, exits 98 and removes it
    expect(await until(() => staged().length === 0, 30_000)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('deadtime 30\n');
    expect(existsSync(join(work, 'state/pending/restart'))).toBe(false); // recorded only after the check
    await connector.closeAll();
  }, 120_000);

  it("the node's run lock is held by a process of the holder's session: busy for others, free once that connection is gone", async () => {
    const holder = (pid: number) => ({ user: 'root', host: 'orch', pid, command: 'hactl bootstrap', since: new Date().toISOString() });
    const a = await SshConnection.open(await resolveTarget(node()));
    const b = await SshConnection.open(await resolveTarget(node()));
    const held = await a.hold(nodeLockCommand(holder(1)));
    expect(held.first).toBe('LOCKED');
    const busy = await b.hold(nodeLockCommand(holder(2)));
    expect(parseNodeLock(busy.first)).toMatchObject({ ok: false, holder: { pid: 1, command: 'hactl bootstrap' } });
    await a.close(); // as when hactl is killed: its connection drops
    // sshd sees the client go and closes the channel: the holder reads EOF and exits
    const end = Date.now() + 30_000;
    let again = '';
    while (again !== 'LOCKED' && Date.now() < end) {
      const h = await b.hold(nodeLockCommand(holder(3)));
      again = h.first;
      if (again === 'LOCKED') h.end();
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(again).toBe('LOCKED');
    await b.close();
  }, 120_000);
});
