import { HactlError, NodeError } from '../core/errors.js';
import type { Role } from '../inventory/model.js';
import type { EventSink } from './events.js';
import type { HostContext } from './host.js';
import type { Handler } from './playbook.js';
import { mapBounded } from './pool.js';

/**
 * A selection of hosts. `all` runs a phase on each of them in parallel (bounded by
 * --forks); a host whose phase fails is marked failed and sits out every later phase,
 * while the others go on. Notified handlers run at the end of each phase, per host.
 */
export class HostGroup<H extends string = string> {
  constructor(
    readonly hosts: HostContext<H>[],
    private readonly forks: number,
    private readonly handlers: Record<string, Handler>,
    private readonly emit: EventSink,
  ) {}

  get names(): string[] {
    return this.hosts.map((h) => h.name);
  }
  get size(): number {
    return this.hosts.length;
  }
  /** the live (not failed) hosts */
  get live(): HostContext<H>[] {
    return this.hosts.filter((h) => !h.failed);
  }

  role(...roles: Role[]): HostGroup<H> {
    return this.sub(this.hosts.filter((h) => roles.includes(h.node.role)));
  }
  only(...names: string[]): HostGroup<H> {
    return this.sub(this.hosts.filter((h) => names.includes(h.name)));
  }
  where(pred: (h: HostContext<H>) => boolean): HostGroup<H> {
    return this.sub(this.hosts.filter(pred));
  }
  get(name: string): HostContext<H> | undefined {
    return this.hosts.find((h) => h.name === name);
  }

  /** Runs `fn` on every live host of the group, in parallel, then their handlers. */
  async all(fn: (h: HostContext<H>) => Promise<void>, phase?: string): Promise<void> {
    const live = this.live;
    if (phase) this.emit({ type: 'phase:start', name: phase, hosts: live.map((h) => h.name) });
    await mapBounded(live, this.forks, async (h) => {
      try {
        await fn(h);
        await this.flush(h);
      } catch (err) {
        this.fail(h, err);
      }
    });
    if (phase) this.emit({ type: 'phase:end', name: phase });
  }

  /** Runs `fn` on the first live host of the group (e.g. the master), if any. */
  async once(fn: (h: HostContext<H>) => Promise<void>, phase?: string): Promise<void> {
    const first = this.live[0];
    if (!first) return;
    await this.sub([first]).all(fn, phase);
  }

  private async flush(h: HostContext<H>): Promise<void> {
    for (const [name, handler] of Object.entries(this.handlers)) {
      if (!h.notified.delete(name)) continue;
      if (h.check) {
        h.info(`would run handler: ${name}`);
        continue;
      }
      h.info(`handler: ${name}`);
      await handler(h);
      await h.handlerRan(name);
    }
    for (const unknown of h.notified) {
      h.notified.delete(unknown);
      throw new NodeError(`a task notified the handler "${unknown}", which the playbook does not define`, { host: h.name });
    }
  }

  /**
   * The end-of-run sweep: handlers an interrupted run left pending that no task of this
   * run took up (e.g. a playbook that no longer writes the file) run now, or are reported
   * in check mode; pending handlers this playbook does not define are a warning.
   */
  async runLeftoverPending(): Promise<void> {
    const hosts = this.live.filter((h) => h.pendingHandlers().length);
    if (!hosts.length) return;
    await this.sub(hosts).all(async (h) => {
      for (const p of h.pendingHandlers()) {
        if (this.handlers[p.handler]) h.takePending(p.handler);
        else
          h.warn(
            `an interrupted run left the handler "${p.handler}" pending, which this playbook does not define: ` +
              'run the playbook that does (e.g. bootstrap)',
          );
      }
    }, 'pending handlers');
  }

  private fail(h: HostContext<H>, err: unknown): void {
    h.failed = err instanceof HactlError ? err : new NodeError(String((err as Error)?.message ?? err), { host: h.name }, { cause: err });
    if (!(err instanceof HactlError)) (h.failed as Error).stack = (err as Error)?.stack;
    this.emit({ type: 'host:failed', host: h.name, error: h.failed.message });
  }

  private sub(hosts: HostContext<H>[]): HostGroup<H> {
    return new HostGroup<H>(hosts, this.forks, this.handlers, this.emit);
  }
}
