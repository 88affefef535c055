/**
 * What a scenario is: a fault, where it hits, where the resources must end up, its budget,
 * and how to undo it. The runner does the rest (probing, watching, settling, restoring,
 * judging), so adding a scenario is one small module in scenarios/.
 */
import type { ClusterModel, NodeModel, Stack } from '../../inventory/model.js';
import type { BudgetKind } from './budget.js';
import type { Faults } from './faults.js';
import type { NodeRunner } from './nodes.js';
import type { FailoverSettings } from './settings.js';
import type { StackOps } from './stacks.js';
import type { NodeSample } from './types.js';

/** Where the resources must end: {@link Scenario.expect}. */
export type Expectation = 'move' | 'stay' | 'one';

/** Everything a scenario may use. */
export interface FailoverEnv {
  cluster: ClusterModel;
  ops: StackOps;
  runner: NodeRunner;
  faults: Faults;
  settings: FailoverSettings;
  /** the inventory declares STONITH */
  fencing: boolean;
  /** the networks `cut-link` cuts (`--link`); undefined: every link of the cluster */
  links?: readonly string[];
  log(message: string): void;
  signal: AbortSignal;
}

/** One scenario run: the env plus who is who at the start. */
export interface ScenarioContext extends FailoverEnv {
  /** the twin holding the resources when the scenario starts */
  active: NodeModel;
  /** the other twin */
  passive: NodeModel;
  /** the node the fault hits */
  target: NodeModel;
}

export interface Scenario {
  name: string;
  /** one line for --help and the confirmation prompt, e.g. "kill -9 corosync on the active twin" */
  summary: string;
  stacks: readonly Stack[];
  /** why it cannot run on a stack it is not for (default: "not for the X stack") */
  notFor?: Partial<Record<Stack, string>>;
  /** which node the fault hits */
  hits: 'active' | 'arbitrator';
  /**
   * where the resources must be when the fault has played out: on the other twin (`move`),
   * where they were (`stay`), or on exactly one twin, either (`one`: the twins lost each
   * other, the cluster picks the survivor; the loser fenced at most once, never both)
   */
  expect: Expectation;
  /**
   * the twins may both believe they are alone (a frozen node that resumes, a cut between
   * them): a split brain here puts the data at risk, and without fencing the verdict says so
   */
  dataAtRisk?: boolean;
  /**
   * a twin is lost to the others (power, stack, hang, cut): a takeover is safe only when the
   * lost twin was fenced, so without fencing the verdict is never a pass (issue #18)
   */
  lostTwin?: boolean;
  budget: BudgetKind;
  /** the scenario as it runs in this env, when an option changes what it expects (e.g. `cut-link --link` on one of two links) */
  adapt?(env: FailoverEnv): Scenario;
  /** why it cannot run here (undefined: it can) */
  unavailable?(env: Pick<FailoverEnv, 'cluster' | 'faults' | 'settings'>): string | undefined;
  /** how long to watch from the fault on before judging (ms; `stay` and `one` scenarios, or a fault that resumes) */
  observeMs?(c: ClusterModel): number;
  /** extra watch lines on each node, printing `key=value` (see stacks.ts) */
  watch?(ctx: ScenarioContext, node: NodeModel): string | undefined;
  /** when the cluster noticed (ms after the fault); default: a survivor's membership lost the target */
  detect?(samples: readonly NodeSample[], ctx: ScenarioContext, faultAt: number): number | undefined;
  /** extra verdict reasons from what was seen (e.g. quorum lost) */
  judge?(samples: readonly NodeSample[], ctx: ScenarioContext, faultAt: number): string[];
  inject(ctx: ScenarioContext): Promise<void>;
  /** undoes the fault itself; restore then restarts stacks, cleans up and moves back */
  undo(ctx: ScenarioContext): Promise<void>;
}

/** The node a scenario hits. */
export function targetOf(s: Scenario, c: ClusterModel, active: NodeModel): NodeModel | undefined {
  return s.hits === 'arbitrator' ? c.arbitrator : active;
}
