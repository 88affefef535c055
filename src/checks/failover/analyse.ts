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
  return /^(connect )?(E[A-Z]+)/.exec(e)?.[2] ?? e.replace(/^connect /, '').slice(0, 40);
}

/** True when the last `stableMs` of probes (at least 3) all succeeded. */
export function stableSince(records: readonly ProbeRecord[], at: number, stableMs: number): boolean {
  const tail = records.filter((r) => r.t >= at - stableMs);
  return tail.length >= 3 && tail.every((r) => r.ok) && (tail[0]?.t ?? at) <= at - stableMs + 500;
}

/**
 * Split brain: two twins hold the VIP at the same time in at least `minPolls` consecutive
 * polling rounds (one round can catch a planned move half-way), or clients were answered
 * by two nodes alternately.
 */
export function findSplitBrain(samples: readonly NodeSample[], pollMs: number, minPolls = 2): SplitBrain | undefined {
  const rounds = roundsOf(samples);
  let run: { since: number; nodes: string[]; count: number; last: number } | undefined;
  let worst: typeof run;
  for (const round of rounds) {
    const holders = [...new Set(round.filter((s) => s.reachable && s.vip).map((s) => s.node))].sort();
    if (holders.length >= 2) {
      const t = round[0]!.t;
      run = run ? { ...run, count: run.count + 1, last: t } : { since: t, nodes: holders, count: 1, last: t };
      if (!worst || run.count > worst.count) worst = run;
    } else run = undefined;
  }
  if (!worst || worst.count < minPolls) return undefined;
  const ms = Math.round(worst.last - worst.since + pollMs);
  return {
    reason: `the VIP was configured on ${worst.nodes.join(' and ')} at the same time (${(ms / 1000).toFixed(1)} s, ${worst.count} polls)`,
    nodes: worst.nodes,
    since: worst.since,
    ms,
  };
}

/** Answers that alternate between nodes (A, B, A …) after `after`: two hosts answer for one IP. */
export function alternatingAnswers(records: readonly ProbeRecord[], after: number): string[] | undefined {
  const seq = records.filter((r) => r.t >= after && r.node).map((r) => r.node!);
  const changes: string[] = [];
  for (const n of seq) if (changes[changes.length - 1] !== n) changes.push(n);
  // one change is a failover; a return to an earlier answerer after that is two answerers
  const back = changes.findIndex((n, i) => changes.indexOf(n) < i);
  return back >= 0 ? [...new Set(changes)] : undefined;
}

/** Groups samples into polling rounds: the watcher stamps every poll of one round with the same time. */
function roundsOf(samples: readonly NodeSample[]): NodeSample[][] {
  const byT = new Map<number, NodeSample[]>();
  for (const s of samples) byT.set(s.t, [...(byT.get(s.t) ?? []), s]);
  return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/**
 * When the cluster noticed a lost node: the first sample after `from` in which a node
 * other than `lost` still runs its stack but no longer counts `lost` as a member.
 */
export function detectionOf(samples: readonly NodeSample[], lost: string, from: number): number | undefined {
  const hit = [...samples]
    .sort((a, b) => a.t - b.t)
    .find((s) => s.t >= from && s.node !== lost && s.reachable && s.stack && s.members.length > 0 && !s.members.includes(lost));
  return hit ? Math.round(hit.t - from) : undefined;
}

/** First sample after `from` in which `node` holds the VIP (ms after `from`). */
export function takeoverOf(samples: readonly NodeSample[], node: string, from: number): number | undefined {
  const hit = [...samples].sort((a, b) => a.t - b.t).find((s) => s.t >= from && s.node === node && s.reachable && s.vip);
  return hit ? Math.round(hit.t - from) : undefined;
}
