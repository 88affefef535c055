import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { Duplex, Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { NodeError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import type { NodeModel } from '../inventory/model.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  type HostKeyVerdict,
  hostKeyAlgorithms,
  keyType,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
} from './known-hosts.js';
import { authHandler, describeTried } from './ssh-auth.js';
import { effectiveSsh, expandHome, parseProxyJump, proxyCommandLine, readSshConfig, sshGMissing } from './ssh-config.js';
import type { Connection, ExecOptions, ExecResult, Held } from './types.js';

/** ssh2's default host-key algorithms (it never offers host certificates). */
const SERVER_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export interface SshOptions {
  /** record unknown host keys instead of refusing them (OpenSSH accept-new) */
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  /** called with every command sent (for --debug) */
  onCommand?: (host: string, command: string) => void;
}

/** Where and how to reach one node (or jump host), after ssh_config (`ssh -G`) and inventory are merged. */
export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  /** IdentityFiles that exist, tried in order after the agent */
  identities: string[];
  /** IdentitiesOnly: the agent offers only the keys of `identities` */
  identitiesOnly?: boolean;
  /** the user known_hosts file: read, and where accept-new records a key */
  knownHosts: string;
  /** more user files to read (UserKnownHostsFile lists several; OpenSSH's default adds known_hosts2) */
  moreKnownHosts?: string[];
  /** system-wide files, read only (GlobalKnownHostsFile; default /etc/ssh/ssh_known_hosts{,2}) */
  globalKnownHosts?: string[];
  /** StrictHostKeyChecking accept-new (or no): unknown host keys are recorded */
  acceptNew?: boolean;
  /** ConnectTimeout, when --connect-timeout does not say */
  connectTimeoutMs?: number;
  /** ProxyJump: the last hop (whose own `jump` is the hop before it) */
  jump?: SshTarget;
  /** ProxyCommand, %h/%p/%r/%n substituted */
  proxyCommand?: string;
  /** how ssh_config was read: `ssh -G`, or hactl's parser when ssh is not installed */
  via?: 'ssh -G' | 'parser';
  become: boolean;
}

/** OpenSSH's GlobalKnownHostsFile default. */
export const GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** At most this many jump hosts in a chain (a ProxyJump loop in ssh_config stops here). */
const MAX_HOPS = 8;

interface HostQuery {
  name: string;
  host: string;
  config: string | undefined;
  user?: string;
  port?: number;
  /** the inventory's identity file: replaces ssh_config's list */
  identity?: string;
  /** the inventory's known_hosts: replaces ssh_config's (a node), or is read too (a jump host) */
  knownHosts?: string;
  /** the user when neither the inventory nor ssh_config names one (hactl's nodes: root) */
  defaultUser?: string;
  become: boolean;
}

/**
 * Merges the inventory's ssh settings with what OpenSSH makes of the user's ssh_config
 * (`ssh -G`: Include, Match, Host, defaults): the inventory's explicit values win (given
 * to `ssh -G` as -l/-p, so Match sees them), ssh_config fills the rest. ProxyJump hops
 * are resolved the same way, each with its own options.
 *
 * @example const t = await resolveTarget(node); // t.host, t.port, t.jump?.host
 */
export function resolveTarget(node: NodeModel): Promise<SshTarget> {
  return resolveHost(
    {
      name: node.name,
      host: node.connect,
      config: node.ssh.config,
      ...(node.ssh.user !== 'root' ? { user: node.ssh.user } : {}),
      ...(node.ssh.port !== 22 ? { port: node.ssh.port } : {}),
      ...(node.ssh.identity ? { identity: node.ssh.identity } : {}),
      ...(node.ssh.knownHosts ? { knownHosts: node.ssh.knownHosts } : {}),
      defaultUser: node.ssh.user,
      become: node.ssh.become,
    },
    0,
  );
}

async function resolveHost(q: HostQuery, depth: number, noJump = false): Promise<SshTarget> {
  const { effective: e, via } = await effectiveSsh({
    host: q.host,
    ...(q.config ? { config: q.config } : {}),
    ...(q.user ? { user: q.user } : {}),
    ...(q.port ? { port: q.port } : {}),
  }).catch((err: Error) => {
    throw new NodeError(err.message, { host: q.name, hint: 'fix the ssh_config (`ssh -G` reads it as ssh would)' }, { cause: err });
  });
  // `ssh -G` always names a user (the local one by default); hactl's nodes default to root
  let user = e.user;
  if (!q.user && q.defaultUser && e.user === userInfo().username) user = readSshConfig(q.config, q.host).user ?? q.defaultUser;
  const identities = (q.identity ? [expandHome(q.identity)] : e.identityFiles).filter((f) => existsSync(f));
  const userFiles = e.userKnownHostsFiles.length ? e.userKnownHostsFiles : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'].map(expandHome);
  const known =
    q.knownHosts && q.defaultUser
      ? { knownHosts: expandHome(q.knownHosts), moreKnownHosts: [] }
      : { knownHosts: userFiles[0]!, moreKnownHosts: [...userFiles.slice(1), ...(q.knownHosts ? [expandHome(q.knownHosts)] : [])] };
  const target: SshTarget = {
    name: q.name,
    host: e.hostName || q.host,
    port: e.port,
    user,
    identities,
    identitiesOnly: e.identitiesOnly,
    ...known,
    globalKnownHosts: e.globalKnownHostsFiles,
    acceptNew: ['accept-new', 'no', 'off', 'false'].includes(e.strictHostKeyChecking),
    ...(e.connectTimeout ? { connectTimeoutMs: e.connectTimeout * 1000 } : {}),
    via,
    become: q.become,
  };
  if (noJump) return target;
  if (e.proxyJump) {
    if (depth + 1 > MAX_HOPS)
      throw new NodeError(`more than ${MAX_HOPS} ProxyJump hops to reach ${q.host} (a loop in ssh_config?)`, { host: q.name });
    let prev: SshTarget | undefined;
    for (const [i, hop] of parseProxyJump(e.proxyJump).entries()) {
      const t = await resolveHost(
        {
          name: hop.host,
          host: hop.host,
          config: q.config,
          ...(hop.user ? { user: hop.user } : {}),
          ...(hop.port ? { port: hop.port } : {}),
          ...(q.knownHosts ? { knownHosts: q.knownHosts } : {}),
          become: false,
        },
        depth + 1 + i,
        i > 0,
      );
      if (prev) t.jump = prev;
      prev = t;
    }
    if (prev) target.jump = prev;
  } else if (e.proxyCommand) {
    target.proxyCommand = proxyCommandLine(e.proxyCommand, { host: target.host, port: target.port, user, name: q.host });
  }
  return target;
}

/**
 * `root@10.0.0.5:22 via admin@bastion:22` (jump hosts first to last), or `… via proxy command "…"`.
 * @example describeTarget(await resolveTarget(node))
 */
export function describeTarget(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}${describeRoute(t)}`;
}

/** ` via admin@bastion:22 -> inner:22`, ` via proxy command "…"`, or '' for a direct connection. */
export function describeRoute(t: SshTarget): string {
  const hops: string[] = [];
  for (let j = t.jump; j; j = j.jump) hops.unshift(`${j.user}@${j.host}:${j.port}`);
  if (hops.length) return ` via ${hops.join(' -> ')}`;
  return t.proxyCommand ? ` via proxy command "${t.proxyCommand}"` : '';
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
        host,
        location: verdict.at,
        hint: 'a @revoked line lists this key: the host must get a new key; hactl never connects with a revoked one',
      });
    case 'changed': {
      const type = verdict.type === keyType(key) ? '' : ` (known: a ${verdict.type} key; now a ${keyType(key)} key)`;
      return new NodeError(`host key for ${target.host} has CHANGED${type} (now ${fp})`, {
        host,
        location: verdict.at,
        hint: `someone may be intercepting the connection, or the host was reinstalled; check the fingerprint, then: ${remove(verdict.at)}`,
      });
    }
    case 'needs-certificate':
    case 'certificate':
      return new NodeError(`host ${target.host} must be verified by its host certificate (@cert-authority), which hactl cannot check`, {
        host,
        ...(verdict.at ? { location: verdict.at } : {}),
        hint:
          "hactl's SSH library (ssh2) does not negotiate host certificates; add the host's plain key to known_hosts " +
          `(compare \`ssh-keyscan -p ${target.port} ${target.host}\` with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` on the host)`,
      });
    case 'unknown':
      if (acceptNew) return undefined;
      return new NodeError(`unknown host key for ${target.host} (${fp})`, {
        host,
        hint: `verify the fingerprint, then re-run with --accept-new-hostkeys or add it to ${target.knownHosts}`,
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
    /** closes what carries the connection (a jump host's connection, a proxy command) */
    private readonly release: () => void = () => undefined,
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
    ssh.connection?.on('close', () => {
      die('closed by the peer');
      release();
    });
  }

  static async open(target: SshTarget, options: SshOptions = {}): Promise<SshConnection> {
    const ssh = new NodeSSH();
    let refusal: NodeError | undefined;
    const names = [knownHostsName(target.host, target.port)];
    if (target.name !== target.host) names.unshift(knownHostsName(target.name, target.port));
    const files = [target.knownHosts, ...(target.moreKnownHosts ?? []), ...(target.globalKnownHosts ?? GLOBAL_KNOWN_HOSTS)];
    const acceptNew = options.acceptNewHostKeys === true || target.acceptNew === true;
    const hostVerifier = (key: Buffer): boolean => {
      // read at handshake time: another connection of this run may have just recorded the key
      const verdict = checkHostKey(readKnownHosts(files), names, key);
      refusal = hostKeyRefusal(target, verdict, key, acceptNew);
      if (refusal) return false;
      if (verdict.status === 'unknown') appendKnownHost(target.knownHosts, names, key);
      return true;
    };
    // offer the key types known for the host first, as OpenSSH does, so a host that has
    // several keys shows the one we know instead of looking changed
    const serverHostKey = hostKeyAlgorithms(knownKeyTypes(readKnownHosts(files), names), SERVER_HOST_KEY_ALGORITHMS);
    const agent = process.env.SSH_AUTH_SOCK || undefined;
    const auth = authHandler({
      user: target.user,
      identities: target.identities,
      identitiesOnly: target.identitiesOnly === true,
      agentSocket: agent,
    });
    const where = describeTarget(target);
    // the way there: a jump host's forwarded channel, a proxy command's stdio, or a TCP socket of ssh2's own
    let jump: SshConnection | undefined;
    let proxy: ChildProcess | undefined;
    let proxyErr = '';
    try {
      let sock: Duplex | undefined;
      if (target.jump) {
        jump = await SshConnection.open(target.jump, { ...options, onCommand: undefined }).catch((err: unknown) => {
          const e = err as NodeError;
          throw new NodeError(
            `cannot reach jump host ${target.jump!.name} for ${target.name}: ${e.message}`,
            {
              host: target.name,
              ...(e.details?.hint ? { hint: e.details.hint } : {}),
            },
            { cause: err },
          );
        });
        sock = await jump.forward(target.host, target.port);
      } else if (target.proxyCommand) {
        proxy = spawn('sh', ['-c', target.proxyCommand], { stdio: ['pipe', 'pipe', 'pipe'] });
        proxy.stderr!.on('data', (b: Buffer) => void (proxyErr = (proxyErr + b.toString('utf8')).slice(-500)));
        proxy.on('error', (e) => void (proxyErr += e.message));
        sock = Duplex.from({ readable: proxy.stdout!, writable: proxy.stdin! });
      }
      await ssh.connect({
        ...(sock ? { sock: sock as never } : { host: target.host, port: target.port }),
        username: target.user,
        authHandler: auth.handler as never,
        hostVerifier: hostVerifier as never,
        algorithms: { serverHostKey: serverHostKey as never },
        readyTimeout: options.connectTimeoutMs ?? target.connectTimeoutMs ?? 15_000,
        keepaliveInterval: 5_000,
        keepaliveCountMax: 3,
      });
    } catch (err) {
      ssh.dispose();
      await jump?.close();
      proxy?.kill();
      if (refusal) throw refusal;
      if (err instanceof NodeError) throw err;
      const msg = (err as Error).message ?? String(err);
      const failed = /authentication/i.test(msg);
      const proxyNote = proxy && proxyErr.trim() ? ` (proxy command said: ${proxyErr.trim().split('\n').pop()})` : '';
      throw new NodeError(
        failed
          ? `authentication failed for ${where} (tried ${describeTried(auth.tried)})`
          : `cannot connect to ${target.host}:${target.port}${describeRoute(target)}: ${msg}${proxyNote}`,
        {
          host: target.name,
          hint: failed
            ? "check the key is in the node's authorized_keys, or load an encrypted one into ssh-agent (ssh-add)" +
              `${target.via === 'parser' ? `; ${sshGMissing}` : ''}`
            : target.jump || target.proxyCommand
              ? 'check the address, that sshd runs, and that the jump host (or proxy command) may reach it'
              : 'check the address, that sshd runs, and the network path',
        },
        { cause: err },
      );
    }
    return new SshConnection(target.name, ssh, target, options, () => {
      void jump?.close();
      proxy?.kill();
    });
  }

  /** A channel to host:port opened from this host (a ProxyJump hop's forwarding). */
  forward(host: string, port: number): Promise<Duplex> {
    const client = this.ssh.connection;
    if (this.lost || !client) return Promise.reject(this.lost ?? new NodeError('not connected', { host: this.host }));
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        if (err) {
          reject(
            new NodeError(
              `jump host ${this.target.name} cannot open a channel to ${host}:${port}: ${err.message}`,
              {
                host: this.host,
                hint: "the jump host's sshd must allow TCP forwarding (AllowTcpForwarding) and reach the target",
              },
              { cause: err },
            ),
          );
        } else resolve(channel as unknown as Duplex);
      });
    });
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
    const stdin =
      stalledForTests(command, options.stdin) ??
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
    this.release();
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
