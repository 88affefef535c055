import { afterAll, beforeAll } from 'vitest';

/**
 * Points the runtime's node state dir (pending handlers, generations) at `dir` for the
 * tests of this file, and puts the previous value back afterwards.
 */
export function useNodeStateDir(dir: string): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.HACTL_NODE_STATE_DIR;
    process.env.HACTL_NODE_STATE_DIR = dir;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.HACTL_NODE_STATE_DIR;
    else process.env.HACTL_NODE_STATE_DIR = saved;
  });
}
