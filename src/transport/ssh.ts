import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { NodeError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import type { NodeModel } from '../inventory/model.js';
import {
  appendKnownHost, checkHostKey, fingerprint, hostKeyAlgorithms, keyType, knownHostsName, knownKeyTypes, readKnownHosts,
  type HostKeyVerdict,
} from './known-hosts.js';
import { expandHome, readSshConfig } from './ssh-config.js';
import type { Connection, ExecOptions, ExecResult, Held } from './types.js';

/** ssh2's default host-key algorithms (it never offers host certificates). */
const SERVER_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

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
  /** the user known_hosts file: read, and where accept-new records a key */
  knownHosts: string;
  /** more user files to read (UserKnownHostsFile lists several; OpenSSH's default adds known_hosts2) */
  moreKnownHosts?: string[];
  /** system-wide files, read only (GlobalKnownHostsFile; default /etc/ssh/ssh_known_hosts{,2}) */
  globalKnownHosts?: string[];
  become: boolean;
}

/** OpenSSH's GlobalKnownHostsFile default. */
export const GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

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
    ...knownHostsFiles(node, cfg),
    become: node.ssh.become,
  };
}

/** The inventory's known_hosts wins; else ssh_config's UserKnownHostsFile; else OpenSSH's defaults. */
function knownHostsFiles(
  node: NodeModel,
  cfg: ReturnType<typeof readSshConfig>,
): Pick<SshTarget, 'knownHosts' | 'moreKnownHosts' | 'globalKnownHosts'> {
  const globalKnownHosts = cfg.globalKnownHostsFiles ?? GLOBAL_KNOWN_HOSTS;
  if (node.ssh.knownHosts) return { knownHosts: expandHome(node.ssh.knownHosts), moreKnownHosts: [], globalKnownHosts };
  const user = cfg.userKnownHostsFiles?.length ? cfg.userKnownHostsFiles : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'].map(expandHome);
  return { knownHosts: user[0]!, moreKnownHosts: user.slice(1), globalKnownHosts };
}

/** The refusal for a host key known_hosts does not accept (undefined: accept it). */
export function hostKeyRefusal(target: SshTarget, verdict: HostKeyVerdict, key: Buffer, acceptNew: boolean): NodeError | undefined {
  const fp = fingerprint(key);
  const host = target.name;
  const name = knownHostsName(target.host, target.port);
  const remove = (at: string): string => `ssh-keygen -R '${name}' -f ${at.slice(0, at.lastIndexOf(':'))}`;
  switch (verdict.status) {
    case 'match':
      return undefined;
    case 'revoked':
      return new NodeError(`host key for ${target.host} is REVOKED (${fp})`, {
        host, location: verdict.at,
        hint: 'a @revoked line lists this key: the host must get a new key; hactl never connects with a revoked one',
      });
    case 'changed': {
      const type = verdict.type === keyType(key) ? '' : ` (known: a ${verdict.type} key; now a ${keyType(key)} key)`;
      return new NodeError(`host key for ${target.host} has CHANGED${type} (now ${fp})`, {
        host, location: verdict.at,
        hint: `someone may be intercepting the connection, or the host was reinstalled; check the fingerprint, then: ${remove(verdict.at)}`,
      });
    }
    case 'needs-certificate':
    case 'certificate':
      return new NodeError(`host ${target.host} must be verified by its host certificate (@cert-authority), which hactl cannot check`, {
        host, ...(verdict.at ? { location: verdict.at } : {}),
        hint: 'hactl\'s SSH library (ssh2) does not negotiate host certificates; add the host\'s plain key to known_hosts '
          + `(compare \`ssh-keyscan -p ${target.port} ${target.host}\` with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` on the host)`,
      });
    case 'unknown':
      if (acceptNew) return undefined;
      return new NodeError(`unknown host key for ${target.host} (${fp})`, {
        host, hint: `verify the fingerprint, then re-run with --accept-new-hostkeys or add it to ${target.knownHosts}`,
      });
  }
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
    const files = [target.knownHosts, ...(target.moreKnownHosts ?? []), ...(target.globalKnownHosts ?? GLOBAL_KNOWN_HOSTS)];
    const hostVerifier = (key: Buffer): boolean => {
      // read at handshake time: another connection of this run may have just recorded the key
      const verdict = checkHostKey(readKnownHosts(files), names, key);
      refusal = hostKeyRefusal(target, verdict, key, options.acceptNewHostKeys === true);
      if (refusal) return false;
      if (verdict.status === 'unknown') appendKnownHost(target.knownHosts, names, key);
      return true;
    };
    // offer the key types known for the host first, as OpenSSH does, so a host that has
    // several keys shows the one we know instead of looking changed
    const serverHostKey = hostKeyAlgorithms(knownKeyTypes(readKnownHosts(files), names), SERVER_HOST_KEY_ALGORITHMS);
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
        algorithms: { serverHostKey: serverHostKey as never },
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
