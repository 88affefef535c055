import { dirname } from 'node:path';
import { InputError } from '../core/errors.js';
import { mask } from '../core/secret.js';
import type { ClusterModel } from '../inventory/model.js';
import { type ConnectFn, Connector } from './connector.js';
import type { EventSink, HostSummary, RunEvent, RunSummary } from './events.js';
import { generationRef, historyKeep, inventoryHash, newRunId } from './generation.js';
import { HostGroup } from './group.js';
import { HostContext } from './host.js';
import type { Playbook } from './playbook.js';

export interface RunOptions {
  cluster: ClusterModel;
  /** how to reach nodes; default SSH (see sshConnect) — or pass a shared Connector */
  connect?: ConnectFn;
  connector?: Connector;
  forks?: number;
  check?: boolean;
  /** node names to act on; others are left alone (but still part of the cluster model) */
  limit?: string[];
  events?: EventSink;
  options?: Record<string, unknown>;
  /** where the playbook's own templates live (relative template paths look here first) */
  templateDir?: string;
  /** this run's id (default: a new one); names its generation on each node it changes */
  runId?: string;
  /** the command line, for the generation's meta.json (history shows it) */
  command?: string;
  /** keep no generation (tests whose nodes are this machine, e.g.) */
  noHistory?: boolean;
}

/**
 * Runs a playbook over the cluster's hosts and returns the per-host summary.
 * Never throws for a host's failure: the summary says which host failed and why.
 */
export async function runPlaybook(playbook: Playbook, o: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const emit: EventSink = o.events ?? (() => undefined);
  const warnings: string[] = [];
  const sink: EventSink = (e: RunEvent) => {
    if (e.type === 'log' && e.level === 'warn') warnings.push(e.host ? `${e.host}: ${e.message}` : e.message);
    emit(e);
  };
  const unknown = (o.limit ?? []).filter((n) => !o.cluster.nodes.some((x) => x.name === n));
  if (unknown.length)
    throw new InputError(`--limit names unknown node(s): ${unknown.join(', ')}`, {
      hint: `nodes are ${o.cluster.nodes.map((n) => n.name).join(', ')}`,
    });
  const nodes = o.cluster.nodes.filter((n) => !o.limit?.length || o.limit.includes(n.name));
  const connector = o.connector ?? new Connector(o.connect ?? (await import('./connector.js')).sshConnect());
  const check = o.check ?? false;
  const hosts = nodes.map(
    (n) =>
      new HostContext(
        n,
        o.cluster,
        () => connector.get(n),
        check,
        sink,
        o.templateDir ?? (o.cluster.source ? dirname(o.cluster.source) : undefined),
      ),
  );
  // what this run replaces on a node is kept there as a generation (src/runtime/generation.ts)
  const runId = o.runId ?? newRunId();
  if (!check && !o.noHistory) {
    const meta = {
      run: runId,
      time: new Date(t0).toISOString(),
      inventory: inventoryHash(o.cluster),
      command: mask(o.command ?? `playbook ${playbook.name}`),
      playbook: playbook.name,
    };
    const keep = historyKeep(o.cluster);
    for (const h of hosts) h.generation = generationRef({ ...meta, host: h.name }, keep);
  }
  const group = new HostGroup(hosts, o.forks ?? 10, playbook.handlers ?? {}, sink);
  sink({ type: 'play:start', playbook: playbook.name, hosts: group.names, check });
  try {
    await playbook.run({
      cluster: o.cluster,
      hosts: group,
      check,
      options: o.options ?? {},
      log: (message) => sink({ type: 'log', level: 'info', message }),
      warn: (message) => sink({ type: 'log', level: 'warn', message }),
    });
    await group.runLeftoverPending();
  } finally {
    if (!o.connector) await connector.closeAll();
  }
  const summary = { runId, ...summarise(playbook.name, check, hosts, warnings, Date.now() - t0) };
  sink({ type: 'play:end', summary });
  return summary;
}

function summarise(name: string, check: boolean, hosts: HostContext[], warnings: string[], ms: number): RunSummary {
  const list: HostSummary[] = hosts.map((h) => ({
    host: h.name,
    ok: h.results.filter((r) => !r.failed && !r.changed).length,
    changed: h.results.filter((r) => r.changed).length,
    failed: Boolean(h.failed),
    error: h.failed ? mask(h.failed.message + (h.failed.details.output ? `\n${h.failed.details.output}` : '')) : undefined,
    hint: h.failed?.details.hint,
    tasks: h.results,
  }));
  return {
    playbook: name,
    check,
    ok: list.every((h) => !h.failed),
    changed: list.reduce((a, h) => a + h.changed, 0),
    ms,
    hosts: list,
    warnings,
  };
}
