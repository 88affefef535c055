/**
 * SSH connections that survive their node dying. A failover test kills nodes on purpose,
 * so an idle connection gets reset or times out: ssh2 then emits 'error' on its client,
 * which node-ssh stops listening to once connected (an unhandled 'error' would end the
 * process), and a command in flight may never settle. These connections swallow that
 * event, and fail their commands at once when the connection is gone, so the Connector
 * can drop them and reconnect.
 *
 * TODO(transport): SshConnection should do this itself; then this wrapper goes away.
 */
import type { EventEmitter } from 'node:events';
import { NodeError } from '../../core/errors.js';
import type { ConnectFn } from '../../runtime/connector.js';
import type { Connection, ExecOptions, ExecResult } from '../../transport/types.js';

/** The ssh2 client behind an SshConnection (node-ssh keeps it as `ssh.connection`), if any. */
function clientOf(c: Connection): EventEmitter | undefined {
  const inner = (c as unknown as { ssh?: { connection?: EventEmitter | null } }).ssh;
  return inner?.connection ?? undefined;
}

/** A ConnectFn that also knows every connection it opened. */
export type ResilientConnect = ConnectFn & {
  /**
   * Closes every connection still open, including any the Connector lost track of (a late
   * failed connect can drop a newer connection of the same node from its map).
   */
  closeAll(): Promise<void>;
};

/**
 * Wraps a ConnectFn so its connections tolerate resets.
 * @example
 *   const connect = resilient(sshConnect({ connectTimeoutMs: 3000 }));
 *   const connector = new Connector(connect);
 *   …
 *   await connector.closeAll();
 *   await connect.closeAll();
 */
export function resilient(connect: ConnectFn): ResilientConnect {
  const live = new Set<Connection>();
  const fn = async (node: Parameters<ConnectFn>[0]): Promise<Connection> => {
    const c = await connect(node);
    live.add(c);
    const client = clientOf(c);
    let lost: Error | undefined;
    let fail: (e: Error) => void = () => undefined;
    const gone = new Promise<never>((_, reject) => (fail = reject));
    gone.catch(() => undefined);
    const die = (e: Error): void => {
      lost ??= new NodeError(`connection lost: ${e.message}`, { host: node.name });
      fail(lost);
    };
    client?.on('error', (e: Error) => die(e));
    client?.on('close', () => die(new Error('closed')));
    // a thunk: on a lost connection the call is not even made (its rejection would go unobserved)
    const guard = <T>(call: () => Promise<T>): Promise<T> => (lost ? Promise.reject(lost) : Promise.race([call(), gone]));
    return {
      host: c.host,
      exec: (command: string, options?: ExecOptions): Promise<ExecResult> => guard(() => c.exec(command, options)),
      put: (content, path) => guard(() => c.put(content, path)),
      get: (path) => guard(() => c.get(path)),
      close: () => {
        live.delete(c);
        return c.close();
      },
    };
  };
  return Object.assign(fn, {
    closeAll: async () => {
      const all = [...live];
      live.clear();
      await Promise.all(all.map((c) => c.close().catch(() => undefined)));
    },
  });
}
