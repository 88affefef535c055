/**
 * Public-key authentication the way OpenSSH does it: the agent first, then each
 * IdentityFile in turn, on one connection (ssh2's authHandler). An encrypted key file is
 * skipped when an agent is there (its key is usually loaded in it), or its passphrase is
 * asked once per run on a terminal; the failure message names everything tried.
 */
import { existsSync, readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

const { OpenSSHAgent, utils } = ssh2;

/** One IdentityFile as read from disk. */
export interface IdentityInfo {
  file: string;
  /** the private key needs a passphrase */
  encrypted: boolean;
  /** not a key ssh2 can read (the reason) */
  unusable?: string;
  /** the public key blob (from the key, or FILE.pub for an encrypted key), to pick agent keys under IdentitiesOnly */
  publicBlob?: Buffer;
}

/** A step of the authentication, in order. */
export type AuthStep = { kind: 'agent' } | { kind: 'file'; file: string; ask: boolean };

/** What was tried, for the failure message. */
export interface AuthTried {
  agent?: { keys: number; error?: string };
  files: string[];
  /** encrypted files not tried, and why */
  skipped: Array<{ file: string; why: string }>;
}

/** Reads an identity file: whether it is encrypted, and its public blob when known. */
export function inspectIdentity(file: string): IdentityInfo {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (err) {
    return { file, encrypted: false, unusable: (err as Error).message };
  }
  const pub = pubBlob(`${file}.pub`);
  const key = utils.parseKey(text);
  if (key instanceof Error) {
    if (/encrypted|passphrase/i.test(key.message)) return { file, encrypted: true, ...(pub ? { publicBlob: pub } : {}) };
    return { file, encrypted: false, unusable: key.message };
  }
  const one = Array.isArray(key) ? key[0] : key;
  return { file, encrypted: false, publicBlob: one ? one.getPublicSSH() : pub };
}

function pubBlob(file: string): Buffer | undefined {
  if (!existsSync(file)) return undefined;
  const b64 = readFileSync(file, 'utf8').trim().split(/\s+/)[1];
  return b64 ? Buffer.from(b64, 'base64') : undefined;
}

/**
 * The order of authentication (pure): the agent first when there is one, then each key
 * file; an encrypted file is skipped with an agent, asked for on a terminal without one,
 * else skipped.
 *
 * @example authOrder({ agent: true, identities: [{ file: 'a', encrypted: true }], canAsk: true })
 *   // { steps: [{ kind: 'agent' }], skipped: [{ file: 'a', why: 'encrypted; the agent was tried instead' }] }
 */
export function authOrder(input: {
  agent: boolean;
  identities: IdentityInfo[];
  canAsk: boolean;
}): Pick<AuthTried, 'skipped'> & { steps: AuthStep[] } {
  const steps: AuthStep[] = input.agent ? [{ kind: 'agent' }] : [];
  const skipped: AuthTried['skipped'] = [];
  for (const id of input.identities) {
    if (id.unusable) skipped.push({ file: id.file, why: `unreadable: ${id.unusable}` });
    else if (!id.encrypted) steps.push({ kind: 'file', file: id.file, ask: false });
    else if (input.agent) skipped.push({ file: id.file, why: 'encrypted; the agent was tried instead' });
    else if (input.canAsk) steps.push({ kind: 'file', file: id.file, ask: true });
    else skipped.push({ file: id.file, why: 'encrypted, and no ssh-agent (SSH_AUTH_SOCK) nor terminal to ask its passphrase' });
  }
  return { steps, skipped };
}

/** Asks a key file's passphrase (set by the CLI on a terminal); undefined: not asked. */
export type PassphrasePrompt = (file: string) => Promise<string | undefined>;

let prompt: PassphrasePrompt | undefined;
/** Passphrases asked this run, per file: asked once, used for every host. */
const passphrases = new Map<string, Promise<string | undefined>>();

/** The CLI sets this when stdin and stderr are a terminal. */
export function setPassphrasePrompt(p: PassphrasePrompt | undefined): void {
  prompt = p;
}

/**
 * The agent at `socket`, which counts the keys it offered, never fails the connection (a
 * dead agent is noted and has no keys), and under IdentitiesOnly offers only the keys of
 * the IdentityFiles.
 */
class NotedAgent extends OpenSSHAgent {
  constructor(
    socket: string,
    private readonly tried: AuthTried,
    private readonly only: Buffer[] | undefined,
  ) {
    super(socket);
  }

  override getIdentities(cb: (err: Error | undefined, keys?: ssh2.ParsedKey[]) => void): void {
    super.getIdentities((err, keys) => {
      if (err || !keys) {
        this.tried.agent = { keys: 0, error: err?.message ?? 'no answer' };
        return cb(undefined, []);
      }
      const parsed = keys
        .map((k) => utils.parseKey(k as never))
        .filter((k): k is ssh2.ParsedKey => !(k instanceof Error) && !Array.isArray(k));
      const offered = this.only ? parsed.filter((k) => this.only!.some((b) => b.equals(k.getPublicSSH()))) : parsed;
      this.tried.agent = { keys: offered.length };
      cb(undefined, offered);
    });
  }
}

/**
 * The ssh2 `authHandler` for a user and the key files: the steps of `authOrder`, one after
 * the other on the same connection; `tried` fills in as they go.
 */
export function authHandler(input: { user: string; identities: string[]; identitiesOnly: boolean; agentSocket: string | undefined }): {
  handler: ssh2.AuthHandlerMiddleware;
  tried: AuthTried;
} {
  const infos = input.identities.map(inspectIdentity);
  const { steps, skipped } = authOrder({ agent: Boolean(input.agentSocket), identities: infos, canAsk: Boolean(prompt) });
  const tried: AuthTried = { files: [], skipped };
  const only = input.identitiesOnly ? infos.flatMap((i) => (i.publicBlob ? [i.publicBlob] : [])) : undefined;
  let next = 0;
  const handler = (left: ssh2.AuthenticationType[], partial: boolean, cb: (next: ssh2.AuthenticationType | false) => void): void => {
    const step = steps[next++];
    if (!step) {
      cb(false);
      return;
    }
    if (step.kind === 'agent') {
      cb({ type: 'agent', username: input.user, agent: new NotedAgent(input.agentSocket!, tried, only) } as never);
      return;
    }
    const key = readFileSync(step.file);
    if (!step.ask) {
      tried.files.push(step.file);
      cb({ type: 'publickey', username: input.user, key } as never);
      return;
    }
    let asked = passphrases.get(step.file);
    if (!asked) passphrases.set(step.file, (asked = prompt ? prompt(step.file) : Promise.resolve(undefined)));
    void asked.then((passphrase) => {
      if (passphrase === undefined || utils.parseKey(key, passphrase) instanceof Error) {
        skipped.push({ file: step.file, why: passphrase === undefined ? 'encrypted; no passphrase given' : 'encrypted; wrong passphrase' });
        return handler(left, partial, cb);
      }
      tried.files.push(`${step.file} (passphrase)`);
      cb({ type: 'publickey', username: input.user, key, passphrase } as never);
    });
  };
  return { handler: handler as unknown as ssh2.AuthHandlerMiddleware, tried };
}

/** "agent: 2 keys; files: ~/.ssh/id_ed25519; skipped: ~/.ssh/id_rsa (encrypted; …)" */
export function describeTried(t: AuthTried): string {
  const parts = [
    t.agent
      ? `agent: ${t.agent.keys} key${t.agent.keys === 1 ? '' : 's'}${t.agent.error ? ` (${t.agent.error})` : ''}`
      : 'no ssh-agent (SSH_AUTH_SOCK unset)',
    `files: ${t.files.length ? t.files.join(', ') : 'none'}`,
    ...(t.skipped.length ? [`skipped: ${t.skipped.map((s) => `${s.file} (${s.why})`).join(', ')}`] : []),
  ];
  return parts.join('; ');
}
