import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { twoFilesPatch } from '../core/diff.js';
import { mask } from '../core/secret.js';
import { quote } from '../core/shell.js';
import type { FileFact } from '../facts/file.js';
import { noop, type Step, type TaskDef, type TaskPlan } from './types.js';

export interface FileOptions {
  /** the whole content; omit to manage only mode/owner of an existing file */
  content?: string;
  mode?: string; // octal, e.g. "0644" or "600"
  owner?: string;
  group?: string;
  state?: 'present' | 'absent';
  /** run on the node against the staged file before the swap, `%s` = its path;
   *  a failure leaves the old file untouched and shows the validator's output */
  validate?: string;
  /** keep the previous version as PATH.hactl-bak (default true) */
  backup?: boolean;
  /** content is secret: diffs and logs never show it */
  secret?: boolean;
}

/** Exit status the apply script uses for "the validator refused the file". */
export const VALIDATE_FAILED = 97;
/** Exit status for "the staged copy is not what was sent" (a connection cut mid-stream:
 *  `cat` sees EOF and succeeds, so only size and sha256 tell a truncated file). */
export const STAGE_MISMATCH = 98;

/** The staged copy's name: hidden, beside the target (a `drbd.d/*.res` include never sees it), mktemp's six X. */
export const stagedTemplate = (path: string): string => `${dirname(path)}/.${basename(path)}.hactl-XXXXXX`;
/** A staged copy's path in a validator's or the script's output, with the target it stands for in $1/$2. */
export const STAGED_PATH = /(\S*)\/\.([^/\s:]+)\.hactl-[A-Za-z0-9]{6}/g;

const normMode = (m: string): string => m.replace(/^0+(?=\d{3})/, '');

function diffOf(path: string, fact: FileFact, content: string, secret: boolean): string {
  if (secret) return `--- ${path}\n+++ ${path}\n(secret content ${fact.exists ? 'changed' : 'created'}; not shown)\n`;
  if (fact.exists && fact.content === undefined) return `--- ${path}\n+++ ${path}\n(large file changed; sha256 ${fact.sha256} → new)\n`;
  const old = fact.exists ? (fact.content ?? '') : '';
  // jsdiff opens with "Index:" and "====" lines and tabs after the names: keep a plain unified diff
  const patch = twoFilesPatch(fact.exists ? path : '/dev/null', path, old, content);
  return mask(patch.slice(patch.indexOf('--- ')).replace(/^(---|\+\+\+) (.*?)\t$/gm, '$1 $2'));
}

/** A mode with no group or other bits (0600, 0400, 0700): the file is private. */
export function isPrivateMode(mode: string | undefined): boolean {
  return mode !== undefined && (parseInt(normMode(mode), 8) & 0o077) === 0;
}

/**
 * Keeps the old file as PATH.hactl-bak. The backup of a private or secret file is private
 * too, whatever the old file's mode was (an old 0644 ha.cf with a fence password must not
 * stay world-readable as a backup): created under umask 077, never through a readable mode.
 */
export function backupCopy(path: string, o: Pick<FileOptions, 'mode' | 'secret'>): string {
  const p = quote(path);
  const bak = quote(path + '.hactl-bak');
  if (!isPrivateMode(o.mode) && !o.secret) return `cp -p ${p} ${bak}`;
  return `{ rm -f ${bak}; ( umask 077; cp ${p} ${bak} ); chown --reference=${p} ${bak}; touch -r ${p} ${bak}; chmod go-rwx ${bak}; }`;
}

/**
 * The one-round-trip apply script: stage, check size and sha256 of the staged copy,
 * chmod/chown, validate, back up, record pending handlers (`mark`), rename.
 */
export function writeScript(path: string, o: FileOptions, mark?: string): string {
  const content = o.content ?? '';
  const size = Buffer.byteLength(content);
  const sha = createHash('sha256').update(content).digest('hex');
  const p = quote(path);
  const tmpl = quote(stagedTemplate(path));
  const lines = [
    'set -e',
    `mkdir -p ${quote(dirname(path))}`,
    `tmp=$(mktemp ${tmpl})`,
    `trap 'rm -f "$tmp"' EXIT`,
    'cat > "$tmp"',
    // a cut connection is an EOF to cat: the file would go live truncated without this
    `size=$(wc -c < "$tmp"); sum=$(sha256sum < "$tmp" | cut -d' ' -f1)`,
    `if [ "$size" -ne ${size} ] || [ "$sum" != ${sha} ]; then ` +
      `echo "staged copy has $size of ${size} bytes, sha256 $sum instead of ${sha}" >&2; exit ${STAGE_MISMATCH}; fi`,
    `chmod ${normMode(o.mode ?? '644')} "$tmp"`,
  ];
  if (o.owner || o.group) lines.push(`chown ${quote(`${o.owner ?? 'root'}:${o.group ?? o.owner ?? 'root'}`)} "$tmp"`);
  if (o.validate) {
    const v = o.validate.split('%s').join('"$tmp"');
    lines.push(`if ! out=$( ${v} 2>&1 ); then printf '%s\\n' "$out" >&2; exit ${VALIDATE_FAILED}; fi`);
  }
  if (o.backup !== false) lines.push(`if [ -e ${p} ]; then ${backupCopy(path, o)}; fi`);
  // recorded before the swap: a run killed between the two leaves the handler pending, not lost
  if (mark) lines.push(mark);
  lines.push(`mv -f "$tmp" ${p}`, 'trap - EXIT');
  return lines.join('\n');
}

/**
 * Decides what to do with one file from its fact. Content is compared by sha256.
 *
 * @example
 *   planFile({ path: '/etc/x', exists: false }, '/etc/x', { content: 'a\n' })
 *   // { changed: true, reason: 'create /etc/x', steps: [ … ], diff: '--- /dev/null\n+++ /etc/x …' }
 */
export function planFile(fact: FileFact, path: string, o: FileOptions, mark?: string): TaskPlan {
  if (o.state === 'absent') {
    if (!fact.exists) return noop(`${path} is absent`);
    const backup = o.backup !== false ? `${backupCopy(path, { mode: fact.mode, secret: o.secret })} && ` : '';
    return { changed: true, reason: `remove ${path}`, steps: withMark([{ command: `${backup}rm -f ${quote(path)}` }], mark) };
  }
  const steps: Step[] = [];
  const why: string[] = [];
  let diff: string | undefined;
  if (o.content !== undefined) {
    const sha = createHash('sha256').update(o.content).digest('hex');
    if (!fact.exists || fact.sha256 !== sha) {
      diff = diffOf(path, fact, o.content, o.secret === true);
      steps.push({ command: writeScript(path, o, mark), stdin: o.content, label: `write ${path}` });
      why.push(fact.exists ? `update ${path}` : `create ${path}`);
      return { changed: true, reason: why.join(', '), steps, diff };
    }
  } else if (!fact.exists) {
    return noop(`${path} does not exist (no content given)`);
  }
  // content is right (or not managed): fix metadata in place
  if (o.mode && normMode(o.mode) !== fact.mode) {
    // a backup of the readable version would keep what the new mode hides
    const bak = isPrivateMode(o.mode)
      ? `; if [ -e ${quote(path + '.hactl-bak')} ]; then chmod go-rwx ${quote(path + '.hactl-bak')}; fi`
      : '';
    steps.push({ command: `chmod ${normMode(o.mode)} ${quote(path)}${bak}` });
    why.push(`mode ${fact.mode} → ${normMode(o.mode)}`);
  }
  const wantOwner = o.owner ?? fact.owner;
  const wantGroup = o.group ?? fact.group;
  if ((o.owner && o.owner !== fact.owner) || (o.group && o.group !== fact.group)) {
    steps.push({ command: `chown ${quote(`${wantOwner}:${wantGroup}`)} ${quote(path)}` });
    why.push(`owner ${fact.owner}:${fact.group} → ${wantOwner}:${wantGroup}`);
  }
  if (steps.length === 0) return noop(`${path} is up to date`);
  return { changed: true, reason: `${path}: ${why.join(', ')}`, steps: withMark(steps, mark) };
}

/** Puts the pending-handler record in front of the first step (same round trip, before the change). */
export function withMark(steps: Step[], mark?: string): Step[] {
  if (!mark || !steps[0]) return steps;
  const [first, ...rest] = steps;
  return [{ ...first, command: `${mark}\n${first.command}` }, ...rest];
}

/**
 * The file task: content, mode and owner of `path`; atomic, validated, backed up. It puts
 * the pending and generation records itself, just before the swap, after the generation's
 * copy of the old file.
 */
export const fileTask: TaskDef<FileOptions & { path: string }> = {
  name: (o) => `file ${o.path}`,
  facts: (o) => ({ files: [o.path] }),
  plan: (f, o, mark) => planFile(f.file(o.path), o.path, o, mark),
  invalidates: (o) => ({ files: [o.path] }),
  marksItself: true,
  entry: (o) => ({ file: o.path, validate: o.validate, secret: o.secret || undefined, mode: o.mode }),
  keeps: (f, o) => ({
    path: o.path,
    private: isPrivateMode(o.mode) || isPrivateMode(f.file(o.path).mode) || o.secret === true,
  }),
};
