/**
 * `freeze`: the active twin hangs (every process stopped: a stuck kernel, a paused VM) for
 * longer than the failover budget, then resumes where it stopped. The other twin must take
 * over, and the frozen one must have been fenced, or have let go of the VIP (and DRBD's
 * Primary), before it can answer again: a node that wakes up still holding the VIP is a
 * split brain, which without fencing puts the data at risk. The watch goes on for a few
 * poll rounds after the thaw. Lab: SIGSTOP/SIGCONT of the node's processes (a VM: its
 * qemu); real nodes: `vars.failover.pause { freeze, thaw }`.
 */
import { ALLOWANCE, budgetFor } from '../budget.js';
import type { Scenario } from '../scenario.js';
import { timeoutFactor } from '../settings.js';

/** How long the node stays frozen: the node-loss budget and 5 s more, so the cluster has had every chance to act. */
export const freezeMs = (c: Parameters<typeof budgetFor>[1]): number => budgetFor('node-loss', c).ms + 5000;

/** Watched after the thaw before judging: a rejoin (token + consensus) and a recovery. */
const afterThawMs = (c: Parameters<typeof budgetFor>[1]): number => ALLOWANCE.recovery * timeoutFactor(c);

/** Sleeps `ms`, or less when `signal` aborts. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => {
    const stop = (): void => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      done();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

export const freeze: Scenario = {
  name: 'freeze',
  summary: 'hang the active twin (every process stopped) for longer than the budget, then resume it: fenced or released, never both',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'move',
  dataAtRisk: true,
  lostTwin: true,
  budget: 'node-loss',
  unavailable: ({ faults }) => faults.noFreeze,
  // the freeze itself, then a few poll rounds after the thaw
  observeMs: (c) => freezeMs(c) + afterThawMs(c),
  async inject(ctx) {
    const ms = freezeMs(ctx.cluster);
    ctx.log(`freezing ${ctx.target.name} for ${(ms / 1000).toFixed(1)} s`);
    await ctx.faults.freeze(ctx.target);
    await wait(ms, ctx.signal);
    ctx.log(`thawing ${ctx.target.name}`);
    try {
      await ctx.faults.thaw(ctx.target);
    } catch (err) {
      // a node fenced meanwhile cannot be resumed (a powered-off VM); the undo tries again, the restore powers it on
      ctx.log(`thawing ${ctx.target.name} failed (fenced meanwhile?): ${(err as Error).message}`);
    }
  },
  async undo(ctx) {
    // no-op when the inject thawed it or it was fenced (the restore powers it on)
    await ctx.faults.thaw(ctx.target);
  },
};
