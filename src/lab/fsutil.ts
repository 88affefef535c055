/** File system helpers: hashing cache keys, mounts, safe removal of trees. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { attempt, isAlive, procRef } from './proc.js';

/** A short stable hash of a JSON-able value (cache keys). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points at or below `dir` in this process's mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => unescapeMount(l.split(' ')[1] ?? ''))
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or below `dir` (e.g. /proc left by a killed debootstrap). */
export async function umountUnder(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) await attempt('umount', ['-l', m]);
}

/**
 * Removes a tree after unmounting what is mounted inside it; `--one-file-system` keeps rm
 * from ever descending into a mount that could not be detached.
 */
export async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await umountUnder(dir);
  await attempt('rm', ['-rf', '--one-file-system', dir]);
}

/**
 * Removes `<base>.tmp-<pid>` build dirs left by crashed runs (their pid is gone); a build
 * still running in another hactl keeps its dir.
 */
export async function removeStaleTmp(base: string): Promise<void> {
  const dir = dirname(base);
  const name = basename(base);
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.tmp-(\\d+)$`).exec(f);
    if (m && !isAlive(procRef(Number(m[1])))) await removeTree(join(dir, f));
  }
}
