/**
 * Generations: every run that changes something on a node keeps, on that node, what it
 * replaced — so `hactl history` can list the runs and `hactl rollback` can put things back.
 *
 *   /var/lib/hactl/generations/            0700 (copies of keys, the CIB with fence credentials)
 *     20261127T231500Z-3fa2/               the run id: UTC start time + 4 hex (sorts by time)
 *       meta.json                          run, time, inventory sha256, command, playbook, host
 *       changes                            one JSON line per changed task ({task, file?, validate?, notify?, secret?})
 *       saved                              one line per file: "<mode> <owner>:<group> <path>", or "absent - <path>"
 *       files/etc/corosync/corosync.conf   the replaced file, as it was (private files stay private)
 *       cib-before.xml                     the CIB configuration before the run's owned-element patch
 *
 * Nothing here costs a round trip of its own: the shell below rides in the tasks' own
 * scripts (before a file's swap, in front of a command, inside the CIB apply script). The
 * first change of a run on a node opens its generation and prunes to the newest `keep`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import type { ClusterModel } from '../inventory/model.js';
import { nodeStateDir } from './pending.js';

export const generationsDir = (): string => `${nodeStateDir()}/generations`;
/** Generations kept per node unless the inventory says otherwise (`vars.history_keep`). */
export const DEFAULT_KEEP = 10;
/** `20261127T231500Z-3fa2` */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;
const RUN_ID_SHELL = '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$';

/** What meta.json holds. */
export interface GenerationMeta {
  run: string;
  /** ISO time the run started */
  time: string;
  /** sha256 of the inventory file the run used ('' when it had none) */
  inventory: string;
  command: string;
  playbook: string;
  host: string;
}

/** One changed task, as recorded in `changes`. */
export interface ChangeEntry {
  task: string;
  /** a file task: the path, and how to write it again (validator, handlers, secrecy) */
  file?: string;
  validate?: string;
  notify?: string[];
  secret?: boolean;
  mode?: string;
}

/** A file as it was before the run: its copy's mode and owner, or absent. */
export interface SavedFile {
  path: string;
  absent: boolean;
  mode?: string;
  owner?: string;
  group?: string;
}

/** One generation on one node, as `history` reads it. */
export interface Generation extends GenerationMeta {
  changes: ChangeEntry[];
  saved: SavedFile[];
  /** cib-before.xml is there (a Pacemaker run that patched the CIB) */
  cib: boolean;
}

/** Where a run writes its generation on one node. */
export interface GenerationRef {
  dir: string;
  keep: number;
  meta: GenerationMeta;
}

/**
 * A new run id: the UTC time (sortable, readable) and 4 random hex digits.
 * @example newRunId(new Date('2026-11-27T23:15:00Z')) // '20261127T231500Z-3fa2'
 */
export function newRunId(now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

/** sha256 of the inventory file ('' when the model was built in code). */
export function inventoryHash(c: Pick<ClusterModel, 'source'>): string {
  if (!c.source || !existsSync(c.source)) return '';
  return createHash('sha256').update(readFileSync(c.source)).digest('hex');
}

/**
 * `vars.history_keep` (default 10): generations kept per node, 1 to 1000.
 * @throws InputError when it is not a whole number in that range
 */
export function historyKeep(c: Pick<ClusterModel, 'vars' | 'source'>): number {
  const k = c.vars.history_keep ?? DEFAULT_KEEP;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 1000) {
    throw new InputError('vars.history_keep must be a whole number from 1 to 1000', {
      location: c.source,
      field: 'vars.history_keep',
      hint: `generations kept per node; default ${DEFAULT_KEEP}`,
    });
  }
  return k;
}

export function generationRef(meta: GenerationMeta, keep: number): GenerationRef {
  return { dir: `${generationsDir()}/${meta.run}`, keep, meta };
}

/**
 * Shell: opens the generation (once per run and node: directory 0700, meta.json) and
 * prunes the older ones to the newest `keep`. Idempotent; reads nothing from stdin.
 */
export function generationOpenCommand(ref: GenerationRef): string {
  const root = quote(generationsDir());
  const g = quote(ref.dir);
  return [
    `if [ ! -e ${g}/meta.json ]; then`,
    `  ( umask 077; mkdir -p ${g}/files ) && chmod 700 ${root}`,
    `  ( umask 077; printf '%s\\n' ${quote(JSON.stringify(ref.meta))} > ${g}/meta.json )`,
    // run ids sort by time: this one and the newest keep-1 others stay, the older ones go
    `  ls -1 ${root} | grep -E '${RUN_ID_SHELL}' | grep -vxF ${quote(ref.meta.run)} | sort -r | tail -n +${ref.keep} ` +
      `| while read -r d; do rm -rf ${root}/"$d"; done`,
    'fi',
  ].join('\n');
}

/** Shell: opens the generation and records one changed task in `changes`. */
export function generationRecordCommand(ref: GenerationRef, entry: ChangeEntry): string {
  const clean = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length)));
  return `${generationOpenCommand(ref)}\n( umask 077; printf '%s\\n' ${quote(JSON.stringify(clean))} >> ${quote(ref.dir)}/changes )`;
}

/**
 * Shell: keeps the file at `path` as it is now (a copy with its mode and owner, or "absent"),
 * the first time this run touches it. A private copy stays private (the directory is 0700
 * too). Runs just before the swap, after the validator accepted the new file.
 */
export function generationSaveCommand(ref: GenerationRef, path: string, priv: boolean): string {
  const p = quote(path);
  const copy = quote(`${ref.dir}/files${path}`);
  const saved = `${quote(ref.dir)}/saved`;
  const dir = quote(`${ref.dir}/files${path.slice(0, path.lastIndexOf('/')) || ''}`);
  return [
    `if [ ! -e ${copy} ] && ! grep -qxF ${quote(`absent - ${path}`)} ${saved} 2>/dev/null; then`,
    `  if [ -e ${p} ]; then ( umask 077; mkdir -p ${dir} ) && cp -p ${p} ${copy}${priv ? ` && chmod go-rwx ${copy}` : ''}` +
      ` && ( umask 077; printf '%s %s\\n' "$(stat -c '%a %U:%G' ${p})" ${p} >> ${saved} )`,
    `  else ( umask 077; printf '%s\\n' ${quote(`absent - ${path}`)} >> ${saved} ); fi`,
    'fi',
  ].join('\n');
}

/** Where the CIB apply script keeps the configuration before its patch. */
export const cibBeforePath = (ref: GenerationRef): string => `${ref.dir}/cib-before.xml`;

const GEN = '@@hactl-gen@@';
const CHANGES = '@@hactl-changes@@';
const SAVED = '@@hactl-saved@@';
const CIB = '@@hactl-cib@@';

/** Read-only shell: every generation on the node, framed for {@link parseGenerations}. */
export function historyReadCommand(): string {
  const root = quote(generationsDir());
  return (
    `for g in ${root}/*; do [ -f "$g/meta.json" ] || continue; echo '${GEN}'; cat "$g/meta.json"; ` +
    `echo '${CHANGES}'; cat "$g/changes" 2>/dev/null; echo '${SAVED}'; cat "$g/saved" 2>/dev/null; ` +
    `echo '${CIB}'; [ -f "$g/cib-before.xml" ] && echo yes; done; true`
  );
}

/** Pure parser for {@link historyReadCommand}: generations, oldest first. Unreadable ones are skipped. */
export function parseGenerations(out: string): Generation[] {
  const gens: Generation[] = [];
  for (const block of out.split(`${GEN}\n`).slice(1)) {
    const [meta = '', rest1 = ''] = block.split(`${CHANGES}\n`);
    const [changes = '', rest2 = ''] = rest1.split(`${SAVED}\n`);
    const [saved = '', cib = ''] = rest2.split(`${CIB}\n`);
    let m: GenerationMeta;
    try {
      m = JSON.parse(meta) as GenerationMeta;
    } catch {
      continue;
    }
    if (!RUN_ID.test(m.run ?? '')) continue;
    gens.push({
      ...m,
      changes: changes
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as ChangeEntry];
          } catch {
            return [];
          }
        }),
      saved: saved.split('\n').filter(Boolean).map(parseSaved),
      cib: cib.trim() === 'yes',
    });
  }
  return gens.sort((a, b) => a.run.localeCompare(b.run));
}

function parseSaved(line: string): SavedFile {
  const [mode = '', og = '', ...path] = line.split(' ');
  if (mode === 'absent') return { path: path.join(' '), absent: true };
  const [owner, group] = og.split(':');
  return { path: path.join(' '), absent: false, mode, owner, group };
}

/** A file to put back, and the generation whose copy it is. */
export interface RestoreFile extends SavedFile {
  run: string;
  /** how the file task writes it (from the generation's record) */
  validate?: string;
  notify: string[];
  secret: boolean;
}

/** What a rollback to (before) a run puts back on one node. */
export interface RestorePlan {
  /** the generations undone, oldest first */
  runs: string[];
  files: RestoreFile[];
  /** the run whose cib-before.xml is the CIB to go back to, if any */
  cib?: string;
}

/**
 * Back to the state before run `to`: every generation from `to` on is undone; for each
 * file the oldest of them that saved it holds the state to go back to (so does the CIB).
 * @example planRestore(gens, '20261127T231500Z-3fa2').files.map((f) => f.path)
 */
export function planRestore(gens: Generation[], to: string): RestorePlan {
  const undone = gens.filter((g) => g.run >= to).sort((a, b) => a.run.localeCompare(b.run));
  const files = new Map<string, RestoreFile>();
  let cib: string | undefined;
  for (const g of undone) {
    for (const s of g.saved) {
      if (files.has(s.path)) continue;
      const e = g.changes.find((c) => c.file === s.path);
      files.set(s.path, { ...s, run: g.run, validate: e?.validate, notify: e?.notify ?? [], secret: e?.secret ?? false });
    }
    if (g.cib && cib === undefined) cib = g.run;
  }
  return { runs: undone.map((g) => g.run), files: [...files.values()], cib };
}

const FILE = '@@hactl-genfile@@';

/** Read-only shell: the generation copies a plan restores (base64) and the CIB before, framed for {@link parseRestoreRead}. */
export function restoreReadCommand(plan: RestorePlan): string {
  const parts = plan.files
    .filter((f) => !f.absent)
    .map((f) => `echo ${FILE} ${quote(f.path)}; base64 -w0 < ${quote(`${generationsDir()}/${f.run}/files${f.path}`)}; echo`);
  if (plan.cib) parts.push(`echo ${FILE} @cib; base64 -w0 < ${quote(`${generationsDir()}/${plan.cib}/cib-before.xml`)}; echo`);
  return parts.length ? `set -e; ${parts.join('; ')}` : 'true';
}

/** Pure parser for {@link restoreReadCommand}: path (or `@cib`) → content. */
export function parseRestoreRead(out: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const block of out.split(`${FILE} `).slice(1)) {
    const nl = block.indexOf('\n');
    found.set(block.slice(0, nl), Buffer.from(block.slice(nl + 1).trim(), 'base64').toString('utf8'));
  }
  return found;
}

/** "file /etc/corosync/corosync.conf" → "corosync.conf"; other tasks as they are. For one-line summaries. */
export function describeChange(e: ChangeEntry): string {
  return e.file ? e.file : e.task;
}
