import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { Secret } from '../core/secret.js';
import type { FileFact } from '../facts/file.js';
import { COROSYNC_AUTHKEY } from './corosync.js';
import { AUTHKEYS } from './heartbeat.js';

/**
 * A cluster secret kept on the orchestrator (inventory's secrets dir, mode 0700/0600):
 * generated once, then reused so every run pushes the same key (idempotent) and a node
 * added later gets the same key. Never printed: it is a Secret. The file is created
 * exclusively (O_EXCL): of two runs racing, one writes and both use its key.
 *
 * @example
 *   const key = loadOrCreateSecret(cluster.secretsDir, 'corosync-authkey', 128);
 */
export function loadOrCreateSecret(dir: string, name: string, bytes: number): Secret {
  return readSecret(dir, name) ?? storeSecret(dir, name, randomBytes(bytes).toString('hex'));
}

/**
 * Writes a new secret file (0600, exclusive create) in the secrets dir (0700, with a
 * `.gitignore` of `*` so it is never committed by accident). If another run created it
 * meanwhile, that one's value is returned: a secret is never overwritten.
 */
export function storeSecret(dir: string, name: string, value: string): Secret {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  createExclusive(join(dir, '.gitignore'), '# hactl: cluster secrets, never commit them\n*\n');
  if (!createExclusive(join(dir, name), value + '\n')) return readSecret(dir, name)!;
  return new Secret(value);
}

/** Creates `file` 0600 unless it exists; false when it did. */
function createExclusive(file: string, content: string): boolean {
  try {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Reads a secret that must exist already (e.g. for drift, which never creates). */
export function readSecret(dir: string, name: string): Secret | undefined {
  const file = join(dir, name);
  if (!existsSync(file)) return undefined;
  const value = readFileSync(file, 'utf8').trim();
  // an empty key would give every node an empty (and identical-to-anyone) secret
  if (value.length < 16) {
    throw new InputError(`secret ${file} is empty or too short (${value.length} characters)`, {
      location: file,
      hint: 'restore it from a backup or from the secrets dir of the workstation that bootstrapped the cluster',
    });
  }
  return new Secret(value);
}

export const COROSYNC_AUTHKEY_SECRET = 'corosync-authkey';
export const HEARTBEAT_AUTHKEY_SECRET = 'heartbeat-authkey';

/**
 * One kind of cluster key: its name in the secrets dir, the file on the nodes, how many
 * random bytes a new one has, and how to read the key back out of a node's file (undefined:
 * the file does not hold a key hactl can take over as is).
 */
export interface ClusterKeySpec {
  name: string;
  nodePath: string;
  bytes: number;
  what: string;
  fromNodeFile(content: string): string | undefined;
}

export const COROSYNC_KEY: ClusterKeySpec = {
  name: COROSYNC_AUTHKEY_SECRET,
  nodePath: COROSYNC_AUTHKEY,
  bytes: 128,
  what: 'corosync authkey',
  // hactl writes the key as is (text); a binary key (corosync-keygen) cannot be kept as text
  fromNodeFile: (c) => (c.length >= 16 && c === c.trim() && /^[\x21-\x7e]+$/.test(c) ? c : undefined),
};

export const HEARTBEAT_KEY: ClusterKeySpec = {
  name: HEARTBEAT_AUTHKEY_SECRET,
  nodePath: AUTHKEYS,
  bytes: 32,
  what: 'heartbeat authkeys',
  fromNodeFile: (c) => {
    const index = /^\s*auth\s+(\d+)\s*$/m.exec(c)?.[1];
    const key = index ? new RegExp(`^\\s*${index}\\s+sha1\\s+(\\S+)\\s*$`, 'm').exec(c)?.[1] : undefined;
    return key && key.length >= 16 ? key : undefined;
  },
};

/** A node's copy of a cluster key, as the facts read it. */
export interface NodeKey {
  host: string;
  fact: FileFact;
}

export type KeyDecision =
  | { kind: 'local'; secret: Secret }
  | { kind: 'generate' }
  | { kind: 'adopt'; value: string; from: string; sha256: string };

const short = (sha?: string): string => (sha ?? '?').slice(0, 12);

/**
 * What to do about a cluster key (pure): use the local one; generate one when no node has
 * one; otherwise never rotate silently — refuse (exit 2), or with `adopt` take the nodes'
 * key when they all agree.
 * @example decideClusterKey(COROSYNC_KEY, { dir, local: undefined, nodes, adopt: false }) // throws InputError
 */
export function decideClusterKey(
  spec: ClusterKeySpec,
  o: { dir: string; local: Secret | undefined; nodes: NodeKey[]; adopt: boolean },
): KeyDecision {
  if (o.local) return { kind: 'local', secret: o.local };
  const having = o.nodes.filter((n) => n.fact.exists);
  if (!having.length) return { kind: 'generate' };
  const file = join(o.dir, spec.name);
  const list = having.map((n) => `${n.host} (sha256 ${short(n.fact.sha256)}…)`).join(', ');
  if (!o.adopt) {
    const why = `${spec.nodePath} already exists on ${list}, but this inventory's secrets dir has no ${spec.name}`;
    throw new InputError(`${why}: hactl refuses to replace the running cluster's ${spec.what}`, {
      location: file,
      hint:
        `copy the secrets dir from the workstation (or inventory directory) that bootstrapped the cluster to ${o.dir}, ` +
        "or re-run with --adopt-secrets to take over the nodes' key",
    });
  }
  const hashes = new Set(having.map((n) => n.fact.sha256));
  if (hashes.size > 1) {
    throw new InputError(`cannot adopt the ${spec.what}: the nodes disagree: ${list}`, {
      location: file,
      hint: `make ${spec.nodePath} the same on every node (or restore the secrets dir), then re-run`,
    });
  }
  const first = having[0]!;
  const content = first.fact.content;
  const sameBytes = content !== undefined && createHash('sha256').update(content).digest('hex') === first.fact.sha256;
  const value = sameBytes ? spec.fromNodeFile(content) : undefined;
  if (value === undefined) {
    const why = `${spec.nodePath} is not in the form hactl writes (a binary or unusual key)`;
    throw new InputError(`cannot adopt the ${spec.what} of ${first.host}: ${why}`, {
      location: `${first.host}:${spec.nodePath}`,
      hint: `restore the secrets dir, or store the key yourself as ${file} (mode 0600) in the form hactl writes`,
    });
  }
  return { kind: 'adopt', value, from: first.host, sha256: first.fact.sha256 ?? '' };
}
