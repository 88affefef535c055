/**
 * Fleet drift (issue #23): `-i` several times and/or a directory of inventories. These
 * helpers expand the inventory list and merge the per-cluster reports into one text
 * report, one JSON document and one textfile. A single inventory never comes here: its
 * output stays the single-cluster one.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { DriftReport } from '../../checks/drift/items.js';
import { prometheusText } from '../../checks/drift/report.js';
import { InputError } from '../../core/errors.js';

/**
 * commander's collector for a repeatable `-i` (the env value arrives the same way); an
 * empty value adds nothing, so an empty $HACTL_INVENTORY is still "no inventory".
 */
export function collectInventory(value: string, previous: unknown): string[] | undefined {
  const before = Array.isArray(previous) ? (previous as string[]) : undefined;
  if (value === '') return before;
  return [...(before ?? []), value];
}

/**
 * Each `-i` as given, a directory replaced by its `*.yaml`/`*.yml` files (sorted by name).
 * @example expandInventories(['/etc/hactl/fleet']) // ['/etc/hactl/fleet/db.yaml', '/etc/hactl/fleet/web.yaml']
 */
export function expandInventories(given: readonly string[]): string[] {
  const out: string[] = [];
  for (const g of given) {
    let dir = false;
    try {
      dir = statSync(g).isDirectory();
    } catch {
      // a missing file is loadInventory's error, with its location
    }
    if (!dir) {
      out.push(g);
      continue;
    }
    const files = readdirSync(g)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(g, f))
      .filter((f) => statSync(f).isFile());
    if (!files.length) throw new InputError(`no inventories in ${g}`, { hint: 'a directory given to -i must hold *.yaml or *.yml files' });
    out.push(...files);
  }
  return [...new Set(out)];
}

/** The label of a cluster that could not be loaded: the file's name without .yaml/.yml. */
export const fileLabel = (inventory: string): string => basename(inventory, extname(inventory));

/** 1 when any cluster could not be checked, else 2 when any drifted, else 0 (the single-cluster precedence). */
export function fleetExitCode(reports: readonly DriftReport[]): 0 | 1 | 2 {
  if (reports.some((r) => r.exitCode === 1)) return 1;
  return reports.some((r) => r.exitCode === 2) ? 2 : 0;
}

export interface FleetSummary {
  clusters: number;
  clean: number;
  drift: number;
  error: number;
  /** the clusters with drift, then those that could not be checked, by name */
  drifted: string[];
  unchecked: string[];
}

export function fleetSummary(reports: readonly DriftReport[]): FleetSummary {
  return {
    clusters: reports.length,
    clean: reports.filter((r) => r.exitCode === 0).length,
    drift: reports.filter((r) => r.exitCode === 2).length,
    error: reports.filter((r) => r.exitCode === 1).length,
    drifted: reports.filter((r) => r.exitCode === 2).map((r) => r.cluster),
    unchecked: reports.filter((r) => r.exitCode === 1).map((r) => r.cluster),
  };
}

/** `--json` with several inventories: each cluster's own document, the summary, the overall exit code. */
export function fleetJson(reports: readonly DriftReport[]): { clusters: DriftReport[]; summary: FleetSummary; exitCode: 0 | 1 | 2 } {
  return { clusters: [...reports], summary: fleetSummary(reports), exitCode: fleetExitCode(reports) };
}

/** The last line of the text report. */
export function fleetLine(reports: readonly DriftReport[]): string {
  const s = fleetSummary(reports);
  const parts = [`${s.clean} clean`];
  if (s.drift) parts.push(`${s.drift} with drift (${s.drifted.join(', ')})`);
  if (s.error) parts.push(`${s.error} not checked (${s.unchecked.join(', ')})`);
  return `hactl drift: ${s.clusters} clusters: ${parts.join(', ')}\n`;
}

/**
 * One textfile for every cluster: each metric's HELP and TYPE once, then its samples of
 * every cluster (each already carries its `cluster` label).
 */
export function fleetPrometheusText(reports: readonly DriftReport[]): string {
  const order: string[] = [];
  const byMetric = new Map<string, { head: string[]; samples: string[] }>();
  for (const r of reports) {
    for (const line of prometheusText(r).split('\n')) {
      if (!line) continue;
      const head = /^# (?:HELP|TYPE) (\S+)/.exec(line);
      const name = head ? head[1]! : line.split(/[{ ]/)[0]!;
      let m = byMetric.get(name);
      if (!m) {
        m = { head: [], samples: [] };
        byMetric.set(name, m);
        order.push(name);
      }
      if (head) {
        if (m.head.length < 2 && !m.head.includes(line)) m.head.push(line);
      } else m.samples.push(line);
    }
  }
  return order.map((n) => [...byMetric.get(n)!.head, ...byMetric.get(n)!.samples].join('\n')).join('\n') + '\n';
}
