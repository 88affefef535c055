/**
 * The fleet drift row (issues #22/#23): N clusters of 3 light nodes in one `hactl drift -i
 * DIR` against one drift of the same nodes as a single inventory (and, with --fleet-sum,
 * against N separate runs, one per cluster), with hactl's peak RSS of each. The nodes are
 * the drift row's light nodes (bench/lib/fleet.ts: `hactl run bench/light.ts`, then every
 * 10th node drifted), written as one inventory per 3 nodes into a temp directory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { convergeAndDrift, type FleetEnv, fleetUp, hactlCheck, LIGHT_PLAYBOOK, sized } from './fleet.js';
import { runHactl } from './hactl.js';
import { lightInventory } from './labs.js';

export interface FleetDriftRow {
  clusters: number;
  perCluster: number;
  nodes: number;
  driftedHosts: number;
  labs: Array<{ index: number; nodes: number }>;
  labsUpSeconds: number;
  convergeSeconds: number;
  /** one `hactl drift -i DIR` over every cluster */
  fleet: number[];
  fleetRssKiB: number[];
  /** one `hactl drift -i ONE.yaml` over the same nodes */
  single: number[];
  singleRssKiB: number[];
  /** the sum of N runs, one per cluster (--fleet-sum) */
  perClusterSum?: number;
}

interface FleetDoc {
  exitCode?: number;
  clusters?: Array<{
    cluster: string;
    exitCode: number;
    items: Array<{ host?: string }>;
    errors: Array<{ host?: string; message: string }>;
  }>;
}

/** Brings up clusters × perCluster light nodes over the given lab indexes, converges them, and times the row. */
export async function fleetDriftRow(o: {
  clusters: number;
  perCluster?: number;
  pairs: number;
  sum: boolean;
  env: FleetEnv;
  say: (s: string) => void;
  checkpoint: (before: string) => Promise<void>;
}): Promise<FleetDriftRow> {
  const per = o.perCluster ?? 3;
  const count = o.clusters * per;
  const perLab = Math.ceil(count / o.env.indexes.length);
  if (perLab > 89)
    throw new Error(`${count} light nodes over ${o.env.indexes.length} lab(s) is ${perLab} a lab; a lab holds 89: add --fleet-indexes`);
  o.say(`fleet drift: ${o.clusters} clusters × ${per} light nodes over ${o.env.indexes.length} lab(s)`);
  const up = await fleetUp(count, o.env, { perLab, python: false });
  const conv = await convergeAndDrift(up.fleet, o.env);
  o.say(
    `  labs up in ${up.upSeconds.toFixed(1)} s, light set applied in ${conv.seconds.toFixed(1)} s; drift on ${conv.drifted.length} nodes`,
  );
  const dir = join(o.env.workDir, 'fleet-inventories');
  mkdirSync(dir, { recursive: true });
  const files = Array.from({ length: o.clusters }, (_, k) => {
    const name = `c${String(k + 1).padStart(3, '0')}`;
    return lightInventory(join(dir, `${name}.yaml`), up.fleet, up.fleet.nodes.slice(k * per, (k + 1) * per), name);
  });
  const all = sized(up.fleet, count, conv.drifted, o.env.workDir);
  const row: FleetDriftRow = {
    clusters: o.clusters,
    perCluster: per,
    nodes: count,
    driftedHosts: all.drifted.length,
    labs: up.labs.map((l) => ({ index: l.index, nodes: l.nodes.length })),
    labsUpSeconds: up.upSeconds,
    convergeSeconds: conv.seconds,
    fleet: [],
    fleetRssKiB: [],
    single: [],
    singleRssKiB: [],
  };
  for (let p = 0; p < o.pairs; p++) {
    await o.checkpoint(`fleet drift, pair ${p + 1}`);
    for (const what of p % 2 === 0 ? ['fleet', 'single'] : ['single', 'fleet']) {
      if (what === 'single') {
        const r = await hactlCheck(all, o.env);
        row.single.push(r.seconds);
        if (r.rssKiB) row.singleRssKiB.push(r.rssKiB);
        continue;
      }
      // the same parallelism as the single run: --forks is one bound over every cluster's hosts
      const r = await runHactl(['drift', '-i', dir, '--playbook', LIGHT_PLAYBOOK, '--forks', String(count)], {
        log: o.env.log,
        workDir: o.env.workDir,
        json: true,
      });
      checkFleetDoc(r.code, r.json as unknown as FleetDoc | undefined, o.clusters, all.drifted.length, o.env.log);
      row.fleet.push(r.seconds);
      if (r.rssKiB) row.fleetRssKiB.push(r.rssKiB);
    }
    o.say(
      `fleet drift, pair ${p + 1}/${o.pairs}: ${o.clusters} clusters in one run ${row.fleet.at(-1)!.toFixed(2)} s, ` +
        `one ${count}-node drift ${row.single.at(-1)!.toFixed(2)} s`,
    );
  }
  if (o.sum) {
    let total = 0;
    for (const f of files) {
      const r = await runHactl(['drift', '-i', f, '--playbook', LIGHT_PLAYBOOK, '--forks', String(per)], {
        log: o.env.log,
        workDir: o.env.workDir,
      });
      if (r.code !== 0 && r.code !== 2) throw new Error(`hactl drift -i ${f}: exit ${r.code}; log: ${o.env.log}`);
      total += r.seconds;
    }
    row.perClusterSum = total;
    o.say(`  ${o.clusters} runs, one per cluster: ${total.toFixed(2)} s in all`);
  }
  return row;
}

/** The fleet document must hold every cluster, find exactly the drifted hosts and nothing it could not check. */
function checkFleetDoc(code: number, doc: FleetDoc | undefined, clusters: number, drifted: number, log: string): void {
  const expected = drifted ? 2 : 0;
  const errors = (doc?.clusters ?? []).flatMap((c) => c.errors.map((e) => `${c.cluster}/${e.host ?? '-'}: ${e.message}`));
  if (code !== expected || doc?.clusters?.length !== clusters || errors.length)
    throw new Error(
      `hactl drift over ${clusters} clusters: exit ${code}, expected ${expected}, ${doc?.clusters?.length ?? 'no'} sections` +
        `${errors.length ? ` (${errors.slice(0, 3).join('; ')})` : ''}; log: ${log}`,
    );
  const found = new Set(doc.clusters.flatMap((c) => c.items.map((i) => `${c.cluster}/${i.host}`))).size;
  if (found !== drifted)
    throw new Error(`hactl drift over ${clusters} clusters found drift on ${found} hosts, expected ${drifted}; log: ${log}`);
}
