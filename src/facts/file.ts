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
const ABSENT = '@@hactl-absent@@';
const SHA = '@@hactl-sha@@';
const BIG = '@@hactl-big@@';
/** Content is read up to this size (bytes); a larger file has only its stat and hash. */
const CONTENT_MAX = 262144;

/**
 * One round trip for any number of files: stat + sha256 + (small) content, base64-framed.
 * Batched: one `stat` and one `sha256sum` for all the files, one `base64` per file (five
 * processes per file before: on a no-op run they were most of the remote work).
 *
 * Output: `@@hactl-absent@@ PATH` per missing file; `@@hactl-sha@@` then sha256sum's lines;
 * per present file `@@hactl-file@@ PATH`, `MODE OWNER GROUP SIZE`, the base64 content (or
 * `@@hactl-big@@` past 256 KiB).
 *
 * @example
 *   conn.exec(fileFactsCommand(['/etc/corosync/corosync.conf', '/etc/drbd.d/r0.res']))
 */
export function fileFactsCommand(paths: string[]): string {
  if (!paths.length) return 'true';
  const list = paths.map((p) => `if [ -f ${quote(p)} ]; then set -- "$@" ${quote(p)}; else echo ${ABSENT} ${quote(p)}; fi`);
  return [
    '( set --',
    ...list,
    '[ $# -gt 0 ] || exit 0',
    `echo ${SHA}`,
    'sha256sum -- "$@"',
    // stat's name last: `read` gives it the rest of the line, spaces and all
    'stat -c \'%s %a %U %G %n\' -- "$@" | while read -r size mode owner group name; do',
    `  echo "${MARK} $name"; echo "$mode $owner $group $size"`,
    `  if [ "$size" -le ${CONTENT_MAX} ]; then base64 -w0 < "$name"; echo; else echo ${BIG}; fi`,
    'done )',
  ].join('\n');
}

/** Pure parser for the output of {@link fileFactsCommand}. */
export function parseFileFacts(stdout: string): Map<string, FileFact> {
  const out = new Map<string, FileFact>();
  const hashes = new Map<string, string>();
  let section: 'sha' | undefined;
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(`${ABSENT} `)) {
      const path = line.slice(ABSENT.length + 1);
      out.set(path, { path, exists: false });
    } else if (line === SHA) section = 'sha';
    else if (line.startsWith(`${MARK} `)) {
      section = undefined;
      const path = line.slice(MARK.length + 1);
      const [mode, owner, group] = (lines[i + 1] ?? '').split(' ');
      const b64 = lines[i + 2];
      i += 2;
      out.set(path, {
        path,
        exists: true,
        mode,
        owner,
        group,
        sha256: hashes.get(path),
        content: b64 === undefined || b64 === BIG ? undefined : Buffer.from(b64, 'base64').toString('utf8'),
      });
    } else if (section === 'sha') {
      // "HASH  PATH" (a path with a backslash or newline is escaped and marked with a leading \\: not ours)
      const m = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
      if (m) hashes.set(m[2]!, m[1]!);
    }
  }
  return out;
}
