/**
 * Pacemaker's fencing history: who fenced whom, how and when, as the fencer of a running
 * node remembers it (`stonith_admin --history '*'`, every target, in XML). Read-only:
 * the fencer only answers from memory. Heartbeat keeps no such history.
 */
import { findAll, parseXml } from '../core/xml.js';
import type { Fact } from './fact.js';

/** One fencing operation. */
export interface FenceEvent {
  /** the node that was (to be) fenced */
  target: string;
  /** the node that ran the fence device (Pacemaker's `delegate`), else the one that asked (`origin`) */
  by: string;
  /** off, reboot, on */
  action: string;
  /** when it completed (epoch ms; second precision); absent while pending */
  at?: number;
  /** success, failed or pending */
  result: string;
}

/** Read-only; `--verbose` lists every recorded operation, not only the last per target. */
export const FENCE_HISTORY_COMMAND = "stonith_admin --history '*' --verbose --output-as=xml 2>/dev/null";

/**
 * A completion time as Pacemaker prints it (`2026-11-28 15:10:01Z`, `2026-11-28 15:10:01 +01:00`,
 * with or without fractions of a second), as epoch ms; undefined when it cannot be read.
 * @example fenceTime('2026-11-28 15:10:01Z') // Date.UTC(2026, 10, 28, 15, 10, 1)
 */
export function fenceTime(text: string | undefined): number | undefined {
  const m = /^\s*(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?\s*$/.exec(text ?? '');
  if (!m) return undefined;
  const zone = !m[4] || m[4] === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The `fence_event` elements of `stonith_admin --history … --output-as=xml`, oldest first
 * (pending ones last). Output that is not XML (no fencer, an old Pacemaker) is no history.
 * @example parseFenceHistory('<pacemaker-result><fence_history><fence_event action="off" target="master" …/>')
 *   // [{ target: 'master', by: 'arbitrator', action: 'off', at: 1795878601000, result: 'success' }]
 */
export function parseFenceHistory(xml: string): FenceEvent[] {
  if (!xml.includes('<')) return [];
  let root: ReturnType<typeof parseXml>;
  try {
    root = parseXml(xml);
  } catch {
    return [];
  }
  const events = findAll(root, 'fence_event').map((e): FenceEvent => {
    const at = fenceTime(e.attrs.completed);
    return {
      target: e.attrs.target ?? '?',
      by: e.attrs.delegate ?? e.attrs.origin ?? '?',
      action: e.attrs.action ?? '?',
      ...(at === undefined ? {} : { at }),
      result: e.attrs.status ?? 'pending',
    };
  });
  return events.sort((a, b) => (a.at ?? Number.MAX_SAFE_INTEGER) - (b.at ?? Number.MAX_SAFE_INTEGER));
}

/** The fencing history as a fact (exit code ignored: no fencer running is an empty history). */
export const FENCE_HISTORY: Fact<FenceEvent[]> = {
  command: FENCE_HISTORY_COMMAND,
  parse: (stdout) => parseFenceHistory(stdout),
};

/**
 * The operations that completed at or after `since` (epoch ms; compared by the second, as
 * Pacemaker records them), plus the pending ones.
 * @example fencedSince(events, faultAt).map((e) => `${e.by} → ${e.target}`) // ['arbitrator → master']
 */
export function fencedSince(events: readonly FenceEvent[], since: number): FenceEvent[] {
  const floor = Math.floor(since / 1000) * 1000;
  return events.filter((e) => e.at === undefined || e.at >= floor);
}
