/**
 * The order of a rolling upgrade (pure): the nodes without resources first (the
 * arbitrator), then the twin that does not run the service, a switchover to it, the other
 * twin, and the move back to the master. Computed one step at a time from what is done and
 * where the service runs, so a fresh run and a `--resume` after a kill take the same path.
 */

export type UpgradeStep =
  | { kind: 'upgrade'; node: string }
  /** the service moves to the upgraded twin so the other one can be upgraded */
  | { kind: 'switchover'; from: string; to: string }
  /** the end: the service goes home to the master */
  | { kind: 'move-back'; from: string; to: string };

export interface UpgradeState {
  /** nodes that hold no resources (arbitrator, others), in inventory order */
  others: readonly string[];
  master: string;
  slave: string;
  /** the twin running the service (undefined: none, then no move is planned) */
  holder: string | undefined;
  /** nodes whose upgrade completed (in this run or the run being resumed) */
  done: ReadonlySet<string>;
  /** move the service back to the master at the end (vars.failover.move_back) */
  moveBack: boolean;
}

/**
 * The next step, or undefined when the upgrade is complete.
 * @example
 * nextStep({ others: ['arbitrator'], master: 'master', slave: 'slave', holder: 'master', done: new Set(['arbitrator']), moveBack: true })
 * // { kind: 'upgrade', node: 'slave' }
 */
export function nextStep(s: UpgradeState): UpgradeStep | undefined {
  const other = s.others.find((n) => !s.done.has(n));
  if (other) return { kind: 'upgrade', node: other };
  const twins = [s.master, s.slave];
  const pending = twins.filter((n) => !s.done.has(n));
  // the twin not running the service first (when both are pending, the passive one)
  const idle = pending.find((n) => n !== s.holder);
  if (idle) return { kind: 'upgrade', node: idle };
  const busy = pending[0];
  if (busy) {
    const to = busy === s.master ? s.slave : s.master;
    return { kind: 'switchover', from: busy, to };
  }
  if (s.moveBack && s.holder !== undefined && s.holder !== s.master) return { kind: 'move-back', from: s.holder, to: s.master };
  return undefined;
}

/** The state after a step completed as planned. */
export function applyStep(s: UpgradeState, step: UpgradeStep): UpgradeState {
  if (step.kind === 'upgrade') return { ...s, done: new Set([...s.done, step.node]) };
  return { ...s, holder: step.to };
}

/**
 * Every step from `s` on, as if each completed (the `--dry-run` plan).
 * @example planSteps(fresh).map(stepName)
 * // ['upgrade arbitrator', 'upgrade slave', 'switchover master → slave', 'upgrade master', 'move back slave → master']
 */
export function planSteps(s: UpgradeState): UpgradeStep[] {
  const out: UpgradeStep[] = [];
  let cur = s;
  for (let step = nextStep(cur); step; step = nextStep(cur)) {
    out.push(step);
    cur = applyStep(cur, step);
    if (out.length > 2 * (s.others.length + 2) + 2) throw new Error('rolling upgrade plan does not end'); // a guard; cannot happen
  }
  return out;
}

/** One line per step, e.g. "switchover master → slave". */
export function stepName(s: UpgradeStep): string {
  if (s.kind === 'upgrade') return `upgrade ${s.node}`;
  return `${s.kind === 'switchover' ? 'switchover' : 'move back'} ${s.from} → ${s.to}`;
}

/** What a node's record says about it for the run being resumed. */
export interface RecordView {
  run: string;
  phase: 'standby' | 'upgraded' | 'done';
}

/**
 * Which run `--resume` continues, which nodes are done in it and which were left half-way
 * (to be brought back first: their stack started, their standby taken off). Records of
 * another run do not count as done.
 * @example resumeView(new Map([['arbitrator', { run: 'r1', phase: 'done' }], ['slave', { run: 'r1', phase: 'standby' }]]))
 *   // { run: 'r1', done: Set { 'arbitrator' }, halfway: ['slave'] }
 */
export function resumeView(records: ReadonlyMap<string, RecordView | undefined>): { run?: string; done: Set<string>; halfway: string[] } {
  const present = [...records.entries()].filter((e): e is [string, RecordView] => e[1] !== undefined);
  // the run most nodes name; ties: the one seen first (inventory order)
  const counts = new Map<string, number>();
  for (const [, r] of present) counts.set(r.run, (counts.get(r.run) ?? 0) + 1);
  const run = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const done = new Set(present.filter(([, r]) => r.run === run && r.phase === 'done').map(([n]) => n));
  const halfway = present.filter(([, r]) => r.phase !== 'done').map(([n]) => n);
  return { run, done, halfway };
}

/**
 * How a node that was rebooted is known to be back: its boot id changed and it answers.
 * `readBootId` returns undefined while the node does not answer. Polls every `stepMs`
 * until `timeoutMs`; `sawDown` tells whether it was ever seen unreachable.
 * @example await waitReboot(() => readBootId(node), 'old-id', 300_000) // { ok: true, sawDown: true, bootId: 'new-id', ms: 41000 }
 */
export async function waitReboot(
  readBootId: () => Promise<string | undefined>,
  before: string,
  timeoutMs: number,
  stepMs = 2000,
  clock: { now(): number; sleep(ms: number): Promise<void> } = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
): Promise<{ ok: boolean; sawDown: boolean; bootId?: string; ms: number }> {
  const t0 = clock.now();
  let sawDown = false;
  for (;;) {
    const id = await readBootId();
    if (id === undefined) sawDown = true;
    else if (id !== before) return { ok: true, sawDown, bootId: id, ms: clock.now() - t0 };
    if (clock.now() - t0 >= timeoutMs) return { ok: false, sawDown, bootId: id, ms: clock.now() - t0 };
    await clock.sleep(stepMs);
  }
}
