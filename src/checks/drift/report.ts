/**
 * The drift report as text (for people and cron mail) and as a node-exporter textfile
 * (for Prometheus). JSON is the DriftReport itself. Plain text only: colour is the CLI's.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NodeError } from '../../core/errors.js';
import { mask } from '../../core/secret.js';
import { describeForeign } from '../../stack/cib.js';
import { DRIFT_KINDS, type DriftItem, type DriftReport } from './items.js';

export interface TextOptions {
  /** paints a diff (the CLI colours it on a terminal) */
  paintDiff?: (diff: string) => string;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
const indent = (text: string, by: string): string =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** The first line: what was checked and the verdict. */
export function headline(r: DriftReport): string {
  const what = `hactl drift: cluster ${r.cluster} (${r.stack}, ${r.nodes.length} nodes) in ${secs(r.ms)}`;
  const kinds = DRIFT_KINDS.filter((k) => r.counts[k])
    .map((k) => `${k} ${r.counts[k]}`)
    .join(', ');
  const drift = r.items.length ? `${r.items.length} drift item${r.items.length === 1 ? '' : 's'} (${kinds})` : 'no drift';
  if (r.status === 'error')
    return `${what}: COULD NOT CHECK ${r.errors.map((e) => e.host ?? 'the cluster').join(', ')}; ${drift} on the rest`;
  return `${what}: ${drift}`;
}

/**
 * The report for people: a headline, then items grouped by kind with their diffs and hints,
 * then what could not be checked.
 *
 * @example
 *   process.stdout.write(formatText(report));
 *   // hactl drift: cluster lab (pacemaker, 3 nodes) in 3.2s: 1 drift item (files 1)
 *   // files
 *   //   slave   /etc/corosync/corosync.conf: content differs from the inventory
 */
export function formatText(r: DriftReport, o: TextOptions = {}): string {
  const lines = [headline(r)];
  const width = Math.max(6, ...[...r.items, ...r.errors].map((i) => (i.host ?? '*').length)) + 2;
  for (const kind of DRIFT_KINDS) {
    const items = r.items.filter((i) => i.kind === kind);
    if (!items.length) continue;
    lines.push(kind);
    for (const i of items) lines.push(...itemLines(i, width, o));
  }
  if (r.unmanaged.length) {
    lines.push(`not managed by hactl (left as they are): ${r.unmanaged.length}`);
    for (const u of r.unmanaged) lines.push(`  ${'*'.padEnd(width)}${describeForeign(u)}`);
  }
  if (r.errors.length) {
    lines.push('could not check');
    for (const e of r.errors) {
      lines.push(`  ${(e.host ?? '*').padEnd(width)}${e.message.split('\n')[0]}`);
      if (e.hint) lines.push(`  ${''.padEnd(width)}hint: ${e.hint}`);
    }
  }
  return mask(lines.join('\n') + '\n');
}

function itemLines(i: DriftItem, width: number, o: TextOptions): string[] {
  const pad = '  ' + ''.padEnd(width);
  const out = [`  ${(i.host ?? '*').padEnd(width)}${i.subject}: ${i.message}`];
  if (i.diff) out.push(indent((o.paintDiff ?? ((d: string) => d))(i.diff), pad + '  '));
  if (i.hint) out.push(`${pad}hint: ${i.hint}`);
  return out;
}

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * A node-exporter textfile: drift items per kind, whether every node could be checked,
 * when, and how long it took.
 *
 * @example
 *   prometheusText(report)
 *   // # HELP hactl_drift_items …\n# TYPE hactl_drift_items gauge\nhactl_drift_items{cluster="lab",kind="files"} 1 …
 */
export function prometheusText(r: DriftReport): string {
  const c = `cluster="${label(r.cluster)}"`;
  const metric = (name: string, help: string, samples: string[]): string[] => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...samples,
  ];
  return (
    [
      ...metric(
        'hactl_drift_items',
        'Drift items found by the last hactl drift run, by kind.',
        DRIFT_KINDS.map((k) => `hactl_drift_items{${c},kind="${k}"} ${r.counts[k]}`),
      ),
      ...metric('hactl_drift_check_ok', '1 when the last run could check every node, 0 when it could not (exit code 1).', [
        `hactl_drift_check_ok{${c}} ${r.errors.length ? 0 : 1}`,
      ]),
      ...metric('hactl_drift_unreachable_nodes', 'Nodes (or prerequisites) the last run could not check.', [
        `hactl_drift_unreachable_nodes{${c}} ${r.errors.length}`,
      ]),
      ...metric('hactl_drift_exit_code', 'Exit code of the last run: 0 clean, 2 drift, 1 could not check.', [
        `hactl_drift_exit_code{${c}} ${r.exitCode}`,
      ]),
      ...metric('hactl_drift_last_check_timestamp_seconds', 'Unix time the last run started.', [
        `hactl_drift_last_check_timestamp_seconds{${c}} ${Math.floor(Date.parse(r.checkedAt) / 1000)}`,
      ]),
      ...metric('hactl_drift_check_duration_seconds', 'How long the last run took.', [
        `hactl_drift_check_duration_seconds{${c}} ${(r.ms / 1000).toFixed(3)}`,
      ]),
    ].join('\n') + '\n'
  );
}

/**
 * Writes the textfile (a report's, or text already made, as fleet drift's) atomically (a temp file in the same directory, then rename), so
 * node-exporter never reads half a file (the temp name does not end in `.prom`, so the
 * collector ignores it).
 *
 * @example
 *   writePrometheusFile('/var/lib/prometheus/node-exporter/hactl_drift_lab.prom', report)
 */
export function writePrometheusFile(file: string, r: DriftReport | string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, typeof r === 'string' ? r : prometheusText(r), { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    throw new NodeError(`cannot write the Prometheus textfile: ${(err as Error).message}`, {
      location: file,
      hint: 'the directory must exist and be writable (node-exporter: --collector.textfile.directory)',
    });
  }
}
