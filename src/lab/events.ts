/** Progress reporting: src/lab emits plain events; the CLI decides how to show them. */

export interface LabEvent {
  /** 'start' is emitted only for slow steps, so the user knows what is being waited for */
  phase: 'start' | 'done' | 'info';
  /** e.g. "debootstrap bookworm" */
  step: string;
  /** elapsed seconds of the step ('done' only) */
  seconds?: number;
  /** true when the step was skipped because a cached result was found */
  cached?: boolean;
}

export type LabListener = (event: LabEvent) => void;

/** Runs `fn` as a named step and reports its duration. */
export async function step<T>(emit: LabListener | undefined, name: string, fn: () => Promise<T>, slow = false): Promise<T> {
  const t0 = performance.now();
  if (slow) emit?.({ phase: 'start', step: name });
  const result = await fn();
  emit?.({ phase: 'done', step: name, seconds: (performance.now() - t0) / 1000 });
  return result;
}

/** Formats an event as one line: "[lab] debootstrap bookworm … 38.2s". */
export function formatEvent(e: LabEvent): string {
  if (e.phase === 'start') return `[lab] ${e.step} …`;
  if (e.phase === 'info') return `[lab] ${e.step}`;
  return `[lab] ${e.step} … ${e.cached ? 'cached' : `${(e.seconds ?? 0).toFixed(1)}s`}`;
}
