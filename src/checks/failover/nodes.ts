/**
 * Commands on nodes that may be dead, cut off or rebooting at any moment: every call is
 * bounded on the orchestrator's side (an SSH channel to a node whose cable was pulled
 * would otherwise hang until keepalives give up), and a lost connection is dropped so the
 * next call reconnects (e.g. after a node was powered off and booted again).
 */
import { NodeError } from '../../core/errors.js';
import { mask } from '../../core/secret.js';
import type { ClusterModel, NodeModel } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import type { ExecResult } from '../../transport/types.js';
import { timeoutFactor } from './settings.js';

/** A result, or `undefined` when the node did not answer in time. */
export type MaybeResult = ExecResult | undefined;

/**
 * @example
 *   const nodes = new NodeRunner(cluster, connector);
 *   const r = await nodes.exec(cluster.master, 'pgrep -x corosync', 2000);
 *   if (!r) console.log('master did not answer');
 */
export class NodeRunner {
  /** `vars.failover.timeout_factor`: every timeout below is multiplied by it (slow, emulated nodes) */
  readonly factor: number;

  constructor(
    readonly cluster: ClusterModel,
    readonly connector: Connector,
  ) {
    this.factor = timeoutFactor(cluster);
  }

  node(name: string): NodeModel {
    const n = this.cluster.nodes.find((x) => x.name === name);
    if (!n) throw new NodeError(`no node "${name}" in the inventory`);
    return n;
  }

  /**
   * Runs a command; undefined when the node is unreachable or `timeoutMs` passes. A timeout
   * drops the connection: a cut node would otherwise hold it for the keepalive period.
   */
  async exec(node: NodeModel, command: string, timeoutMs = 30_000): Promise<MaybeResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs * this.factor)));
    try {
      const run = this.connector.get(node).then((c) => c.exec(command));
      const r = await Promise.race([run, timeout]);
      if (r === 'timeout') {
        run.catch(() => undefined); // settles when the connection is closed below
        // not awaited: a connect still pending would hold this up until its own timeout
        void this.connector.reset(node.name);
        return undefined;
      }
      return r;
    } catch {
      void this.connector.reset(node.name);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Like {@link exec}, but unreachable or a non-zero exit is a NodeError naming the node. */
  async sh(node: NodeModel, command: string, what: string, timeoutMs = 60_000): Promise<string> {
    const r = await this.exec(node, command, timeoutMs);
    if (!r) throw new NodeError(`${what}: no answer within ${Math.round((timeoutMs * this.factor) / 1000)} s`, { host: node.name });
    if (r.code !== 0) {
      throw new NodeError(`${what} failed (exit ${r.code})`, { host: node.name, output: mask((r.stderr || r.stdout).trim()) });
    }
    return r.stdout;
  }

  /** True when the command exits 0 (false when it fails or the node does not answer). */
  async test(node: NodeModel, command: string, timeoutMs = 10_000): Promise<boolean> {
    return (await this.exec(node, command, timeoutMs))?.code === 0;
  }

  /** Fires a command without waiting for it (e.g. one that takes the node's own network down). */
  fire(node: NodeModel, command: string, settleMs = 1000): Promise<void> {
    return this.exec(node, command, settleMs).then(() => undefined);
  }
}

/**
 * Polls `fn` every `stepMs` until it returns true, `timeoutMs` passes or `signal` aborts.
 * @example await until(() => runner.test(node, 'true', 3000), 60_000, 1000)
 */
export async function until(fn: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 500, signal?: AbortSignal): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() >= end || signal?.aborted) return false;
    await sleep(Math.min(stepMs, Math.max(0, end - Date.now())));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
