/**
 * The drift model: what `hactl drift` found, as data. Every finding is one DriftItem of a
 * kind (files, packages, services, cluster, timing); a node that could not be read is a
 * CheckError. The exit code follows from both: 0 clean, 2 drift, 1 could not check.
 */
import { HactlError } from '../../core/errors.js';
import { mask } from '../../core/secret.js';
import type { ForeignElement } from '../../stack/cib.js';

export const DRIFT_KINDS = ['files', 'packages', 'services', 'cluster', 'timing'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** One thing that differs from what the inventory describes. */
export interface DriftItem {
  kind: DriftKind;
  /** the node it was found on; absent for cluster-wide findings (constraints, timing, version skew) */
  host?: string;
  /** what drifted, precisely: a path, a package, a service, a resource or constraint id, a rule */
  subject: string;
  /** one line for humans */
  message: string;
  /** unified diff: `-` what the node has now, `+` what hactl would make it (secrets masked) */
  diff?: string;
  /** how to repair it by hand, when bootstrap (`--fix`) does not */
  hint?: string;
}

/** A node (or a prerequisite) that could not be checked: exit 1. */
export interface CheckError {
  host?: string;
  message: string;
  hint?: string;
}

export type DriftStatus = 'clean' | 'drift' | 'error';

export interface DriftReport {
  cluster: string;
  stack: string;
  inventory: string;
  nodes: string[];
  /** ISO time the check started */
  checkedAt: string;
  ms: number;
  status: DriftStatus;
  exitCode: 0 | 1 | 2;
  counts: Record<DriftKind, number>;
  items: DriftItem[];
  errors: CheckError[];
  /** warnings of the check-mode bootstrap run (e.g. no DRBD kernel module): context, not drift */
  notes: string[];
  /** CIB elements hactl does not own (an operator's): listed, left alone, never drift */
  unmanaged: ForeignElement[];
}

/** 1 when anything could not be checked (it hides what we did not see), else 2 on drift, else 0. */
export function exitCodeOf(items: readonly DriftItem[], errors: readonly CheckError[]): 0 | 1 | 2 {
  if (errors.length) return 1;
  return items.length ? 2 : 0;
}

/** Items per kind, every kind present (0 when none): the Prometheus series need stable labels. */
export function countByKind(items: readonly DriftItem[]): Record<DriftKind, number> {
  const out = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  for (const i of items) out[i.kind]++;
  return out;
}

const keyOf = (i: Pick<DriftItem, 'kind' | 'host' | 'subject'>): string => `${i.kind}\0${i.host ?? ''}\0${i.subject}`;

/**
 * Merges findings from several sources. Two items about the same kind/host/subject are one
 * finding: the later source wins (the live checks carry the better message and diff), so
 * pass the playbook's items first.
 *
 * @example
 *   mergeItems([{ kind: 'cluster', host: 'master', subject: 'cib', message: 'would apply' }],
 *              [{ kind: 'cluster', host: 'master', subject: 'cib', message: 'constraints differ', diff }])
 *   // one item: 'constraints differ' with the diff
 */
export function mergeItems(...sources: readonly DriftItem[][]): DriftItem[] {
  const byKey = new Map<string, DriftItem>();
  for (const list of sources) for (const i of list) byKey.set(keyOf(i), i);
  const order = (k: DriftKind): number => DRIFT_KINDS.indexOf(k);
  return [...byKey.values()]
    .map((i) => ({ ...i, message: mask(i.message), diff: i.diff === undefined ? undefined : mask(tidyDiff(i.diff)) }))
    .sort((a, b) => order(a.kind) - order(b.kind) || (a.host ?? '').localeCompare(b.host ?? '') || a.subject.localeCompare(b.subject));
}

/**
 * Drops the `Index:`/`====` preamble jsdiff adds when both names are equal, and the tab
 * after the file names (an empty header field): neither tells a reader anything.
 *
 * @example tidyDiff('Index: /etc/x\n====\n--- /etc/x\t\n+++ /etc/x\t\n@@ …') // '--- /etc/x\n+++ /etc/x\n@@ …'
 */
export function tidyDiff(diff: string): string {
  return diff.replace(/^Index: .*\n=+\n/, '').replace(/^(---|\+\+\+) (.*?)\t$/gm, '$1 $2');
}

/** One error per host (the playbook and the live checks both meet an unreachable node). */
export function mergeErrors(...sources: readonly CheckError[][]): CheckError[] {
  const seen = new Map<string, CheckError>();
  for (const list of sources) {
    for (const e of list) {
      const k = e.host ?? `\0${e.message}`;
      if (!seen.has(k)) seen.set(k, { ...e, message: mask(e.message) });
    }
  }
  return [...seen.values()];
}

/**
 * Assembles the report.
 *
 * @example
 *   buildReport({ cluster, items, errors: [], notes: [], checkedAt: new Date(), ms: 3100 }).exitCode // 0, 1 or 2
 */
export function buildReport(o: {
  cluster: { name: string; stack: string; source: string; nodes: { name: string }[] };
  items: DriftItem[];
  errors: CheckError[];
  notes: string[];
  unmanaged?: ForeignElement[];
  checkedAt: Date;
  ms: number;
}): DriftReport {
  const exitCode = exitCodeOf(o.items, o.errors);
  return {
    cluster: o.cluster.name,
    stack: o.cluster.stack,
    inventory: o.cluster.source,
    nodes: o.cluster.nodes.map((n) => n.name),
    checkedAt: o.checkedAt.toISOString(),
    ms: o.ms,
    status: exitCode === 1 ? 'error' : exitCode === 2 ? 'drift' : 'clean',
    exitCode,
    counts: countByKind(o.items),
    items: o.items,
    errors: o.errors,
    notes: o.notes.map(mask),
    unmanaged: o.unmanaged ?? [],
  };
}

/**
 * A report for a cluster that produced none (its inventory did not load, the check itself
 * failed): nothing found, one error (what stopped it), exit 1.
 * @example writePrometheusFile(file, uncheckedReport({ inventory, label: 'web', error, startedAt }))
 */
export function uncheckedReport(o: {
  inventory: string;
  cluster?: { name: string; stack: string; nodes: { name: string }[] };
  label: string;
  error: unknown;
  startedAt: Date;
}): DriftReport {
  const e = o.error;
  const d = e instanceof HactlError ? e.details : {};
  const error = {
    ...(d.host ? { host: d.host } : {}),
    message: mask(String((e as Error)?.message ?? e)),
    ...(d.hint ? { hint: d.hint } : {}),
  };
  return {
    cluster: o.cluster?.name ?? o.label,
    stack: o.cluster?.stack ?? '',
    inventory: o.inventory,
    nodes: o.cluster?.nodes.map((n) => n.name) ?? [],
    checkedAt: o.startedAt.toISOString(),
    ms: Date.now() - o.startedAt.getTime(),
    status: 'error',
    exitCode: 1,
    counts: countByKind([]),
    items: [],
    errors: [error],
    notes: [],
    unmanaged: [],
  };
}
