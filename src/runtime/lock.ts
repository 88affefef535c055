/**
 * The run lock: one changing run per cluster at a time. Two locks, both taken before the
 * first change and held to the end:
 * - local, a file per cluster on the orchestrator (pid, user@host, command, start time),
 *   taken with O_EXCL; a lock whose pid no longer runs on this host is stale and broken;
 * - on every node, `flock` on /var/lib/hactl/run.lock, held by a process on its own channel
 *   of the run's SSH connection: it ends when the connection does (the holder killed, the
 *   session closed), and on its own when the holder's keep-alive lines stop for a minute
 *   (a cut link that sshd has not noticed yet). So a lock never outlives its run by more
 *   than the lease.
 * Read-only commands (plan, drift without --fix, smoke) take no lock.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { NodeError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import type { NodeModel } from '../inventory/model.js';
import type { Held } from '../transport/types.js';
import type { Connector } from './connector.js';
import { nodeStateDir } from './pending.js';
import { mapBounded } from './pool.js';

/** Who holds a lock. */
export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  command: string;
  /** ISO time the lock was taken */
  since: string;
}

const nodeLock = (): string => `${nodeStateDir()}/run.lock`;
const nodeLockHolder = (): string => `${nodeStateDir()}/run.lock.holder`;
/** A node lock without a keep-alive line for this long is released by the node. */
export const LEASE_SECONDS = 60;
const KEEPALIVE_MS = 15_000;
const BUSY = 75;

export function me(command: string, now = new Date()): LockHolder {
  return { user: userInfo().username, host: hostname(), pid: process.pid, command: command.slice(0, 160), since: now.toISOString() };
}

/**
 * "root@orch (pid 4242, `hactl bootstrap -i lab.yaml`, since 16:59:01 UTC, 2 min ago)"
 * @example describeHolder(h, new Date()) // root@orch (pid 4242, `hactl bootstrap …`, since 16:59:01 UTC, 12 s ago)
 */
export function describeHolder(h: Partial<LockHolder>, now = new Date()): string {
  const since = h.since ? new Date(h.since) : undefined;
  const ago = since ? Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000)) : undefined;
  const when = since
    ? `, since ${since.toISOString().slice(11, 19)} UTC, ${ago! < 120 ? `${ago} s` : `${Math.round(ago! / 60)} min`} ago`
    : '';
  return `${h.user ?? '?'}@${h.host ?? '?'} (pid ${h.pid ?? '?'}, \`${h.command ?? '?'}\`${when})`;
}

/** The local lock file of a cluster: $HACTL_LOCK_DIR, else $XDG_RUNTIME_DIR/hactl, else ~/.cache/hactl/locks. */
export function localLockPath(cluster: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.HACTL_LOCK_DIR ?? (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'hactl') : join(homedir(), '.cache/hactl/locks'));
  return join(dir, `${cluster.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
}

/** True while pid runs on this host (EPERM: it runs, as someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type LocalAttempt = { ok: true; broke?: Partial<LockHolder> } | { ok: false; holder: Partial<LockHolder> };

/**
 * Takes the local lock once. A lock left by a pid that no longer runs on this host (or an
 * unreadable one) is stale: it is removed and taken, and `broke` says whose it was.
 */
export function tryLocalLock(path: string, holder: LockHolder, alive: (pid: number) => boolean = pidAlive): LocalAttempt {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  let broke: Partial<LockHolder> | undefined;
  for (let i = 0; i < 3; i++) {
    try {
      writeFileSync(path, JSON.stringify(holder) + '\n', { flag: 'wx', mode: 0o600 });
      return { ok: true, broke };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let other: Partial<LockHolder> = {};
    try {
      other = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    } catch {
      other = {}; // half-written or garbage: nobody can prove they hold it
    }
    const stale = typeof other.pid !== 'number' || (other.host === holder.host && !alive(other.pid));
    if (!stale) return { ok: false, holder: other };
    broke = other;
    rmSync(path, { force: true });
  }
  return { ok: false, holder: broke ?? {} };
}

/** Removes the local lock if it is still ours. */
export function releaseLocalLock(path: string, holder: LockHolder): void {
  try {
    const other = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (other.pid === holder.pid && other.host === holder.host) rmSync(path, { force: true });
  } catch {
    // gone already
  }
}

/**
 * The node side: flock, then the holder's line in run.lock.holder, `LOCKED`, and a loop
 * that lives while keep-alive lines come (at most {@link LEASE_SECONDS} apart) and stdin
 * is open. Busy: `BUSY <holder line>` and exit 75.
 */
export function nodeLockCommand(holder: LockHolder, lease = LEASE_SECONDS): string {
  const body = `printf '%s\\n' "$1" > ${nodeLockHolder()}; echo LOCKED; while read -r -t ${lease} _; do :; done; rm -f ${nodeLockHolder()}`;
  return [
    `mkdir -p ${nodeStateDir()}`,
    `flock -n -E ${BUSY} ${nodeLock()} bash -c ${quote(body)} hactl-lock ${quote(JSON.stringify(holder))}`,
    `rc=$?; if [ $rc -eq ${BUSY} ]; then echo "BUSY $(cat ${nodeLockHolder()} 2>/dev/null)"; fi; exit $rc`,
  ].join('\n');
}

/** Pure: the first line the node lock command printed. */
export function parseNodeLock(first: string): { ok: true } | { ok: false; holder?: Partial<LockHolder>; raw: string } {
  if (first.trim() === 'LOCKED') return { ok: true };
  const m = /^BUSY\s*(.*)$/.exec(first.trim());
  if (m) {
    try {
      return { ok: false, holder: JSON.parse(m[1] ?? '') as Partial<LockHolder>, raw: first };
    } catch {
      return { ok: false, raw: first };
    }
  }
  return { ok: false, raw: first };
}

export interface RunLockOptions {
  cluster: string;
  nodes: NodeModel[];
  connector: Connector;
  /** the command line, for the holder's record */
  command: string;
  /** wait up to this many seconds for a busy lock (0: refuse at once) */
  waitSeconds?: number;
  /** nodes locked in parallel after the first (default 10) */
  forks?: number;
  /** told once when a busy lock makes us wait, and when a stale one is broken */
  notice?: (message: string) => void;
}

/** A held run lock; release() is idempotent. */
export interface RunLock {
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the cluster's run lock: the local file, then the first node of the inventory, then
 * the others in parallel (`flock -n` never blocks: a run that meets a busy node lets go of
 * all it holds). Refuses at once naming the holder, or waits (`waitSeconds`). An unreachable node is left
 * out of the lock: the run fails there on its own.
 *
 * @example
 *   const lock = await acquireRunLock({ cluster: 'web', nodes: cluster.nodes, connector, command: 'hactl bootstrap' });
 *   try { … } finally { await lock.release(); }
 */
export async function acquireRunLock(o: RunLockOptions): Promise<RunLock> {
  const holder = me(o.command);
  // two clusters of one name (the labs side by side, two customers' "web") are two locks:
  // the key is the name and the nodes' addresses
  const addresses = o.nodes
    .map((n) => n.address)
    .sort()
    .join(',');
  const path = localLockPath(`${o.cluster}-${createHash('sha256').update(addresses).digest('hex').slice(0, 8)}`);
  const deadline = Date.now() + (o.waitSeconds ?? 0) * 1000;
  let told = false;
  for (;;) {
    const busy = await attempt(o, holder, path);
    if ('lock' in busy) return busy.lock;
    if (Date.now() >= deadline) {
      throw new NodeError(`cluster ${o.cluster} is locked by another run${busy.where}: ${describeHolder(busy.holder)}`, {
        hint: o.waitSeconds
          ? `still held after waiting ${o.waitSeconds} s`
          : 'wait for it to finish, or add --wait-lock to wait; a lock left by a dead run is broken on its own ' +
            '(local: its pid is gone; on a node: with its SSH session, or after ' +
            LEASE_SECONDS +
            ' s without keep-alive)',
      });
    }
    if (!told) o.notice?.(`waiting for the run lock of ${o.cluster}${busy.where}, held by ${describeHolder(busy.holder)}`);
    told = true;
    await sleep(2000);
  }
}

type Attempt = { lock: RunLock } | { holder: Partial<LockHolder>; where: string };

async function attempt(o: RunLockOptions, holder: LockHolder, path: string): Promise<Attempt> {
  const local = tryLocalLock(path, holder);
  if (!local.ok) return { holder: local.holder, where: '' };
  if (local.broke) o.notice?.(`broke a stale local run lock of ${describeHolder(local.broke)}: that process is gone`);
  const held: Held[] = [];
  const releaseAll = async (): Promise<void> => {
    clearInterval(timer);
    for (const h of held) h.end();
    // at most 3 s for the nodes' lock holders to exit; the timer is cleared once they have,
    // or it would keep the process alive those 3 s after every run
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(held.map((h) => h.exited)), new Promise((r) => (timeout = setTimeout(r, 3000)))]);
    clearTimeout(timeout);
    releaseLocalLock(path, holder);
  };
  const timer = setInterval(() => held.forEach((h) => h.write('\n')), KEEPALIVE_MS);
  timer.unref();
  const onExit = () => releaseLocalLock(path, holder);
  process.once('exit', onExit);
  // the first node alone (every run starts there, so of two racing runs one wins it and
  // the other refuses), then the others in parallel: no handshake after handshake
  const [first, ...rest] = o.nodes;
  // the others' handshakes overlap the first node's lock: a connection takes no lock, and
  // the connector hands the same one to lockNode below (and to the run after it)
  for (const n of rest.slice(0, Math.max(0, (o.forks ?? 10) - 1))) o.connector.get(n).catch(() => undefined);
  const outcomes: NodeOutcome[] = first ? [await lockNode(o, first, holder)] : [];
  if (outcomes[0]?.kind !== 'busy' && outcomes[0]?.kind !== 'error') {
    // lockNode never throws: an unreachable node is 'skipped'
    const settled = await mapBounded(rest, o.forks ?? 10, (n) => lockNode(o, n, holder));
    outcomes.push(...settled.map((x): NodeOutcome => (x.status === 'fulfilled' ? x.value : { kind: 'skipped' })));
  }
  for (const x of outcomes) if (x.kind === 'held') held.push(x.held);
  const refused = outcomes.find((x) => x.kind === 'busy' || x.kind === 'error');
  if (refused) {
    await releaseAll();
    process.off('exit', onExit);
    if (refused.kind === 'error') throw refused.error;
    if (refused.kind === 'busy') return { holder: refused.holder, where: ` on ${refused.node}` };
  }
  let released = false;
  return {
    lock: {
      release: async () => {
        if (released) return;
        released = true;
        await releaseAll();
        process.off('exit', onExit);
      },
    },
  };
}

type NodeOutcome =
  | { kind: 'held'; held: Held }
  | { kind: 'skipped' }
  | { kind: 'busy'; node: string; holder: Partial<LockHolder> }
  | { kind: 'error'; error: NodeError };

/** One node's lock. BUSY without a readable holder is a taker between flock and its record: asked again. */
async function lockNode(o: RunLockOptions, n: NodeModel, holder: LockHolder): Promise<NodeOutcome> {
  for (let attempt = 0; ; attempt++) {
    let h: Held;
    try {
      const conn = await o.connector.get(n);
      if (!conn.hold) return { kind: 'skipped' };
      h = await conn.hold(nodeLockCommand(holder));
    } catch {
      return { kind: 'skipped' }; // unreachable: the run reports it; nothing can change there from here either
    }
    const r = parseNodeLock(h.first);
    if (r.ok) return { kind: 'held', held: h };
    // two inventory names for one machine: this run holds its lock already
    if (r.holder && sameHolder(r.holder, holder)) return { kind: 'skipped' };
    if (r.holder) return { kind: 'busy', node: n.name, holder: r.holder };
    if (r.raw.startsWith('BUSY') && attempt < 10) {
      await sleep(200);
      continue;
    }
    const out = (await Promise.race([h.exited, sleep(2000).then(() => undefined)]))?.output ?? '';
    return {
      kind: 'error',
      error: new NodeError(`cannot take the run lock on ${n.name}`, {
        host: n.name,
        output: `${r.raw}\n${out}`.trim(),
        hint: 'the node needs flock (util-linux) and bash',
      }),
    };
  }
}

const sameHolder = (a: Partial<LockHolder>, b: LockHolder): boolean => a.pid === b.pid && a.host === b.host && a.since === b.since;
