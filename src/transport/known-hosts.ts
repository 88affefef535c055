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

/** One known_hosts file's text, with its path for messages (`file:line`). */
export interface KnownHostsSource {
  file: string;
  text: string;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/**
 * Does a known_hosts host field match `name`, as OpenSSH's match_hostname: a hashed entry
 * (`|1|salt|hmac`) is compared by HMAC-SHA1; otherwise comma-separated patterns with `*`
 * and `?`, case-insensitive, where a matching negated pattern (`!x`) rejects the line
 * even if another pattern matches.
 * @example hostFieldMatches('*.lab,!db.lab', 'web.lab') === true
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest('base64') === hash;
  }
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** A known_hosts line that names the host being checked. */
interface Entry {
  marker: '' | '@revoked' | '@cert-authority';
  type: string;
  key: string;
  at: string;
}

function entriesFor(sources: KnownHostsSource[], names: string[]): Entry[] {
  const out: Entry[] = [];
  for (const { file, text } of sources) {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const fields = lines[i]!.trim().split(/\s+/);
      if (!fields[0] || fields[0].startsWith('#')) continue;
      const marker = fields[0].startsWith('@') ? fields.shift()! : '';
      // an unknown marker makes OpenSSH skip the line; so do we
      if (marker !== '' && marker !== '@revoked' && marker !== '@cert-authority') continue;
      const [hosts, type, key] = fields;
      if (!hosts || !type || !key) continue;
      if (!names.some((n) => hostFieldMatches(hosts, n))) continue;
      out.push({ marker, type, key, at: `${file}:${i + 1}` });
    }
  }
  return out;
}

export type HostKeyVerdict =
  | { status: 'match'; at: string }
  | { status: 'unknown' }
  /** the presented key is listed `@revoked` for this host: refused even if also listed plainly */
  | { status: 'revoked'; at: string }
  /** the host is known with another key: of the same type, or (`type` differs) of another type */
  | { status: 'changed'; at: string; type: string }
  /** only `@cert-authority` lines name the host: it must present a certificate */
  | { status: 'needs-certificate'; at: string }
  /** the host presented a certificate, which hactl's SSH library cannot verify */
  | { status: 'certificate'; at?: string };

/**
 * Checks the key a host presented against known_hosts files (the user's, then the
 * system-wide ones), as strictly as OpenSSH:
 * - a key listed `@revoked` for the host is refused, even if a plain line lists it too;
 * - a plain line with exactly this key accepts it;
 * - any other key known for the host — of the same type or of another one — binds the
 *   host: the presented key is a change (OpenSSH's accept-new refuses it as well);
 * - `@cert-authority` lines alone mean the host must show a certificate signed by that CA.
 * `names` are the names the host is looked up by (`[host]:port` for a port other than 22).
 *
 * @example
 *   checkHostKey([{ file: '~/.ssh/known_hosts', text }], ['master', '10.77.0.11'], blob)
 *   // { status: 'match', at: '~/.ssh/known_hosts:3' }
 */
export function checkHostKey(sources: KnownHostsSource[], names: string[], keyBlob: Buffer): HostKeyVerdict {
  const type = keyType(keyBlob);
  const b64 = keyBlob.toString('base64');
  const entries = entriesFor(sources, names);
  const revoked = entries.find((e) => e.marker === '@revoked' && e.type === type && e.key === b64);
  if (revoked) return { status: 'revoked', at: revoked.at };
  const ca = entries.find((e) => e.marker === '@cert-authority');
  if (type.endsWith('-cert-v01@openssh.com')) return ca ? { status: 'certificate', at: ca.at } : { status: 'certificate' };
  const plain = entries.filter((e) => e.marker === '');
  const match = plain.find((e) => e.type === type && e.key === b64);
  if (match) return { status: 'match', at: match.at };
  // the same type first: it is the likelier story (a reinstalled host) and OpenSSH's message
  const other = plain.find((e) => e.type === type) ?? plain[0];
  if (other) return { status: 'changed', at: other.at, type: other.type };
  if (ca) return { status: 'needs-certificate', at: ca.at };
  return { status: 'unknown' };
}

/**
 * The key types known for a host (plain lines), for ordering the host-key algorithms the
 * client offers so the server shows a key we know, as OpenSSH does.
 */
export function knownKeyTypes(sources: KnownHostsSource[], names: string[]): string[] {
  return [
    ...new Set(
      entriesFor(sources, names)
        .filter((e) => e.marker === '')
        .map((e) => e.type),
    ),
  ];
}

/** ssh2's host-key algorithm names for the known key types, the known ones first. */
export function hostKeyAlgorithms(known: string[], supported: string[]): string[] {
  const algs = (t: string): string[] => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]);
  const first = known.flatMap(algs).filter((a) => supported.includes(a));
  return [...new Set([...first, ...supported])];
}

/** Reads the files that exist (a missing file is simply empty, as for OpenSSH). */
export function readKnownHosts(files: string[]): KnownHostsSource[] {
  return files.filter((f) => existsSync(f)).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

/** Records a new key, like OpenSSH's StrictHostKeyChecking=accept-new. */
export function appendKnownHost(file: string, names: string[], keyBlob: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${names.join(',')} ${keyType(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
}
