import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of the key blob's sha256. */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type inside an SSH wire-format public key blob (e.g. `ssh-ed25519`). */
export function keyType(keyBlob: Buffer): string {
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('ascii');
}

/** `host` for port 22, `[host]:port` otherwise — the name known_hosts uses. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function nameMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return h === hash;
  }
  return field.split(',').some((n) => n.toLowerCase() === name.toLowerCase());
}

export type HostKeyVerdict =
  | { status: 'match' }
  | { status: 'unknown' }
  | { status: 'changed'; line: number };

/**
 * Looks `names` (e.g. the alias and the address) up in a known_hosts text and compares
 * the key. A line with the same key type but another key means the key changed.
 */
export function checkKnownHosts(text: string, names: string[], keyBlob: Buffer): HostKeyVerdict {
  const type = keyType(keyBlob);
  const b64 = keyBlob.toString('base64');
  let changed: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hostsField, ktype, key] = line.split(/\s+/);
    if (!hostsField || !ktype || !key) continue;
    if (!names.some((n) => nameMatches(hostsField, n))) continue;
    if (ktype === type && key === b64) return { status: 'match' };
    if (ktype === type) changed ??= i + 1;
  }
  return changed ? { status: 'changed', line: changed } : { status: 'unknown' };
}

export function readKnownHosts(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Records a new key, like OpenSSH's StrictHostKeyChecking=accept-new. */
export function appendKnownHost(file: string, names: string[], keyBlob: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${names.join(",")} ${keyType(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
}
