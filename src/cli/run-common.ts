import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { mask } from '../core/secret.js';
import { inventoryWarnings, loadInventory } from '../inventory/index.js';
import type { ClusterModel } from '../inventory/model.js';
import { Connector, sshConnect } from '../runtime/connector.js';
import type { RunSummary } from '../runtime/events.js';
import { acquireRunLock } from '../runtime/lock.js';
import type { Playbook } from '../runtime/playbook.js';
import { runPlaybook } from '../runtime/run.js';
import { addNodeFlags, connectTimeoutMs, type NodeFlags, resolveLimit } from './options.js';
import { type JsonError, printJson } from './output.js';
import { ProgressView, printSummary, recap } from './progress.js';

/** Options every command that talks to nodes shares. */
export interface NodeOptions {
  inventory: string;
  limit?: string;
  forks: string;
  json?: boolean;
  quiet?: boolean;
  connectTimeout?: string;
  acceptNewHostkeys?: boolean;
  set?: string[];
  debug?: boolean;
  adoptSecrets?: boolean;
}

/**
 * The shared node flags (src/cli/options.ts). `true` (a playbook command): -i, --limit,
 * --forks, --json, --connect-timeout, --accept-new-hostkeys, --set, --adopt-secrets;
 * `false`: the same without the playbook's two; or exactly the flags a command honours
 * (`playbook: true` adds --set and --adopt-secrets).
 * @example addNodeOptions(program.command('smoke'), { json: true, quiet: 'print nothing when every check passes' })
 */
export function addNodeOptions(cmd: Command, flags: boolean | (NodeFlags & { playbook?: boolean }) = true): Command {
  addNodeFlags(cmd, typeof flags === 'object' ? flags : { limit: true, forks: true, json: true });
  if (flags === true || (typeof flags === 'object' && flags.playbook)) {
    cmd.option('--set <key=value...>', 'pass an option to the playbook (repeatable)');
    cmd.option(
      '--adopt-secrets',
      "when this inventory's secrets dir lacks a cluster key the nodes already share, take theirs over (never printed)",
    );
  }
  return cmd;
}

export function parseSet(list: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 1) throw new InputError(`--set expects key=value, got "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export function forksOf(o: NodeOptions): number {
  const n = Number(o.forks);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--forks must be a whole number ≥ 1, got "${o.forks}"`);
  return n;
}

export function connectorFor(o: NodeOptions, debug: boolean): Connector {
  return new Connector(
    sshConnect({
      acceptNewHostKeys: o.acceptNewHostkeys,
      connectTimeoutMs: connectTimeoutMs(o),
      onCommand: debug ? (h, c) => process.stderr.write(mask(`[${h}] $ ${c.split('\n')[0]}\n`)) : undefined,
    }),
  );
}

/**
 * Loads the inventory, runs the playbook with progress, prints the summary (or JSON) and
 * sets the exit code: 0 ok, 1 when any host failed.
 */
export async function runWithProgress(
  playbook: Playbook,
  o: NodeOptions,
  extra: {
    check: boolean;
    dir?: string;
    cluster?: ClusterModel;
    connector?: Connector;
    debug?: boolean /** the caller prints the JSON (e.g. merged with more) */;
    deferJson?: boolean;
    /** options for the playbook beyond --set (e.g. rollback's generations) */ options?: Record<string, unknown>;
  },
): Promise<RunSummary> {
  const cluster = extra.cluster ?? (await loadInventory(o.inventory));
  const limit = resolveLimit(cluster, o.limit);
  // --quiet: no progress; the summary only when a host failed
  const view = ProgressView.auto(Boolean(o.json || o.quiet), extra.check);
  const connector = extra.connector ?? connectorFor(o, Boolean(extra.debug));
  // the inventory's own warnings (timing heartbeat warns about, no arbitrator, …) come first
  for (const w of inventoryWarnings(cluster)) view.sink({ type: 'log', level: 'warn', message: `inventory: ${w}` });
  let summary: RunSummary;
  try {
    summary = await runPlaybook(playbook, {
      cluster,
      connector,
      forks: forksOf(o),
      check: extra.check,
      limit,
      events: view.sink,
      options: { ...parseSet(o.set), ...(o.adoptSecrets ? { adoptSecrets: true } : {}), ...extra.options },
      // for the generation each changed node keeps (`hactl history` shows it)
      command: ['hactl', ...process.argv.slice(2)].join(' '),
      templateDir: extra.dir,
    });
  } finally {
    await view.finish();
    if (!extra.connector) await connector.closeAll();
  }
  if (o.json) {
    if (!extra.deferJson) printJson(summaryDoc(summary));
  } else if (!o.quiet || !summary.ok) printSummary(summary);
  if (!summary.ok) process.exitCode = 1;
  return summary;
}

/**
 * A run summary as a `--json` document: when hosts failed, an `error` at the top says so
 * (the recap's words; the host and hint when one host failed, or all with one hint).
 * @example printJson(summaryDoc(summary))
 */
export function summaryDoc<T extends RunSummary>(s: T): T & { error?: JsonError } {
  const failed = s.hosts.filter((h) => h.failed);
  if (!failed.length) return s;
  const hints = [...new Set(failed.map((h) => h.hint).filter(Boolean))];
  const error: JsonError = { message: recap(s), kind: 'node' };
  if (failed.length === 1) error.host = failed[0]!.host;
  if (hints.length === 1 && failed.every((h) => h.hint)) error.hint = mask(hints[0]!);
  return { ...s, error };
}

/** `--wait-lock [seconds]` for the commands that change nodes (they take the run lock). */
export function addLockOption(cmd: Command): Command {
  return cmd.option(
    '--wait-lock [seconds]',
    "if another run holds the cluster's run lock, wait for it (default: refuse at once; no value: up to an hour)",
  );
}

/** --wait-lock's value in seconds (0: refuse at once). */
export function waitSeconds(v: string | boolean | undefined): number {
  if (v === undefined || v === false) return 0;
  if (v === true) return 3600;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`--wait-lock expects seconds, got "${v}"`);
  return n;
}

/**
 * Starts the SSH handshakes of the nodes a run will lock (the --limit set, at most --forks)
 * without waiting: they overlap what the process does before its first command (loading
 * the playbook). The connector hands the same connections to the lock and the run; a
 * failure is reported where the connection is used.
 */
export function prewarm(cluster: ClusterModel, connector: Connector, o: { limit?: string; forks?: string | number }): void {
  const limit = resolveLimit(cluster, o.limit);
  const forks = Number(o.forks) >= 1 ? Math.floor(Number(o.forks)) : 10;
  for (const n of cluster.nodes.filter((x) => !limit?.length || limit.includes(x.name)).slice(0, forks))
    connector.get(n).catch(() => undefined);
}

/**
 * Runs `fn` holding the cluster's run lock (local file + flock on the nodes, see
 * src/runtime/lock.ts); the second of two runs refuses at once naming the first, or waits
 * with --wait-lock.
 * @example await withRunLock(cluster, connector, o, () => runWithProgress(playbook, o, { … }))
 */
export async function withRunLock<T>(
  cluster: ClusterModel,
  connector: Connector,
  o: { waitLock?: string | boolean; limit?: string; json?: boolean; forks?: string | number },
  fn: () => Promise<T>,
): Promise<T> {
  const limit = resolveLimit(cluster, o.limit);
  const lock = await acquireRunLock({
    cluster: cluster.name,
    nodes: cluster.nodes.filter((n) => !limit?.length || limit.includes(n.name)),
    connector,
    command: ['hactl', ...process.argv.slice(2)].join(' '),
    waitSeconds: waitSeconds(o.waitLock),
    forks: Number(o.forks) >= 1 ? Math.floor(Number(o.forks)) : 10,
    notice: (m) => void process.stderr.write(`${m}\n`),
  });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
