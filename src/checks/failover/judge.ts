/** The verdict of one scenario, from what was measured (pure, so every rule is unit-tested). */
import type { ProbeAnalysis } from './analyse.js';
import type { Budget, SplitBrain, Verdict } from './types.js';

export interface JudgeInput {
  scenario: string;
  expect: 'move' | 'stay';
  /** twin holding the resources before, and the one that must hold them after a move */
  active: string;
  passive: string;
  /** who held the VIP when the fault had played out (undefined: nobody, or several) */
  after?: string;
  analysis: ProbeAnalysis;
  budget: Budget;
  splitBrain?: SplitBrain;
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

/**
 * Pass only when: no split brain, the resources ended where the scenario expects, the
 * longest outage is within budget, the cluster was restored and the data is intact.
 * @example judge({ …, analysis: { longestMs: 9000, … }, budget: { ms: 7200, basis: '…' } }).verdict // 'fail'
 */
export function judge(i: JudgeInput): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  if (i.aborted) reasons.push('interrupted (Ctrl-C)');
  if (i.injectError) reasons.push(`the fault could not be injected: ${i.injectError}`);
  if (i.splitBrain) {
    const why = i.fencing
      ? ''
      : ': without fencing the node kept its resources while the other twin took them over; configure STONITH (cluster.stonith)';
    reasons.push(`SPLIT BRAIN: ${i.splitBrain.reason}${why}`);
  }
  const want = i.expect === 'move' ? i.passive : i.active;
  if (!i.splitBrain && !i.injectError && i.after !== want) {
    const where = i.after ? `on ${i.after}` : 'on no single twin';
    reasons.push(
      i.expect === 'move'
        ? `the resources did not move to ${want}: ${where}`
        : `the resources moved (${where}): nothing should have moved from ${want}`,
    );
  }
  const open = i.analysis.outages.find((o) => o.end === undefined);
  if (open) reasons.push(`the service did not answer again (${open.failed} failed probes from the fault on)`);
  else if (i.timedOut && !i.splitBrain) reasons.push('the service did not settle in time');
  if (i.analysis.longestMs > i.budget.ms) {
    reasons.push(`downtime ${s(i.analysis.longestMs)} exceeds the budget of ${s(i.budget.ms)} (${i.budget.basis})`);
  }
  reasons.push(...i.findings);
  if (!i.restored) reasons.push(`the cluster could not be restored${i.restoreNotes.length ? `: ${i.restoreNotes.join('; ')}` : ''}`);
  if (i.dataIntact === false) reasons.push('the data check differs before and after');
  return { verdict: reasons.length ? 'fail' : 'pass', reasons };
}
