/**
 * The cluster's side of a failover test: polls every node over SSH in rounds (~300 ms)
 * and records who holds the floating IP, whether its stack runs and whom it sees as
 * members. That tells when the cluster noticed a fault, when the VIP moved, and whether
 * two nodes held it at once (split brain).
 */
import type { ClusterModel, NodeModel } from '../../inventory/model.js';
import type { NodeRunner } from './nodes.js';
import { now } from './prober.js';
import { parseSample, type StackOps, watchCommand } from './stacks.js';
import type { NodeSample } from './types.js';

export interface WatcherOptions {
  /** time between rounds (ms); default 300 */
  pollMs?: number;
  /** a node that takes longer to answer counts as unreachable in that round; default 1500 */
  timeoutMs?: number;
  /** extra shell lines per node, printing `key=value` (see stacks.ts EXTRA_PREFIX) */
  extra?: (node: NodeModel) => string | undefined;
}

/**
 * @example
 *   const w = new Watcher(cluster, nodes, pacemakerOps, [cluster.master, cluster.slave]);
 *   w.start();
 *   …
 *   const samples = await w.stop();
 *   console.log(w.holders()); // ['slave']
 */
export class Watcher {
  readonly samples: NodeSample[] = [];
  readonly pollMs: number;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    private readonly cluster: ClusterModel,
    private readonly runner: NodeRunner,
    private readonly ops: StackOps,
    private readonly nodes: NodeModel[],
    private readonly options: WatcherOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 300;
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.round();
    this.timer = setInterval(() => this.round(), this.pollMs);
  }

  /** Stops polling; polls still in flight are dropped (closing the connections ends them). */
  async stop(): Promise<NodeSample[]> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    return this.samples.sort((a, b) => a.t - b.t);
  }

  /**
   * Resolves once every watched node has answered a poll (a baseline to compare the fault
   * with: slow nodes take seconds for their first SSH connection), or after `timeoutMs`.
   */
  async baseline(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    const answered = () => this.nodes.every((n) => this.samples.some((x) => x.node === n.name && x.reachable));
    while (!answered()) {
      if (Date.now() >= end || this.stopped) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  /** The newest sample of a node. */
  latest(node: string): NodeSample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]!.node === node) return this.samples[i];
    return undefined;
  }

  /** Reachable nodes whose newest sample has the VIP. */
  holders(): string[] {
    return this.nodes
      .map((n) => this.latest(n.name))
      .filter((s) => s?.reachable && s.vip)
      .map((s) => s!.node);
  }

  /** The one node holding the VIP now, if exactly one does. */
  soleHolder(): string | undefined {
    const h = this.holders();
    return h.length === 1 ? h[0] : undefined;
  }

  /** One round: every node not still busy with the previous poll is polled, stamped with the same time. */
  private round(): void {
    const t = now();
    for (const n of this.nodes) {
      if (this.busy.has(n.name)) continue;
      const p = this.poll(n, t).finally(() => this.busy.delete(n.name));
      this.busy.set(n.name, p);
    }
  }

  /**
   * A poll that takes too long counts as unreachable in its round; the command is left to
   * finish (the node stays busy, so polls never pile up) and its late answer is dropped.
   */
  private async poll(n: NodeModel, t: number): Promise<void> {
    const cmd = watchCommand(this.ops, this.cluster, n, this.options.extra?.(n));
    const timeoutMs = this.options.timeoutMs ?? 1500;
    const run = this.runner.exec(n, cmd, 60_000);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    const r = await Promise.race([run, late]);
    clearTimeout(timer);
    if (this.stopped) return;
    if (r === 'late' || !r) this.samples.push({ t, node: n.name, reachable: false, vip: false, stack: false, members: [], extra: {} });
    else this.samples.push(parseSample(r.stdout, n.name, t));
    if (r === 'late') await run; // keeps the node busy until the late answer
  }
}
