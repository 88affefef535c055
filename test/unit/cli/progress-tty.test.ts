import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressView } from '../../../src/cli/progress.js';
import type { RunSummary } from '../../../src/runtime/events.js';

// The live (listr2) view on a terminal: listr2 starts its host tasks a few ticks after
// the list is created, and a refused connection can fail a host before that. The view
// used to lose those events and wait for the hosts forever (hactl hung after the run).
afterEach(() => vi.restoreAllMocks());

const summary = (failed: boolean): RunSummary => ({
  playbook: 'site',
  check: true,
  ok: !failed,
  changed: 0,
  ms: 1,
  warnings: [],
  hosts: ['one', 'two'].map((host) => ({ host, ok: 0, changed: 0, failed, tasks: [], ...(failed ? { error: 'refused' } : {}) })),
});

async function settles(view: ProgressView): Promise<boolean> {
  return Promise.race([view.finish().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
}

describe('the terminal view', () => {
  for (const failed of [true, false]) {
    it(`finishes when every host ${failed ? 'failed' : 'ended'} before listr2 started its tasks`, async () => {
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const view = new ProgressView('tty', false);
      view.sink({ type: 'play:start', playbook: 'site', hosts: ['one', 'two'], check: true });
      if (failed) for (const host of ['one', 'two']) view.sink({ type: 'host:failed', host, error: `cannot connect to ${host}` });
      view.sink({ type: 'play:end', summary: summary(failed) });
      expect(await settles(view)).toBe(true);
    });
  }
});
