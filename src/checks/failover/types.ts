/**
 * The data of a failover test: what the client-side prober recorded, what the cluster
 * watcher saw on the nodes, and what a scenario concluded. Plain data: the JSON report
 * is these objects.
 */
import type { FenceEvent } from '../../facts/fence-history.js';

export type { FenceEvent } from '../../facts/fence-history.js';

/** One request to the floating IP, as a client sees it. */
export interface ProbeRecord {
  /** when the probe started (epoch ms, sub-ms precision) */
  t: number;
  /** how long it took until answer, refusal or timeout */
  ms: number;
  ok: boolean;
  /** HTTP status (absent for a bare TCP probe or when nothing answered) */
  status?: number;
  error?: string;
  /** which node answered, when it could be told (marker body, ARP, or the sole VIP holder) */
  node?: string;
}

/** One look at a node over SSH: does it hold the VIP, does its stack run, whom does it see. */
export interface NodeSample {
  /** when the poll was sent (epoch ms) */
  t: number;
  node: string;
  /** false when the node did not answer the poll (powered off, cable cut, timeout) */
  reachable: boolean;
  /** the floating IP is configured on one of its interfaces */
  vip: boolean;
  /** the cluster stack runs there (corosync + pacemakerd, or heartbeat) */
  stack: boolean;
  /** the node's own view of quorum (pacemaker only) */
  quorate?: boolean;
  /** the members the node sees online (itself included) */
  members: string[];
  /** scenario-specific `key=value` lines (e.g. a fail-count) */
  extra: Record<string, string>;
  /** the node's DRBD role (Primary when any resource is Primary there); absent without DRBD */
  drbd?: 'Primary' | 'Secondary';
}

/** A run of failed probes: from the first failed probe to the first good one after it. */
export interface Outage {
  /** first failed probe (epoch ms) */
  start: number;
  /** first good probe after it; absent when the service never came back */
  end?: number;
  /** end - start */
  ms?: number;
  /** failed probes in this outage */
  failed: number;
  /** distinct errors seen, e.g. "ECONNREFUSED", "timeout" */
  errors: string[];
}

/** Split brain found by the watcher or the prober, with the evidence. */
export interface SplitBrain {
  /** e.g. "the VIP was configured on master and slave at the same time for 6.2 s" */
  reason: string;
  nodes: string[];
  /** first time it was seen (epoch ms) */
  since: number;
  ms: number;
}

/** The verdict budget of one scenario and how it was derived. */
export interface Budget {
  ms: number;
  /** e.g. "token 1000 + consensus 1200 + fencing 3000 + recovery 5000 ms" */
  basis: string;
}

export type Verdict = 'pass' | 'fail' | 'skipped';

/** Everything one scenario produced: the table row and, for --json, every probe. */
export interface ScenarioResult {
  scenario: string;
  /** the node the fault hit, and where the resources ran before */
  target?: string;
  before?: string;
  /** where the resources ended up after the fault (before restore) */
  after?: string;
  /** fault injected (epoch ms) */
  faultAt?: number;
  /** fault → the cluster noticed (membership change, fail-count), ms */
  detectionMs?: number;
  /** fault → the VIP configured on the node that ended up with it, ms */
  takeoverMs?: number;
  /** the longest outage the client saw, ms (0: no failed probe) */
  downtimeMs?: number;
  /** the sum of all outages, ms */
  totalDowntimeMs?: number;
  outages: Outage[];
  /** nodes that answered the client, in order of first answer */
  answeredBy: string[];
  splitBrain?: SplitBrain;
  budget?: Budget;
  /** restore ended with a healthy cluster */
  restored: boolean;
  /** client outage caused by the restore itself (e.g. moving resources back), ms */
  restoreDowntimeMs?: number;
  /** declared data check: same output before and after */
  dataIntact?: boolean;
  /** who fenced whom from the fault on (Pacemaker's fencing history, read on a survivor); absent when not read */
  fenced?: FenceEvent[];
  verdict: Verdict;
  /** why it failed or was skipped; notes for a pass */
  reasons: string[];
  probes: ProbeRecord[];
  samples: NodeSample[];
}

/** The whole run. */
export interface FailoverReport {
  cluster: string;
  stack: string;
  /** where the probes came from */
  vantage: string;
  target: string;
  fencing: boolean;
  startedAt: string;
  ok: boolean;
  results: ScenarioResult[];
}
