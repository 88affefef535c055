/**
 * Fleet drift (issues #22/#23): several clusters in one run. One `--forks` bound over every
 * cluster's hosts (a shared {@link HostSlots}: a host's connect and each of its commands
 * take a slot), clusters checked side by side while their hosts fit in that bound (so
 * connections and facts held at once scale with --forks, not with the fleet), one
 * connection per host, closed as soon as its cluster is judged; only the judged report of
 * a cluster is kept. A cluster that cannot be loaded or checked is a "could not check"
 * report, never the end of the run.
 */
import { basename, extname } from 'node:path';
import { loadInventory } from '../../inventory/index.js';
import type { ClusterModel } from '../../inventory/model.js';
import { type ConnectFn, Connector } from '../../runtime/connector.js';
import { boundedConnect, HostSlots, Units } from '../../runtime/pool.js';
import { checkDrift, type DriftOptions } from './check.js';
import { type DriftReport, uncheckedReport } from './items.js';
import { prometheusText } from './report.js';

/** One cluster of the fleet: its inventory file and the model, or why it did not load. */
export interface FleetMember {
  inventory: string;
  cluster?: ClusterModel;
  error?: unknown;
}

export interface FleetOptions extends Omit<DriftOptions, 'connector' | 'forks'> {
  /** the transport (the CLI's SSH; tests pass a fake) */
  connect: ConnectFn;
  /** hosts at work at once, over the whole fleet (default 10) */
  forks?: number;
  /** each cluster's report, in inventory order, as soon as it and those before it are judged */
  onReport?: (report: DriftReport, index: number) => void;
  /** a cluster that could not be loaded or checked (its report says so too) */
  onError?: (error: unknown, inventory: string) => void;
}

/** The label of a cluster that could not be loaded: the file's name without .yaml/.yml. */
export const fileLabel = (inventory: string): string => basename(inventory, extname(inventory));

/** Loads each inventory; one that does not load is a member with its error. */
export async function loadFleet(inventories: readonly string[]): Promise<FleetMember[]> {
  const out: FleetMember[] = [];
  for (const inventory of inventories) {
    try {
      out.push({ inventory, cluster: await loadInventory(inventory) });
    } catch (error) {
      out.push({ inventory, error });
    }
  }
  return out;
}

/**
 * Checks every cluster of the fleet and returns their reports in inventory order.
 *
 * @example
 *   const reports = await checkFleet(await loadFleet(files), { playbook, templateDir: dir, connect: sshConnect(), forks: 10 });
 *   process.exitCode = fleetExitCode(reports);
 */
export async function checkFleet(members: readonly FleetMember[], o: FleetOptions): Promise<DriftReport[]> {
  const forks = Math.max(1, Math.floor(o.forks ?? 10));
  const slots = new HostSlots(forks);
  // a cluster starts once its hosts fit in the bound next to those of the clusters under way
  const admit = new Units(forks);
  const reports: (DriftReport | undefined)[] = new Array(members.length);
  let emitted = 0;
  const done = (i: number, r: DriftReport): void => {
    reports[i] = r;
    // (not `o.onReport?.(…, emitted++)`: an absent callback would skip the increment)
    for (; emitted < members.length && reports[emitted]; emitted++) o.onReport?.(reports[emitted]!, emitted);
  };
  const { connect, onReport: _r, onError: _e, ...drift } = o;
  await Promise.all(
    members.map((m, i) =>
      admit.use(m.cluster?.nodes.length ?? 1, async () => {
        const startedAt = new Date();
        const failed = (error: unknown): DriftReport => {
          o.onError?.(error, m.inventory);
          return uncheckedReport({ inventory: m.inventory, cluster: m.cluster, label: fileLabel(m.inventory), error, startedAt });
        };
        if (!m.cluster) return done(i, failed(m.error));
        const connector = new Connector(boundedConnect(connect, slots, (name) => `${i}\0${name}`));
        let report: DriftReport;
        try {
          report = await checkDrift(m.cluster, { ...drift, connector, forks });
        } catch (err) {
          report = failed(err);
        } finally {
          // the cluster is judged: its connections go now, not at the end of the fleet
          await connector.closeAll();
        }
        done(i, report);
      }),
    ),
  );
  return reports as DriftReport[];
}

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
