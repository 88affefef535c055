/**
 * A connection to one host. One per host for a whole run; every task goes through it.
 * Commands run under `sh -c`; `sudo` is applied by the transport when the node's
 * settings say so, so tasks never add it themselves.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  /** bytes fed to the command's stdin */
  stdin?: string | Buffer;
  /** kill the command after this long (the result then has code 124) */
  timeoutMs?: number;
}

/**
 * A long-lived command on a host (the run lock's holder): its first output line, a way to
 * feed it lines (keep-alives) and to end it, and its exit.
 */
export interface Held {
  /** the first line the command printed ('' when it exited without one) */
  readonly first: string;
  /** the rest of its output, once it exited */
  readonly exited: Promise<{ code: number; output: string }>;
  write(line: string): void;
  /** ends its stdin (it sees EOF) */
  end(): void;
}

export interface Connection {
  /** name used in messages (the inventory node name) */
  readonly host: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** writes content to path (atomically is the file task's job, not this one's) */
  put(content: string | Buffer, path: string): Promise<void>;
  get(path: string): Promise<Buffer>;
  /** starts a command that lives as long as the caller wants (or the connection) */
  hold?(command: string): Promise<Held>;
  close(): Promise<void>;
}
