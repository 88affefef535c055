import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Connector } from '../../../src/runtime/connector.js';
import {
  acquireRunLock,
  describeHolder,
  localLockPath,
  me,
  nodeLockCommand,
  parseNodeLock,
  releaseLocalLock,
  tryLocalLock,
} from '../../../src/runtime/lock.js';
import { LocalConnection } from '../../../src/transport/local.js';
import { testCluster } from '../../helpers/model.js';

// The run lock (issue #24): two changing runs of one cluster never interleave; a lock left
// by a dead run does not block forever.
const holder = (pid: number, command = 'hactl bootstrap -i lab.yaml') => ({
  user: 'root',
  host: hostname(),
  pid,
  command,
  since: '2026-11-27T16:59:01.000Z',
});

describe('the local lock file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-lock-'));

  it('is keyed by cluster under $HACTL_LOCK_DIR, $XDG_RUNTIME_DIR/hactl or ~/.cache/hactl/locks', () => {
    expect(localLockPath('web', { HACTL_LOCK_DIR: '/x' })).toBe('/x/web.lock');
    expect(localLockPath('web', { XDG_RUNTIME_DIR: '/run/user/0' })).toBe('/run/user/0/hactl/web.lock');
    expect(localLockPath('web', {})).toMatch(/\.cache\/hactl\/locks\/web\.lock$/);
  });

  it('the second taker is refused and told who holds it; the holder releases it', () => {
    const path = join(dir, 'a.lock');
    const first = holder(process.pid);
    expect(tryLocalLock(path, first)).toEqual({ ok: true, broke: undefined });
    const second = tryLocalLock(path, holder(process.pid + 1, 'hactl add-node x'), () => true);
    expect(second).toEqual({ ok: false, holder: first });
    releaseLocalLock(path, holder(process.pid + 1)); // not ours: stays
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    releaseLocalLock(path, first);
    expect(tryLocalLock(path, holder(4)).ok).toBe(true);
  });

  it('a lock whose pid is gone (kill -9), or that cannot be read, is stale: broken and taken', () => {
    const path = join(dir, 'b.lock');
    writeFileSync(path, JSON.stringify(holder(999_999)));
    expect(tryLocalLock(path, holder(process.pid), () => false)).toEqual({ ok: true, broke: holder(999_999) });
    writeFileSync(path, '{"pid": 12');
    expect(tryLocalLock(path, holder(process.pid)).ok).toBe(true);
  });

  it("another host's lock (a shared home) is never judged by our pids", () => {
    const path = join(dir, 'c.lock');
    writeFileSync(path, JSON.stringify({ ...holder(999_999), host: 'other-orchestrator' }));
    expect(tryLocalLock(path, holder(process.pid), () => false).ok).toBe(false);
  });

  it('describes the holder: user@host, pid, command, since when', () => {
    expect(describeHolder(holder(4242), new Date('2026-11-27T17:01:01Z'))).toBe(
      `root@${hostname()} (pid 4242, \`hactl bootstrap -i lab.yaml\`, since 16:59:01 UTC, 2 min ago)`,
    );
    expect(describeHolder({})).toBe('?@? (pid ?, `?`)');
  });
});

describe("the node lock (flock held by a process of the run's session)", () => {
  let state: string;
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'hactl-nodelock-'));
    saved = { s: process.env.HACTL_NODE_STATE_DIR, l: process.env.HACTL_LOCK_DIR };
    process.env.HACTL_NODE_STATE_DIR = state;
  });
  afterEach(() => {
    for (const [k, v] of [
      ['HACTL_NODE_STATE_DIR', saved.s],
      ['HACTL_LOCK_DIR', saved.l],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('parses LOCKED, BUSY with the holder, and anything else', () => {
    expect(parseNodeLock('LOCKED')).toEqual({ ok: true });
    expect(parseNodeLock(`BUSY ${JSON.stringify(holder(7))}`)).toMatchObject({ ok: false, holder: holder(7) });
    expect(parseNodeLock('sh: flock: not found')).toMatchObject({ ok: false, raw: 'sh: flock: not found' });
  });

  it('is released when its holder goes (EOF on the session) and after the lease without keep-alive', async () => {
    const c = new LocalConnection();
    const a = await c.hold(nodeLockCommand(holder(1)));
    expect(a.first).toBe('LOCKED');
    const b = await c.hold(nodeLockCommand(holder(2)));
    expect(parseNodeLock(b.first)).toMatchObject({ ok: false, holder: holder(1) });
    a.end(); // the holder's connection is gone
    await a.exited;
    const d = await c.hold(nodeLockCommand(holder(3), 1)); // a 1 s lease, no keep-alive
    expect(d.first).toBe('LOCKED');
    const t0 = Date.now();
    await d.exited;
    expect(Date.now() - t0).toBeLessThan(3000);
    const e = await c.hold(nodeLockCommand(holder(4)));
    expect(e.first).toBe('LOCKED');
    e.end();
  });

  it('acquireRunLock: a second run (another orchestrator: its own local lock) is refused naming the first; free again after release', async () => {
    const cluster = testCluster([{ name: 'one' }, { name: 'two' }]); // both "nodes" are this machine
    const connector = new Connector(async (n) => new LocalConnection(n.name));
    process.env.HACTL_LOCK_DIR = join(state, 'orch-a');
    const first = await acquireRunLock({ cluster: 'test', nodes: cluster.nodes, connector, command: 'hactl bootstrap' });
    process.env.HACTL_LOCK_DIR = join(state, 'orch-b');
    await expect(acquireRunLock({ cluster: 'test', nodes: cluster.nodes, connector, command: 'hactl run x.ts' })).rejects.toThrow(
      new RegExp(`cluster test is locked by another run on one: \\S+@\\S+ \\(pid ${process.pid}, \`hactl bootstrap\``),
    );
    // the same orchestrator: refused by the local lock already
    process.env.HACTL_LOCK_DIR = join(state, 'orch-a');
    await expect(acquireRunLock({ cluster: 'test', nodes: cluster.nodes, connector, command: 'hactl run x.ts' })).rejects.toThrow(
      /locked by another run: \S+@/,
    );
    await first.release();
    process.env.HACTL_LOCK_DIR = join(state, 'orch-b');
    const notices: string[] = [];
    const second = await acquireRunLock({
      cluster: 'test',
      nodes: cluster.nodes,
      connector,
      command: 'hactl run x.ts',
      notice: (m) => notices.push(m),
    });
    await second.release();
    expect(notices).toEqual([]);
  });

  it('--wait-lock waits for the holder and then runs', async () => {
    const cluster = testCluster([{ name: 'one' }]);
    const connector = new Connector(async (n) => new LocalConnection(n.name));
    process.env.HACTL_LOCK_DIR = join(state, 'orch-a');
    const first = await acquireRunLock({ cluster: 'test', nodes: cluster.nodes, connector, command: 'hactl bootstrap' });
    setTimeout(() => void first.release(), 1500);
    process.env.HACTL_LOCK_DIR = join(state, 'orch-b');
    const notices: string[] = [];
    const t0 = Date.now();
    const second = await acquireRunLock({
      cluster: 'test',
      nodes: cluster.nodes,
      connector,
      command: 'hactl run',
      waitSeconds: 20,
      notice: (m) => notices.push(m),
    });
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(notices[0]).toMatch(/^waiting for the run lock of test on one, held by \S+@\S+ \(pid /);
    await second.release();
  });

  it('me() records this process', () => {
    expect(me('hactl bootstrap')).toMatchObject({ pid: process.pid, host: hostname(), command: 'hactl bootstrap' });
  });
});
