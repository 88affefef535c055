/**
 * The report: a table per run (one row per scenario, reasons under a failing row) and the
 * JSON document with every probe and every watch sample, timed relative to the fault.
 */
import type { FailoverReport, FenceEvent, NodeSample, ProbeRecord, ScenarioResult } from './types.js';

const sec = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

const COLUMNS: Array<[string, number, (r: ScenarioResult) => string]> = [
  ['scenario', 16, (r) => r.scenario],
  ['target', 11, (r) => r.target ?? '-'],
  ['detection', 10, (r) => sec(r.detectionMs)],
  ['downtime', 9, (r) => (r.verdict === 'skipped' ? '-' : sec(r.downtimeMs))],
  ['budget', 8, (r) => sec(r.budget?.ms)],
  ['ended on', 13, (r) => (r.splitBrain ? r.splitBrain.nodes.join('+') : (r.after ?? '-'))],
  ['restored', 9, (r) => (r.verdict === 'skipped' ? '-' : r.restored ? 'yes' : 'NO')],
  ['verdict', 7, (r) => (r.splitBrain ? 'SPLIT-BRAIN' : r.verdict.toUpperCase())],
];

export function formatHeader(): string {
  return COLUMNS.map(([h, w]) => h.padEnd(w))
    .join(' ')
    .trimEnd();
}

/**
 * One table row, plus indented lines for outages and reasons.
 * @example formatResult(result) // 'kill-stack       master      2.3 s      4.1 s     10.2 s   slave      yes       PASS'
 */
export function formatResult(r: ScenarioResult): string {
  const row = COLUMNS.map(([, w, f]) => f(r).padEnd(w))
    .join(' ')
    .trimEnd();
  const lines = [row];
  if (r.outages.length > 1) lines.push(`    outages: ${r.outages.map((o) => sec(o.ms)).join(', ')} (total ${sec(r.totalDowntimeMs)})`);
  if (r.verdict !== 'skipped' && r.outages.length)
    lines.push(
      `    clients saw: ${[...new Set(r.outages.flatMap((o) => o.errors))].join(', ')}; ` +
        `answered by: ${r.answeredBy.join(' → ') || 'unknown'}`,
    );
  const restoreCost = r.restoreDowntimeMs ? `; the restore (moving back) cost clients ${sec(r.restoreDowntimeMs)}` : '';
  if (r.takeoverMs !== undefined)
    lines.push(`    VIP ${r.after ? `on ${r.after}` : 'taken over'} after ${sec(r.takeoverMs)}${restoreCost}`);
  if (r.fenced) lines.push(`    fenced: ${fencedLine(r.fenced, r.faultAt)}`);
  for (const reason of r.reasons) lines.push(`    ${r.verdict === 'fail' && !reason.startsWith('note:') ? '✘ ' : ''}${reason}`);
  return lines.join('\n');
}

/**
 * Who fenced whom, for the report: `slave → master (off, success, 6.1 s after the fault)`;
 * `nobody` when the history has nothing from the fault on.
 * @example fencedLine([{ target: 'master', by: 'slave', action: 'off', at: 6100, result: 'success' }], 0)
 */
export function fencedLine(events: readonly FenceEvent[], faultAt = 0): string {
  if (!events.length) return 'nobody';
  return events
    .map((e) => {
      const when = e.at === undefined ? 'pending' : `${sec(Math.max(0, e.at - faultAt))} after the fault`;
      return `${e.by} → ${e.target} (${e.action}, ${e.result}, ${when})`;
    })
    .join('; ');
}

/**
 * The whole table with a title and the overall result.
 * @example process.stdout.write(formatReport(report));
 */
export function formatReport(rep: FailoverReport): string {
  const title =
    `failover-test of ${rep.cluster} (${rep.stack}${rep.fencing ? ', fencing' : ', NO fencing'}), ` +
    `probing ${rep.target} from the ${rep.vantage}`;
  const passed = rep.results.filter((r) => r.verdict === 'pass').length;
  const failed = rep.results.filter((r) => r.verdict === 'fail').length;
  const tail = `${rep.ok ? 'PASSED' : 'FAILED'}: ${passed} passed, ${failed} failed, ${rep.results.length - passed - failed} skipped`;
  return [title, formatHeader(), ...rep.results.map(formatResult), tail].join('\n') + '\n';
}

type Rel = <T extends { t: number }>(x: T) => T;

/**
 * The --json document: the report with every probe and sample, `t` in ms relative to
 * the fault (negative: the baseline before it), rounded to 0.1 ms.
 * @example printJson(reportJson(report));
 */
export function reportJson(rep: FailoverReport): unknown {
  return {
    ...rep,
    results: rep.results.map((r) => {
      const at = r.faultAt ?? 0;
      const rel: Rel = (x) => ({ ...x, t: Math.round((x.t - at) * 10) / 10 });
      return {
        ...r,
        faultAt: r.faultAt === undefined ? undefined : new Date(r.faultAt).toISOString(),
        outages: r.outages.map((o) => ({
          ...o,
          start: Math.round(o.start - at),
          end: o.end === undefined ? undefined : Math.round(o.end - at),
        })),
        splitBrain: r.splitBrain ? { ...r.splitBrain, since: Math.round(r.splitBrain.since - at) } : undefined,
        fenced: r.fenced?.map((e) => ({ ...e, at: e.at === undefined ? undefined : new Date(e.at).toISOString() })),
        probes: r.probes.map((p: ProbeRecord) => rel(p)),
        samples: r.samples.map((s: NodeSample) => rel(s)),
      };
    }),
  };
}
