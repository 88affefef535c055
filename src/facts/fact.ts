/**
 * A fact: one read-only command and the pure parser of its output. Facts are the only
 * readers of node state; the runtime, the checks and the playbooks run the command and
 * judge what the parser returns.
 */
export interface Fact<T> {
  /** read-only shell text; must succeed (exit 0) even when the daemon is down, or say so in its output */
  readonly command: string;
  parse(stdout: string, exitCode: number): T;
}
