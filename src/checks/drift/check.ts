/**
 * `hactl drift` as a function: the bootstrap playbook in check mode (files, packages,
 * services, CIB) and the live checks (membership, quorum, placement, failures, leftover
 * constraints, DRBD, Heartbeat, version skew) run side by side over one connection per
 * host; timing rules come from the inventory. Nothing is written to any node.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HactlError } from '../../core/errors.js';
import type { ClusterModel, Stack } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import type { RunSummary } from '../../runtime/events.js';
import type { Playbook } from '../../runtime/playbook.js';
import { runPlaybook } from '../../runtime/run.js';
import type { ForeignElement } from '../../stack/cib.js';
import { driverOf } from '../../stack/driver.js';
import { dataAtRiskNotes } from './fencing-rules.js';
import { itemsFromRun } from './from-run.js';
import { buildReport, type CheckError, type DriftItem, type DriftReport, mergeErrors, mergeItems } from './items.js';
import { type HostSections, readLive } from './live.js';
import { pacemakerItems, unmanagedItems } from './pacemaker-rules.js';
import { corosyncRunningItems, drbdRunningItems, heartbeatRunningItems } from './running.js';
import { drbdItems, heartbeatItems, skewItems } from './stack-rules.js';
import { timingFacts, timingItems } from './timing.js';

export interface DriftOptions {
  /** the bootstrap playbook (the CLI loads it; checks do not import playbooks) */
  playbook: Playbook;
  /** its templates directory */
  templateDir?: string;
  /** shared connections; the caller closes them */
  connector: Connector;
  forks?: number;
  /** failover budget in seconds (default: vars.failover_budget, else 30) */
  budget?: number;
  /**
   * false: only the playbook's own desired state (files, packages, services), as for a
   * user's playbook on nodes that need not be a cluster; no live cluster checks, no timing
   * rules, no cluster secrets required (default true)
   */
  cluster?: boolean;
}

/** Secrets bootstrap generates on the orchestrator, by stack (names as in playbooks/). */
export function requiredSecrets(c: ClusterModel): string[] {
  return [driverOf(c).clusterKeySecret];
}

/** The live rules of each stack: its items, and the elements it leaves to the operator. */
const STACK_RULES: {
  readonly [S in Stack]: {
    items(c: ClusterModel, sections: Map<string, HostSections>): DriftItem[];
    unmanaged(c: ClusterModel, sections: Map<string, HostSections>): ForeignElement[];
  };
} = {
  pacemaker: { items: pacemakerItems, unmanaged: unmanagedItems },
  // Heartbeat's haresources is hactl's file as a whole: nothing in it is an operator's
  heartbeat: { items: heartbeatItems, unmanaged: () => [] },
};

/**
 * Drift must not create anything, not even on the orchestrator: the playbook would
 * generate a missing secret (loadOrCreateSecret), so a missing one is a "could not check".
 */
export function missingSecrets(c: ClusterModel): CheckError[] {
  return requiredSecrets(c)
    .filter((name) => !existsSync(join(c.secretsDir, name)))
    .map((name) => ({
      message: `the cluster secret ${join(c.secretsDir, name)} does not exist, so the keys on the nodes cannot be compared`,
      hint:
        'run drift with the secrets dir bootstrap used (cluster.secrets_dir), ' +
        "or take the nodes' key over with `hactl bootstrap --adopt-secrets`",
    }));
}

/**
 * Runs every check and returns the report; never throws for a node's failure (that is a
 * CheckError in the report, exit code 1).
 *
 * @example
 *   const { playbook, dir } = await loadPlaybook('bootstrap');
 *   const report = await checkDrift(cluster, { playbook, templateDir: dir, connector });
 *   process.exitCode = report.exitCode; // 0 clean, 2 drift, 1 could not check
 */
export async function checkDrift(c: ClusterModel, o: DriftOptions): Promise<DriftReport> {
  const t0 = Date.now();
  const checkedAt = new Date();
  if (o.cluster === false) {
    const run = await runCheckMode(c, o);
    const fromRun = itemsOf(run);
    const notes = run instanceof Error ? [] : run.warnings;
    return buildReport({
      cluster: c,
      items: mergeItems(fromRun.items, [], []),
      errors: mergeErrors([], fromRun.errors, []),
      notes,
      checkedAt,
      ms: Date.now() - t0,
    });
  }
  const secretErrors = missingSecrets(c);
  const [run, live] = await Promise.all([
    secretErrors.length ? Promise.resolve(undefined) : runCheckMode(c, o),
    readLive(c, o.connector, o.forks),
  ]);
  const fromRun = itemsOf(run);
  const liveItems: DriftItem[] = [
    ...STACK_RULES[c.stack].items(c, live.sections),
    ...drbdItems(c, live.sections),
    ...skewItems(live.sections),
    ...runningItems(live.sections),
  ];
  // the same finding from both sources (the CIB) is one item; the live one carries the diff
  const items = mergeItems(fromRun.items, liveItems, timingItems(timingFacts(c, o.budget)));
  const errors = mergeErrors(secretErrors, fromRun.errors, live.errors);
  const notes = [...dataAtRiskNotes(c), ...(run instanceof Error ? [] : (run?.warnings ?? []))];
  const unmanaged = STACK_RULES[c.stack].unmanaged(c, live.sections);
  return buildReport({ cluster: c, items, errors, notes, unmanaged, checkedAt, ms: Date.now() - t0 });
}

/** The daemons' running values against their files, per host (src/checks/drift/running.ts). */
function runningItems(sections: Map<string, HostSections>): DriftItem[] {
  const items: DriftItem[] = [];
  for (const [host, s] of sections) {
    if (s['running-corosync']) items.push(...corosyncRunningItems(host, s['running-corosync'].out));
    if (s['running-heartbeat']) items.push(...heartbeatRunningItems(host, s['running-heartbeat'].out));
    if (s['running-drbd']) items.push(...drbdRunningItems(host, s['running-drbd'].out));
  }
  return items;
}

function itemsOf(run: RunSummary | Error | undefined): { items: DriftItem[]; errors: CheckError[] } {
  if (run instanceof Error)
    return {
      items: [],
      errors: [{ message: `the check-mode bootstrap stopped: ${run.message}`, hint: (run as HactlError).details?.hint }],
    };
  return run ? itemsFromRun(run) : { items: [], errors: [] };
}

/**
 * The playbook in check mode. A host's failure is in the summary; an error of the playbook
 * itself (a template that does not render) is returned, so the live checks still report.
 * `options.drift` tells the playbook who runs it.
 */
function runCheckMode(c: ClusterModel, o: DriftOptions): Promise<RunSummary | Error> {
  return runPlaybook(o.playbook, {
    cluster: c,
    connector: o.connector,
    check: true,
    forks: o.forks,
    templateDir: o.templateDir,
    options: { drift: true },
  }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}
