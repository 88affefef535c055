import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { NodeError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import type { NodeModel } from '../inventory/model.js';
import {
  appendKnownHost,
  checkKnownHosts,
  fingerprint,
  knownHostsName,
  readKnownHosts,
} from './known-hosts.js';
import { expandHome, readSshConfig } from './ssh-config.js';
import type { Connection, ExecOptions, ExecResult, Held } from './types.js';

export interface SshOptions {
  /** record unknown host keys instead of refusing them (OpenSSH accept-new) */
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  /** called with every command sent (for --debug) */
  onCommand?: (host: string, command: string) => void;
}

/** Where and how to reach one node, after ssh_config and inventory are merged. */
export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  identities: string[];
  knownHosts: string;
  become: boolean;
}

/**
 * Merges the inventory's ssh settings with the user's ssh_config: the inventory's explicit
 * values win, ssh_config fills the rest (HostName, User, Port, IdentityFile,
 * UserKnownHostsFile), then OpenSSH's defaults.
 */
export function resolveTarget(node: NodeModel): SshTarget {
  const cfg = readSshConfig(node.ssh.config, node.connect);
  const identities = node.ssh.identity
    ? [expandHome(node.ssh.identity)]
    : (cfg.identityFile ?? ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'].map(expandHome));
  return {
    name: node.name,
    host: cfg.hostName ?? node.connect,
    port: node.ssh.port !== 22 ? node.ssh.port : (cfg.port ?? 22),
    user: node.ssh.user !== 'root' ? node.ssh.user : (cfg.user ?? node.ssh.user),
    identities: identities.filter((f) => existsSync(f)),
    knownHosts: expandHome(node.ssh.knownHosts ?? cfg.userKnownHostsFile ?? '~/.ssh/known_hosts'),
    become: node.ssh.become,
  };
}

/**
 * An SSH connection (node-ssh over ssh2) with OpenSSH-like host-key checking and sudo.
 *
 * @example
 *   const c = await SshConnection.open(resolveTarget(node));
 *   await c.exec('corosync-quorumtool -s');
 */
export class SshConnection implements Connection {
  /** Set once the connection is reset, times out or closes: every later call fails at once. */
  private lost: NodeError | undefined;
  /** Rejects when the connection is lost, so a command in flight on a dead node settles. */
  private readonly gone: Promise<never>;

  private constructor(
    readonly host: string,
    private readonly ssh: NodeSSH,
    private readonly target: SshTarget,
    private readonly options: SshOptions,
  ) {
    let fail: (e: Error) => void = () => undefined;
    this.gone = new Promise<never>((_, reject) => (fail = reject));
    this.gone.catch(() => undefined);
    // node-ssh stops listening to the client's 'error' once connected; a reset (a node
    // powered off in a failover test, a cut link) would then be an unhandled error
    const die = (why: string): void => {
      this.lost ??= new NodeError(`connection lost: ${why}`, { host }, {});
      fail(this.lost);
    };
    ssh.connection?.on('error', (e: Error) => die(e.message));
    ssh.connection?.on('close', () => die('closed by the peer'));
  }

  static async open(target: SshTarget, options: SshOptions = {}): Promise<SshConnection> {
    const ssh = new NodeSSH();
    let refusal: NodeError | undefined;
    const names = [knownHostsName(target.host, target.port)];
    if (target.name !== target.host) names.unshift(knownHostsName(target.name, target.port));
    const hostVerifier = (key: Buffer): boolean => {
      const verdict = checkKnownHosts(readKnownHosts(target.knownHosts), names, key);
      if (verdict.status === 'match') return true;
      const fp = fingerprint(key);
      if (verdict.status === 'changed') {
        refusal = new NodeError(`host key for ${target.host} has CHANGED (now ${fp})`, {
          host: target.name,
          location: `${target.knownHosts}:${verdict.line}`,
          hint: 'someone may be intercepting the connection, or the host was reinstalled; check, then remove the old line',
        });
        return false;
      }
      if (options.acceptNewHostKeys) {
        appendKnownHost(target.knownHosts, names, key);
        return true;
      }
      refusal = new NodeError(`unknown host key for ${target.host} (${fp})`, {
        host: target.name,
        hint: `verify the fingerprint, then re-run with --accept-new-hostkeys or add it to ${target.knownHosts}`,
      });
      return false;
    };
    const agent = process.env.SSH_AUTH_SOCK;
    const privateKey = target.identities[0] ? readFileSync(target.identities[0], 'utf8') : undefined;
    try {
      await ssh.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey,
        agent,
        hostVerifier: hostVerifier as never,
        readyTimeout: options.connectTimeoutMs ?? 15_000,
        keepaliveInterval: 5_000,
        keepaliveCountMax: 3,
      });
    } catch (err) {
      ssh.dispose();
      if (refusal) throw refusal;
      const msg = (err as Error).message ?? String(err);
      const auth = /authentication/i.test(msg);
      throw new NodeError(
        auth ? `authentication failed for ${target.user}@${target.host}:${target.port}` : `cannot connect to ${target.host}:${target.port}: ${msg}`,
        {
          host: target.name,
          hint: auth
            ? `tried ${target.identities.length ? target.identities.join(', ') : 'no key file'}${agent ? ' and the ssh-agent' : ''}`
            : 'check the address, that sshd runs, and the network path',
        },
        { cause: err },
      );
    }
    return new SshConnection(target.name, ssh, target, options);
  }

  /** Wraps the command for sudo when the node says `become` and the user is not root. */
  private wrap(command: string): string {
    if (this.target.become && this.target.user !== 'root') return `sudo -n -- sh -c ${quote(command)}`;
    return command;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.lost) throw this.lost;
    let full = this.wrap(command);
    if (options.timeoutMs) full = `timeout -k 2 ${Math.ceil(options.timeoutMs / 1000)} sh -c ${quote(full)}`;
    this.options.onCommand?.(this.host, command);
    const stdin = stalledForTests(command, options.stdin) ??
      (options.stdin === undefined ? undefined : typeof options.stdin === 'string' ? options.stdin : Readable.from([options.stdin]));
    try {
      const r = await Promise.race([this.ssh.execCommand(full, { stdin, noTrim: true }), this.gone]);
      return { stdout: r.stdout, stderr: r.stderr, code: r.code ?? (r.signal ? 128 : 255) };
    } catch (err) {
      if (err === this.lost) throw err;
      throw new NodeError(`connection lost: ${(err as Error).message}`, { host: this.host }, { cause: err });
    }
  }

  async put(content: string | Buffer, path: string): Promise<void> {
    const r = await this.exec(`cat > ${quote(path)}`, { stdin: content });
    if (r.code !== 0) throw new NodeError(`cannot write ${path}: ${r.stderr.trim()}`, { host: this.host });
  }

  async get(path: string): Promise<Buffer> {
    const r = await this.exec(`base64 -w0 < ${quote(path)}`);
    if (r.code !== 0) throw new NodeError(`cannot read ${path}: ${r.stderr.trim()}`, { host: this.host });
    return Buffer.from(r.stdout, 'base64');
  }

  async close(): Promise<void> {
    this.lost ??= new NodeError('connection closed', { host: this.host });
    this.ssh.dispose();
  }

  /** A command on its own channel of this connection: it ends when the connection does. */
  hold(command: string): Promise<Held> {
    if (this.lost) return Promise.reject(this.lost);
    const client = this.ssh.connection;
    if (!client) return Promise.reject(new NodeError('not connected', { host: this.host }));
    this.options.onCommand?.(this.host, command);
    return new Promise((resolve, reject) => {
      client.exec(this.wrap(command), (err, channel) => {
        if (err) return reject(new NodeError(`connection lost: ${err.message}`, { host: this.host }, { cause: err }));
        let out = '';
        let settled = false;
        let done: (r: { code: number; output: string }) => void = () => undefined;
        const exited = new Promise<{ code: number; output: string }>((res) => (done = res));
        const held = (first: string): Held => ({
          first,
          exited,
          write: (line) => void channel.write(line),
          end: () => void channel.end(),
        });
        channel.on('data', (b: Buffer) => {
          out += b.toString('utf8');
          const nl = out.indexOf('\n');
          if (!settled && nl >= 0) {
            settled = true;
            resolve(held(out.slice(0, nl)));
            out = out.slice(nl + 1);
          }
        });
        channel.stderr.on('data', (b: Buffer) => void (out += b.toString('utf8')));
        channel.on('error', () => undefined);
        channel.on('close', (code: number | null) => {
          done({ code: code ?? 255, output: out });
          if (!settled) {
            settled = true;
            resolve(held(''));
          }
        });
      });
    });
  }
}

/**
 * Test-only (the lab tests of interrupted runs): HACTL_TEST_STALL_STREAM=PATH:BYTES sends
 * the first BYTES of a write to PATH, then stalls, as a connection that hangs mid-transfer
 * (the test then cuts it); PATH:BYTES:eof ends the stream there instead, as a proxy that
 * closed it.
 */
function stalledForTests(command: string, stdin?: string | Buffer): Readable | undefined {
  const spec = process.env.HACTL_TEST_STALL_STREAM;
  if (!spec || stdin === undefined) return undefined;
  const m = /^(.+):(\d+)(:eof)?$/.exec(spec);
  if (!m || !command.includes(`mv -f "$tmp" ${quote(m[1]!)}`)) return undefined;
  const buf = Buffer.from(stdin);
  const bytes = Number(m[2]);
  if (buf.length <= bytes) return undefined;
  const stream = new Readable({ read() {} });
  stream.push(buf.subarray(0, bytes));
  if (m[3]) stream.push(null);
  return stream;
}
