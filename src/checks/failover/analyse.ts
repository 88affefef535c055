/**
 * Pure analysis of what the prober and the watcher recorded: outages as the client saw
 * them, who answered, when the cluster noticed, and split brain.
 */
import type { NodeSample, Outage, ProbeRecord, SplitBrain } from './types.js';

export interface ProbeAnalysis {
  outages: Outage[];
  /** longest outage (ms); 0 when no probe failed */
  longestMs: number;
  totalMs: number;
  /** nodes that answered, in order of first answer */
  answeredBy: string[];
  /** start of the last failed probe (epoch ms), if any */
  lastFailure?: number;
}

/**
 * Outages: each run of failed probes, from the first failed probe to the first good probe
 * after it (by probe start time). An outage still open at the end has no `end`, and
 * counts up to the last probe.
 *
 * @example
 *   analyseProbes([{ t: 0, ms: 2, ok: true }, { t: 100, ms: 1000, ok: false, error: 'timeout' }, { t: 200, ms: 2, ok: true }])
 *   // → { outages: [{ start: 100, end: 200, ms: 100, failed: 1, errors: ['timeout'] }], longestMs: 100, … }
 */
export function analyseProbes(records: readonly ProbeRecord[]): ProbeAnalysis {
  const sorted = [...records].sort((a, b) => a.t - b.t);
  const outages: Outage[] = [];
  let open: Outage | undefined;
  const answeredBy: string[] = [];
  let lastFailure: number | undefined;
  for (const r of sorted) {
    if (r.node && !answeredBy.includes(r.node)) answeredBy.push(r.node);
    if (!r.ok) {
      lastFailure = r.t;
      open ??= { start: r.t, failed: 0, errors: [] };
      open.failed++;
      const e = shortError(r);
      if (!open.errors.includes(e)) open.errors.push(e);
    } else if (open) {
      outages.push({ ...open, end: r.t, ms: Math.round(r.t - open.start) });
      open = undefined;
    }
  }
  const last = sorted[sorted.length - 1];
  if (open && last) outages.push({ ...open, ms: Math.round(last.t + last.ms - open.start) });
  const lengths = outages.map((o) => o.ms ?? 0);
  return { outages, longestMs: Math.max(0, ...lengths), totalMs: lengths.reduce((a, b) => a + b, 0), answeredBy, lastFailure };
}

function shortError(r: ProbeRecord): string {
  if (r.status !== undefined && !r.error) return `HTTP ${r.status}`;
  const e = r.error ?? 'failed';
  return /\b(E[A-Z]{3,})\b/.exec(e)?.[1] ?? e.slice(0, 40);
}

/**
 * True when the last `stableMs` before `at` is covered by good probes (at least 3).
 * @example stableSince(prober.records, now(), 2000) // the service answered for the last 2 s
 */
export function stableSince(records: readonly ProbeRecord[], at: number, stableMs: number): boolean {
  const tail = records.filter((r) => r.t >= at - stableMs && r.t <= at);
  return tail.length >= 3 && tail.every((r) => r.ok) && (tail[0]?.t ?? at) <= at - stableMs + 500;
}

/** What two twins must not hold at once: the VIP, or DRBD's Primary role. */
export interface Held {
  holds(s: NodeSample): boolean;
  /** the reason, e.g. "the VIP was configured on master and slave at the same time (3.0 s, 10 polls)" */
  reason(nodes: string[], ms: number, polls: number): string;
}

const span = (ms: number, polls: number): string => `(${(ms / 1000).toFixed(1)} s, ${polls} polls)`;

/** The floating IP configured on a node. */
export const VIP_HELD: Held = {
  holds: (s) => s.vip,
  reason: (nodes, ms, polls) => `the VIP was configured on ${nodes.join(' and ')} at the same time ${span(ms, polls)}`,
};

/** A DRBD resource Primary on a node (the watcher's `drbd` field; nodes without DRBD never hold it). */
export const DRBD_PRIMARY: Held = {
  holds: (s) => s.drbd === 'Primary',
  reason: (nodes, ms, polls) => `DRBD was Primary on ${nodes.join(' and ')} at the same time ${span(ms, polls)}`,
};

/**
 * Split brain: two twins hold the VIP (or, with `held` {@link DRBD_PRIMARY}, are DRBD
 * Primary) at the same time. Each twin's state at any moment is its newest poll (polls of
 * busy nodes do not line up in time); an overlap counts when it lasts `minMs` and every
 * twin in it reported holding in at least two polls, so a planned move caught half-way
 * (the old holder's last poll, the new holder's first) is not one. Unreachable twins do
 * not count: a cut-off node holding the VIP is invisible to clients.
 * @example findSplitBrain(watcher.samples, 300)?.reason // 'the VIP was configured on master and slave at the same time (3.0 s, 10 polls)'
 */
export function findSplitBrain(
  samples: readonly NodeSample[],
  pollMs: number,
  minMs = 2 * pollMs,
  held: Held = VIP_HELD,
): SplitBrain | undefined {
  const staleMs = Math.max(2000, 4 * pollMs);
  const latest = new Map<string, NodeSample>();
  let run: { since: number; until: number; nodes: string[]; polls: Map<string, number> } | undefined;
  let best: typeof run;
  for (const s of [...samples].sort((a, b) => a.t - b.t)) {
    latest.set(s.node, s);
    const holders = [...latest.values()]
      .filter((x) => x.reachable && held.holds(x) && s.t - x.t <= staleMs)
      .map((x) => x.node)
      .sort();
    if (holders.length < 2) {
      run = undefined;
      continue;
    }
    run ??= { since: s.t, until: s.t, nodes: holders, polls: new Map() };
    run.until = s.t;
    if (held.holds(s) && s.reachable) run.polls.set(s.node, (run.polls.get(s.node) ?? 0) + 1);
    const real = run.nodes.every((n) => (run!.polls.get(n) ?? 0) >= 2) && run.until - run.since >= minMs;
    if (real && (!best || run.until - run.since > best.until - best.since)) best = { ...run, polls: new Map(run.polls) };
  }
  if (!best) return undefined;
  const ms = Math.round(best.until - best.since);
  const polls = [...best.polls.values()].reduce((a, b) => a + b, 0);
  return { reason: held.reason(best.nodes, ms, polls), nodes: best.nodes, since: best.since, ms };
}

/**
 * Both split-brain rules over one set of samples: the VIP on two twins, else DRBD Primary
 * on both (the data itself diverging, even when only one twin has the VIP).
 * @example splitBrainOf(samples, 300)?.reason // 'DRBD was Primary on master and slave at the same time (1.2 s, 6 polls)'
 */
export function splitBrainOf(samples: readonly NodeSample[], pollMs: number): SplitBrain | undefined {
  return findSplitBrain(samples, pollMs) ?? findSplitBrain(samples, pollMs, 2 * pollMs, DRBD_PRIMARY);
}

/**
 * Answers that alternate between nodes (A, B, A …) after `after`: two hosts answer for one IP.
 * @example alternatingAnswers(records, faultAt) // ['master', 'slave'] when clients went master → slave → master
 */
export function alternatingAnswers(records: readonly ProbeRecord[], after: number): string[] | undefined {
  const seq = records.filter((r) => r.t >= after && r.node).map((r) => r.node!);
  const changes: string[] = [];
  for (const n of seq) if (changes[changes.length - 1] !== n) changes.push(n);
  // one change is a failover; a return to an earlier answerer after that is two answerers
  const back = changes.findIndex((n, i) => changes.indexOf(n) < i);
  return back >= 0 ? [...new Set(changes)] : undefined;
}

/**
 * When the cluster noticed a lost node: the first sample after `from` in which a node
 * other than `lost` still runs its stack but no longer counts `lost` as a member. Only
 * for a node that was a member before (Heartbeat's ping node never is).
 * @example detectionOf(watcher.samples, 'master', faultAt) // 2740 (ms)
 */
export function detectionOf(samples: readonly NodeSample[], lost: string, from: number): number | undefined {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const seen = (s: NodeSample): boolean => s.node !== lost && s.reachable && s.stack && s.members.length > 0;
  if (!sorted.some((s) => s.t < from && seen(s) && s.members.includes(lost))) return undefined;
  const hit = sorted.find((s) => s.t >= from && seen(s) && !s.members.includes(lost));
  return hit ? Math.round(hit.t - from) : undefined;
}

/**
 * First sample after `from` in which `node` holds the VIP (ms after `from`).
 * @example takeoverOf(watcher.samples, 'slave', faultAt) // 3948
 */
export function takeoverOf(samples: readonly NodeSample[], node: string, from: number): number | undefined {
  const hit = [...samples].sort((a, b) => a.t - b.t).find((s) => s.t >= from && s.node === node && s.reachable && s.vip);
  return hit ? Math.round(hit.t - from) : undefined;
}

/** A twin that kept the floating IP while its own corosync said it had no quorum. */
export interface InquorateHold {
  node: string;
  since: number;
  ms: number;
}

/**
 * The longest time a reachable twin held the VIP while its own view said "not quorate"
 * (Pacemaker only: Heartbeat has no quorum view). With `no-quorum-policy=stop` Pacemaker
 * stops the resources of an inquorate partition within seconds; a twin still serving
 * after the failover budget is one the quorate side may take the service from: data at
 * risk, even while clients see no outage. A sample where the twin does not hold the VIP,
 * has quorum, or does not answer ends the stretch.
 * @example inquorateHold(samples, ['master', 'slave']) // { node: 'master', since: …, ms: 41200 }
 */
export function inquorateHold(samples: readonly NodeSample[], twins: readonly string[]): InquorateHold | undefined {
  let best: InquorateHold | undefined;
  for (const node of twins) {
    let since: number | undefined;
    for (const s of [...samples].filter((x) => x.node === node).sort((a, b) => a.t - b.t)) {
      if (s.reachable && s.vip && s.quorate === false) {
        since ??= s.t;
        const ms = Math.round(s.t - since);
        if (!best || ms > best.ms) best = { node, since, ms };
      } else since = undefined;
    }
  }
  return best;
}
