import type { ConnectFn } from './connector.js';

/**
 * Maps `fn` over `items` with at most `limit` running at once; results keep input order.
 * Rejections are returned, not thrown, so one host's failure never stops the others.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * At most `size` hosts at work at once, across every caller that shares it (fleet drift:
 * one `--forks` bound over all clusters). Re-entrant per host: a host already at work
 * takes no second slot, so nested calls never wait on themselves. Waiters are served in
 * order.
 *
 * @example
 *   const slots = new HostSlots(2);
 *   await Promise.all(hosts.map((h) => slots.use(h, () => work(h)))); // never more than 2 at once
 */
export class HostSlots {
  private readonly busy = new Map<string, number>();
  private readonly waiting: Array<{ host: string; go: () => void }> = [];
  constructor(readonly size: number) {}

  /** hosts at work now */
  get inUse(): number {
    return this.busy.size;
  }

  async use<R>(host: string, fn: () => Promise<R>): Promise<R> {
    await this.acquire(host);
    try {
      return await fn();
    } finally {
      this.release(host);
    }
  }

  private acquire(host: string): Promise<void> {
    const depth = this.busy.get(host);
    if (depth !== undefined) {
      this.busy.set(host, depth + 1);
      return Promise.resolve();
    }
    if (!this.waiting.length && this.busy.size < Math.max(1, this.size)) {
      this.busy.set(host, 1);
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ host, go }));
  }

  private release(host: string): void {
    const depth = (this.busy.get(host) ?? 1) - 1;
    if (depth > 0) this.busy.set(host, depth);
    else this.busy.delete(host);
    while (this.waiting.length && (this.busy.size < Math.max(1, this.size) || this.busy.has(this.waiting[0]!.host))) {
      const w = this.waiting.shift()!;
      this.busy.set(w.host, (this.busy.get(w.host) ?? 0) + 1);
      w.go();
    }
  }
}

/**
 * A FIFO semaphore of weighted units (fleet drift: hosts of the clusters being checked):
 * `take(n)` waits until n units are free; a request larger than the whole is served alone.
 */
export class Units {
  private used = 0;
  private readonly waiting: Array<{ n: number; go: () => void }> = [];
  constructor(readonly size: number) {}

  async use<R>(n: number, fn: () => Promise<R>): Promise<R> {
    const w = Math.min(Math.max(1, n), Math.max(1, this.size));
    await new Promise<void>((go) => {
      this.waiting.push({ n: w, go });
      this.grant();
    });
    try {
      return await fn();
    } finally {
      this.used -= w;
      this.grant();
    }
  }

  private grant(): void {
    while (this.waiting.length && this.used + this.waiting[0]!.n <= Math.max(1, this.size)) {
      const w = this.waiting.shift()!;
      this.used += w.n;
      w.go();
    }
  }
}

/**
 * A transport whose connects and commands take a slot of `slots` for their host (`key`
 * names the host across clusters whose nodes share names); the long-lived `hold` (the run
 * lock) takes none, since it waits rather than works.
 */
export function boundedConnect(connect: ConnectFn, slots: HostSlots, key: (name: string) => string = (n) => n): ConnectFn {
  return async (node) => {
    const host = key(node.name);
    const c = await slots.use(host, () => connect(node));
    return {
      host: c.host,
      exec: (command, options) => slots.use(host, () => c.exec(command, options)),
      put: (content, path) => slots.use(host, () => c.put(content, path)),
      get: (path) => slots.use(host, () => c.get(path)),
      ...(c.hold ? { hold: (command: string) => c.hold!(command) } : {}),
      close: () => c.close(),
    };
  };
}
