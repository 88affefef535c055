import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { Secret } from '../core/secret.js';

/**
 * A cluster secret kept on the orchestrator (inventory's secrets dir, mode 0700/0600):
 * generated once, then reused so every run pushes the same key (idempotent) and a node
 * added later gets the same key. Never printed: it is a Secret.
 *
 * @example
 *   const key = loadOrCreateSecret(cluster.secretsDir, 'corosync-authkey', 128);
 */
export function loadOrCreateSecret(dir: string, name: string, bytes: number): Secret {
  const file = join(dir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    // an empty key would give every node an empty (and identical-to-anyone) secret
    if (value.length < 16) throw new InputError(`secret ${file} is empty or too short (${value.length} characters)`, { location: file, hint: 'delete the file to have hactl generate a new one (then re-run bootstrap on every node), or restore it from a backup' });
    return new Secret(value);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const value = randomBytes(bytes).toString('hex');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return new Secret(value);
}

/** Reads a secret that must exist already (e.g. for drift, which never creates). */
export function readSecret(dir: string, name: string): Secret | undefined {
  const file = join(dir, name);
  return existsSync(file) ? new Secret(readFileSync(file, 'utf8').trim()) : undefined;
}

export const COROSYNC_AUTHKEY_SECRET = 'corosync-authkey';
export const HEARTBEAT_AUTHKEY_SECRET = 'heartbeat-authkey';

/**
 * The secret a playbook pushes: created on first use when applying; in check mode (plan,
 * drift) only read — a missing one is shown as a placeholder, never created.
 */
export function clusterSecret(ctx: { check: boolean; cluster: { secretsDir: string } }, name: string, bytes: number): Secret {
  if (ctx.check) return readSecret(ctx.cluster.secretsDir, name) ?? new Secret(`(${name} not generated yet)`);
  return loadOrCreateSecret(ctx.cluster.secretsDir, name, bytes);
}
