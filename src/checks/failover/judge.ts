/** The verdict of one scenario, from what was measured (pure, so every rule is unit-tested). */
import type { InquorateHold, ProbeAnalysis } from './analyse.js';
import type { Expectation } from './scenario.js';
import type { Budget, FenceEvent, SplitBrain, Verdict } from './types.js';

export interface JudgeInput {
  scenario: string;
  expect: Expectation;
  /** the scenario may leave both twins believing they are alone (Scenario.dataAtRisk) */
  dataAtRisk?: boolean;
  /** a twin is lost to the others: without fencing never a pass (Scenario.lostTwin) */
  lostTwin?: boolean;
  /** the node the fault hit */
  target?: string;
  /** who fenced whom from the fault on (undefined: not known, e.g. Heartbeat) */
  fenced?: FenceEvent[];
  /** twin holding the resources before, and the one that must hold them after a move */
  active: string;
  passive: string;
  /** who held the VIP when the fault had played out (undefined: nobody, or several) */
  after?: string;
  analysis: ProbeAnalysis;
  budget: Budget;
  splitBrain?: SplitBrain;
  /** the longest time a twin kept the VIP while its own corosync said "not quorate" */
  inquorate?: InquorateHold;
  /** the service did not settle where expected in time */
  timedOut: boolean;
  injectError?: string;
  aborted?: boolean;
  restored: boolean;
  restoreNotes: string[];
  dataIntact?: boolean;
  /** scenario-specific findings (e.g. quorum lost) */
  findings: string[];
  fencing: boolean;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Why the split brain happened, as the verdict says it. */
function splitWhy(i: JudgeInput): string {
  if (i.fencing) return '';
  if (i.dataAtRisk) return ': data at risk: no fencing, so both twins served (and wrote) at once; configure STONITH (cluster.stonith)';
  return ': without fencing the node kept its resources while the other twin took them over; configure STONITH (cluster.stonith)';
}

/**
 * Where the resources ended against where the scenario wants them (undefined: right).
 * `one`: on exactly one twin, either.
 */
function placement(i: JudgeInput): string | undefined {
  const where = i.after ? `on ${i.after}` : 'on no single twin';
  if (i.expect === 'one')
    return i.after === i.active || i.after === i.passive ? undefined : `the resources are not on exactly one twin: ${where}`;
  const want = i.expect === 'move' ? i.passive : i.active;
  if (i.after === want) return undefined;
  return i.expect === 'move'
    ? `the resources did not move to ${want}: ${where}`
    : `the resources moved (${where}): nothing should have moved from ${want}`;
}

/**
 * `one`: the loser may be fenced once; both twins fenced (each side shot the other), or a
 * twin fenced again and again, is a failure.
 * @example fencingFindings(['master', 'slave'], [{ target: 'master', … }, { target: 'slave', … }]) // ['both twins were fenced: …']
 */
export function fencingFindings(twins: readonly string[], fenced: readonly FenceEvent[] | undefined): string[] {
  if (!fenced) return [];
  const done = fenced.filter((e) => e.result === 'success' && twins.includes(e.target));
  const hit = [...new Set(done.map((e) => e.target))];
  const out: string[] = [];
  if (hit.length >= 2) out.push(`both twins were fenced (${done.map((e) => `${e.by} → ${e.target}`).join(', ')}): nobody kept the service`);
  for (const t of hit) {
    const n = done.filter((e) => e.target === t).length;
    if (n > 1) out.push(`${t} was fenced ${n} times`);
  }
  return out;
}

/**
 * A lost twin without fencing: whoever serves afterwards does so on the hope that the other
 * one stopped. A powered-off node did, but the survivor cannot tell it from a hung one or a
 * cut-off one that still writes; so the scenario fails even when the probes saw no overlap.
 * A split brain already says it (with the reason).
 * @example unfencedTakeover({ lostTwin: true, fencing: false, target: 'master', … }) // 'data at risk: no fencing: …'
 */
export function unfencedTakeover(i: Pick<JudgeInput, 'lostTwin' | 'fencing' | 'splitBrain' | 'target' | 'expect'>): string | undefined {
  if (!i.lostTwin || i.fencing || i.splitBrain) return undefined;
  const lost = i.expect === 'one' ? 'the twins lost each other' : `${i.target ?? 'the active twin'} was lost`;
  return (
    `data at risk: no fencing: ${lost} and nothing made sure the other side had stopped before the service ran elsewhere ` +
    '(a hung or cut-off node still holds the VIP and its data); configure STONITH (cluster.stonith)'
  );
}

/**
 * Pass only when: no split brain, the resources ended where the scenario expects, the
 * longest outage is within budget, the cluster was restored and the data is intact; for
 * `one`, the loser fenced at most once and never both twins; a lost twin without fencing never passes.
 * @example judge({ …, analysis: { longestMs: 9000, … }, budget: { ms: 7200, basis: '…' } }).verdict // 'fail'
 */
export function judge(i: JudgeInput): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  if (i.aborted) reasons.push('interrupted (Ctrl-C)');
  if (i.injectError) reasons.push(`the fault could not be injected: ${i.injectError}`);
  if (i.splitBrain) reasons.push(`SPLIT BRAIN: ${i.splitBrain.reason}${splitWhy(i)}`);
  const misplaced = placement(i);
  if (!i.splitBrain && !i.injectError && misplaced) reasons.push(misplaced);
  if (i.expect === 'one') reasons.push(...fencingFindings([i.active, i.passive], i.fenced));
  const unfenced = unfencedTakeover(i);
  if (unfenced) reasons.push(unfenced);
  const open = i.analysis.outages.find((o) => o.end === undefined);
  if (open) reasons.push(`the service did not answer again (${open.failed} failed probes from the fault on)`);
  else if (i.timedOut && !i.splitBrain) reasons.push('the service did not settle in time');
  if (i.analysis.longestMs > i.budget.ms) {
    reasons.push(`downtime ${s(i.analysis.longestMs)} exceeds the budget of ${s(i.budget.ms)} (${i.budget.basis})`);
  }
  if (i.inquorate && i.inquorate.ms > i.budget.ms)
    reasons.push(
      `${i.inquorate.node} kept the floating IP ${s(i.inquorate.ms)} without quorum (its own corosync said so), longer than ` +
        `the budget of ${s(i.budget.ms)}: no-quorum-policy did not stop it and nobody fenced it; ` +
        'the quorate side may take the service over while it still serves: data at risk',
    );
  reasons.push(...i.findings);
  if (!i.restored) reasons.push(`the cluster could not be restored${i.restoreNotes.length ? `: ${i.restoreNotes.join('; ')}` : ''}`);
  if (i.dataIntact === false) reasons.push('the data check differs before and after');
  return { verdict: reasons.length ? 'fail' : 'pass', reasons };
}
