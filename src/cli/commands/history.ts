/**
 * `hactl history` (read-only: the generations the runs kept on each node) and
 * `hactl rollback` (back to the state before a run: files and owned CIB elements, through
 * the same validated paths as any change, then the smoke checks). docs/history.md.
 */
import chalk from 'chalk';
import type { Command } from 'commander';
import { type SmokeReport, smoke } from '../../checks/smoke.js';
import { InputError, NodeError } from '../../core/errors.js';
import { mask } from '../../core/secret.js';
import { loadInventory } from '../../inventory/index.js';
import type { ClusterModel } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import {
  describeChange,
  type Generation,
  historyReadCommand,
  inventoryHash,
  parseGenerations,
  planRestore,
  RUN_ID,
} from '../../runtime/generation.js';
import { mapBounded } from '../../runtime/pool.js';
import { loadPlaybook } from '../load-playbook.js';
import { addNodeFlags } from '../options.js';
import { printJson } from '../output.js';
import { addLockOption, connectorFor, forksOf, type NodeOptions, runWithProgress, summaryDoc, withRunLock } from '../run-common.js';
import { printSmoke } from './bootstrap.js';

/** One run as `history` shows it: the generations it kept, merged over the nodes. */
export interface HistoryEntry {
  run: string;
  time: string;
  inventory: string;
  command: string;
  playbook: string;
  /** per node that kept a generation: what changed there */
  hosts: Array<{ host: string; changes: string[]; files: Array<{ path: string; absent: boolean }>; cib: boolean }>;
}

export interface HistoryRead {
  /** per host, oldest first */
  byHost: Record<string, Generation[]>;
  /** newest first */
  entries: HistoryEntry[];
  errors: Array<{ host: string; message: string }>;
}

/** Merges the nodes' generations into one entry per run, newest first. */
export function mergeHistory(byHost: Record<string, Generation[]>): HistoryEntry[] {
  const runs = new Map<string, HistoryEntry>();
  for (const [host, gens] of Object.entries(byHost)) {
    for (const g of gens) {
      const e = runs.get(g.run) ?? {
        run: g.run,
        time: g.time,
        inventory: g.inventory,
        command: g.command,
        playbook: g.playbook,
        hosts: [],
      };
      e.hosts.push({
        host,
        changes: g.changes.map(describeChange),
        files: g.saved.map((s) => ({ path: s.path, absent: s.absent })),
        cib: g.cib,
      });
      runs.set(g.run, e);
    }
  }
  return [...runs.values()].sort((a, b) => b.run.localeCompare(a.run));
}

/** Reads every node's generations, in parallel (one round trip each). No node answering is an error. */
export async function readHistory(cluster: ClusterModel, connector: Connector, forks: number): Promise<HistoryRead> {
  const byHost: Record<string, Generation[]> = {};
  const errors: HistoryRead['errors'] = [];
  await mapBounded(cluster.nodes, forks, async (n) => {
    try {
      const r = await (await connector.get(n)).exec(historyReadCommand());
      if (r.code !== 0) throw new Error(`reading the generations failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
      byHost[n.name] = parseGenerations(r.stdout);
    } catch (err) {
      errors.push({ host: n.name, message: mask((err as Error).message) });
    }
  });
  // the inventory's order, not the order the nodes answered in
  const ordered = Object.fromEntries(cluster.nodes.filter((n) => byHost[n.name]).map((n) => [n.name, byHost[n.name]!]));
  errors.sort((a, b) => cluster.nodes.findIndex((n) => n.name === a.host) - cluster.nodes.findIndex((n) => n.name === b.host));
  if (errors.length === cluster.nodes.length) {
    throw new NodeError('no node answered: cannot read the history', {
      output: errors.map((e) => `${e.host}: ${e.message}`).join('\n'),
      hint: 'check the nodes are up and reachable over SSH (hactl smoke -i INV)',
    });
  }
  return { byHost: ordered, entries: mergeHistory(ordered), errors };
}

const when = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

function printHistory(h: HistoryRead, current: string): void {
  if (!h.entries.length) process.stdout.write('no generations yet: a run that changes something on a node keeps one there\n');
  for (const e of h.entries) {
    const inv = e.inventory ? e.inventory.slice(0, 12) : '-';
    const same = e.inventory && e.inventory === current ? chalk.dim(' (this inventory)') : '';
    process.stdout.write(`${chalk.bold(e.run)}  ${when(e.time)}  inventory ${inv}${same}  ${chalk.dim(e.command)}\n`);
    for (const x of e.hosts) {
      const what = [...x.changes, ...(x.cib ? ['CIB before kept'] : [])];
      process.stdout.write(`    ${x.host.padEnd(12)} ${what.join(', ')}\n`);
    }
  }
  for (const err of h.errors) process.stderr.write(`${chalk.yellow('warning')} ${err.host}: not read: ${err.message}\n`);
}

/** The run to go back before: `--to`, else the newest run. Unknown ids name the known ones. */
export function resolveTarget(entries: HistoryEntry[], to: string | undefined): string {
  if (!entries.length)
    throw new InputError('nothing to roll back: no node has a generation yet', {
      hint: 'a run that changes something on a node keeps one there (hactl history -i INV)',
    });
  if (to === undefined) return entries[0]!.run;
  if (entries.some((e) => e.run === to)) return to;
  const known = entries.map((e) => e.run);
  const shown = known.length > 8 ? `${known.slice(0, 8).join(', ')} … (${known.length} in all)` : known.join(', ');
  throw new InputError(
    `unknown run id "${to}"${RUN_ID.test(to) ? '' : ' (run ids look like 20261127T231500Z-3fa2)'}; the generations kept are: ${shown}`,
    {
      hint: 'hactl history -i INV lists them, newest first',
    },
  );
}

interface RollbackOptions extends NodeOptions {
  to?: string;
  check?: boolean;
  smoke: boolean;
  waitLock?: string | boolean;
}

export function register(program: Command): void {
  addNodeFlags(
    program.command('history').description('list the generations the runs kept on the nodes: run id, time, inventory hash, what changed'),
    { forks: true, json: true },
  )
    .addHelpText(
      'after',
      `
Every run that changes something on a node keeps a generation there, under
/var/lib/hactl/generations/<run id>/ (0700): the files it replaced (private ones stay
private), the CIB configuration before its patch, and meta.json (run id, time, sha256 of
the inventory, the command). The last 10 per node are kept (vars.history_keep: N).
Read-only; one SSH round trip per node. \`hactl rollback\` puts a generation back.

Examples:
  $ hactl history -i inventory.yaml
  $ hactl history -i inventory.yaml --json | jq -r '.generations[].run'`,
    )
    .action(async (o: NodeOptions, cmd: Command) => {
      const cluster = await loadInventory(o.inventory);
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        const h = await readHistory(cluster, connector, forksOf(o));
        const current = inventoryHash(cluster);
        if (o.json) printJson({ cluster: cluster.name, inventory: current, generations: h.entries, errors: h.errors });
        else printHistory(h, current);
        if (h.errors.length) process.exitCode = 1;
      } finally {
        await connector.closeAll();
      }
    });

  addLockOption(
    addNodeFlags(
      program
        .command('rollback')
        .description('go back to the state before a run: its files and owned CIB elements, validated and reloaded, then smoke checks'),
      { forks: true, json: true },
    ),
  )
    .option('--to <run>', 'the run to undo, with every later one (default: the newest run); see hactl history')
    .option('--check', 'show what the rollback would change, with diffs; change nothing')
    .option('--no-smoke', 'skip the smoke checks at the end')
    .addHelpText(
      'after',
      `
What it does, per node: each file a generation from RUN on replaced goes back to its copy
from the oldest of them — through the file task, so the daemon's own parser validates it
(corosync -t, drbdadm dump, …), the swap is atomic, mode and owner are as they were, and
the same handlers run (reload corosync, adjust drbd, restart heartbeat); a file the run
created is removed. On Pacemaker, the CIB elements hactl owns go back to what that run
found, through the same owned-only plan, shadow CIB and single patch as bootstrap
(operators' elements are never touched). Then the smoke checks.

The rollback is a run too: it keeps a generation, so \`hactl rollback\` right after it
undoes it. The inventory is not changed: fix it too, or the next bootstrap re-applies it
(and drift reports the difference meanwhile).

Examples:
  $ hactl history -i inventory.yaml
  $ hactl rollback -i inventory.yaml --check                    # what the newest run's undo changes
  $ hactl rollback -i inventory.yaml                            # undo the newest run
  $ hactl rollback -i inventory.yaml --to 20261127T231500Z-3fa2 # back to before that run
  $ hactl rollback -i inventory.yaml --json > rollback.json`,
    )
    .action(async (o: RollbackOptions, cmd: Command) => {
      const cluster = await loadInventory(o.inventory);
      const { playbook, dir } = await loadPlaybook('rollback');
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        const locked = <T>(fn: () => Promise<T>): Promise<T> => (o.check ? fn() : withRunLock(cluster, connector, o, fn));
        const { summary, report, to, runs } = await locked(async () => {
          // read under the lock: no run can add a generation between reading and restoring
          const h = await readHistory(cluster, connector, forksOf(o));
          if (h.errors.length)
            throw new NodeError(`cannot read the generations of ${h.errors.map((e) => e.host).join(', ')}: refusing a partial rollback`, {
              output: h.errors.map((e) => `${e.host}: ${e.message}`).join('\n'),
            });
          const to = resolveTarget(h.entries, o.to);
          const runs = [...new Set(Object.values(h.byHost).flatMap((g) => planRestore(g, to).runs))].sort();
          if (!o.json) process.stderr.write(`rolling back to before ${to} (undoing ${runs.join(', ')})\n`);
          const summary = await runWithProgress(playbook, o, {
            check: Boolean(o.check),
            dir,
            cluster,
            connector,
            deferJson: true,
            options: { to, generations: h.byHost },
          });
          const report: SmokeReport | undefined = summary.ok && !o.check && o.smoke ? await smoke(cluster, connector) : undefined;
          return { summary, report, to, runs };
        });
        if (o.json) printJson(summaryDoc({ ...summary, rollback: { to, undone: runs }, ...(report ? { smoke: report } : {}) }));
        else if (report) printSmoke(report);
        if (report && !report.ok) process.exitCode = 1;
      } finally {
        await connector.closeAll();
      }
    });
}
