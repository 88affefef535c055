/**
 * The one judge of a DRBD resource's state (parsed by src/facts/drbd-status.ts): smoke,
 * drift, failover-test's preflight and restore, and add-node all ask it, so "healthy"
 * means the same everywhere and is worded the same way.
 *
 * Two strictnesses: `in-sync` (drift, a fault injected only on a pair in sync, a move back
 * after a resync) wants every disk UpToDate, every peer Connected and Established with an
 * UpToDate disk; `serving` (smoke right after a bootstrap or a replacement) lets a resync
 * run (an Inconsistent disk being synced) and, when told, a peer that is away but being
 * waited for. StandAlone (DRBD gave up connecting) is a problem in both.
 */
import type { DrbdState } from '../facts/drbd-status.js';

export type DrbdStrictness = 'in-sync' | 'serving';

export interface DrbdJudgeOptions {
  /** default `in-sync` */
  strictness?: DrbdStrictness;
  /** `serving` only: a peer not connected (but not StandAlone) is expected, e.g. a twin being replaced */
  peerMayBeGone?: boolean;
}

/** A resync running between the two sides (8.4's SyncSource/SyncTarget, paused or not). */
export const isResyncing = (replication: string | undefined): boolean => Boolean(replication && /^(Sync|PausedSync)/.test(replication));

/**
 * What is wrong with one resource as one node sees it, as short phrases (empty: healthy).
 * @example drbdProblems({ name: 'r0', role: 'Secondary', disks: ['Outdated'], peers: [{ name: 'peer', connection: 'WFConnection' }] })
 *   // ['disk Outdated', 'connection WFConnection']
 */
export function drbdProblems(st: DrbdState, o: DrbdJudgeOptions = {}): string[] {
  const serving = o.strictness === 'serving';
  const syncing = st.peers.some((p) => isResyncing(p.replication));
  const out: string[] = [];
  if (!st.disks.length) out.push('disk unknown');
  for (const d of st.disks) if (d !== 'UpToDate' && !(serving && syncing && d === 'Inconsistent')) out.push(`disk ${d}`);
  if (!st.peers.length && !serving) out.push('no peer configured');
  for (const p of st.peers) {
    if (p.connection !== 'Connected') {
      if (p.connection === 'StandAlone') out.push('connection StandAlone (not trying to connect)');
      else if (!(serving && o.peerMayBeGone)) out.push(`connection ${p.connection}`);
      continue;
    }
    if (serving) continue;
    if (p.replication && p.replication !== 'Established') out.push(`${p.replication}${p.done !== undefined ? ` ${p.done}%` : ''}`);
    if (p.peerDisk && p.peerDisk !== 'UpToDate') out.push(`peer disk ${p.peerDisk}`);
  }
  return out;
}

/**
 * Every resource Connected with both disks UpToDate and no resync running: the state a
 * fault is injected on, and the one a move back waits for.
 * @example drbdInSync(states) // { ok: true, detail: 'r0 UpToDate on both sides' }
 */
export function drbdInSync(states: DrbdState[] | undefined, raw = ''): { ok: boolean; detail: string } {
  if (!states) return { ok: true, detail: 'no DRBD kernel module: not in use' };
  if (!states.length) return { ok: false, detail: `cannot read the DRBD state: ${raw.trim().split('\n').slice(-1)[0] ?? 'no output'}` };
  const bad = states.flatMap((st) => {
    const why = drbdProblems(st);
    return why.length ? [`${st.name}: ${why.join(', ')}`] : [];
  });
  return bad.length
    ? { ok: false, detail: `not in sync: ${bad.join('; ')}` }
    : { ok: true, detail: `${states.map((s) => s.name).join(', ')} UpToDate on both sides` };
}
