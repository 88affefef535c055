import type { NodeModel } from '../inventory/model.js';
import { resolveTarget, SshConnection, type SshOptions } from '../transport/ssh.js';
import type { Connection } from '../transport/types.js';

/** Opens a connection for a node; the default is SSH, tests pass a local one. */
export type ConnectFn = (node: NodeModel) => Promise<Connection>;

export const sshConnect =
  (options: SshOptions = {}): ConnectFn =>
  (node) =>
    resolveTarget(node).then((target) => SshConnection.open(target, options));

/**
 * One connection per host for the whole run: opened on first use, shared by every task,
 * playbook phase and check, closed once at the end.
 */
export class Connector {
  private readonly open = new Map<string, Promise<Connection>>();
  constructor(private readonly connectFn: ConnectFn) {}

  get(node: NodeModel): Promise<Connection> {
    let c = this.open.get(node.name);
    if (!c) {
      c = this.connectFn(node);
      // a failed connect is not cached: a later retry (e.g. after a node reboots) reconnects
      // (only this attempt: a newer connection of the same node must stay tracked)
      const attempt = c;
      attempt.catch(() => {
        if (this.open.get(node.name) === attempt) this.open.delete(node.name);
      });
      this.open.set(node.name, c);
    }
    return c;
  }

  /** Drops a host's connection (e.g. after the node was powered off in a failover test). */
  async reset(name: string): Promise<void> {
    const c = this.open.get(name);
    this.open.delete(name);
    if (c) await c.then((x) => x.close()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => undefined)));
  }
}
