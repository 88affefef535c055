import { quote } from '../core/shell.js';

/** What a node has at a path. `content` is present for files up to 256 KiB (for diffs). */
export interface FileFact {
  path: string;
  exists: boolean;
  mode?: string; // octal, e.g. "644"
  owner?: string;
  group?: string;
  sha256?: string;
  content?: string;
}

const MARK = '@@hactl-file@@';

/**
 * One round trip for any number of files: stat + sha256 + (small) content, base64-framed.
 *
 * @example
 *   conn.exec(fileFactsCommand(['/etc/corosync/corosync.conf', '/etc/drbd.d/r0.res']))
 */
export function fileFactsCommand(paths: string[]): string {
  return paths
    .map((p) => {
      const q = quote(p);
      return (
        `echo ${MARK} ${q}; if [ -f ${q} ]; then stat -c '%a %U %G %s' ${q}; sha256sum < ${q} | cut -d' ' -f1; ` +
        `if [ $(stat -c %s ${q}) -le 262144 ]; then base64 -w0 < ${q}; fi; echo; else echo ABSENT; fi`
      );
    })
    .join('; ');
}

/** Pure parser for the output of {@link fileFactsCommand}. */
export function parseFileFacts(stdout: string): Map<string, FileFact> {
  const out = new Map<string, FileFact>();
  const blocks = stdout.split(MARK + ' ').slice(1);
  for (const block of blocks) {
    const [path, first, hash, b64] = block.split('\n');
    if (!path) continue;
    if (first === 'ABSENT' || first === undefined) {
      out.set(path, { path, exists: false });
      continue;
    }
    const [mode, owner, group] = first.split(' ');
    out.set(path, {
      path,
      exists: true,
      mode,
      owner,
      group,
      sha256: hash,
      content: b64 ? Buffer.from(b64, 'base64').toString('utf8') : b64 === '' ? '' : undefined,
    });
  }
  return out;
}
