/** The bench's results: the JSON document, the targets of issue #10, and the printed table. */
import type { FleetDriftRow } from './fleet-drift.js';
import { fmtR, fmtS, median, ratio, round } from './stats.js';

export interface Results {
  date: string;
  mode: 'full' | 'smoke';
  machine: {
    hostname: string;
    cores: number;
    cpu: string;
    memoryGiB: number;
    freeMemoryGiB: number;
    loadBefore: [number, number, number];
    /** seconds the bench waited for the 1-minute load to fall before it began (a full run) */
    waitedForLoadSeconds?: number;
    loadAfter?: [number, number, number];
    /**
     * Between the runs (before each pair, the bench idle for 3 s): the load average and the
     * share of the CPU something else used. `quiet`: false when that share was over
     * QUIET_BUSY at any sample or the 1-minute load before the run was over QUIET_LOAD per core.
     */
    loadSamples?: Array<{ before: string; load: [number, number, number]; othersBusy: number }>;
    quiet?: boolean;
    node: string;
  };
  versions: { hactl?: string; commit?: string; ansible?: string };
  cliStartSeconds?: number;
  converge?: {
    hactl: number[];
    ansible: number[];
    apt: number[];
    formation: number[];
    order: string[];
    hactlProfiles: Array<Array<{ phase: string; start: number; seconds: number }>>;
    equivalence: string[];
    rssKiB: number[];
    /** seconds each fresh lab waited for the disk to go quiet before its run (bench/lib/exec.ts diskSettle) */
    diskSettle?: number[];
  };
  noop?: { hactl: number[]; ansible: number[]; hactlChanged: number[]; ansibleChanged: number[] };
  fleet?: {
    nodes: number;
    labs: Array<{ index: number; nodes: number }>;
    labsUpSeconds: number;
    pythonSeconds: number;
    convergeSeconds: number;
  };
  /** fleet drift (bench/lib/fleet-drift.ts) */
  fleetDrift?: FleetDriftRow;
  drift: Array<{ nodes: number; driftedHosts: number; hactl: number[]; ansible: number[]; handshake: number[]; hactlRssKiB: number[] }>;
  targets?: Target[];
  totalSeconds?: number;
  notes: string[];
}

/** Over this share of the CPU used by others while the bench idles, the run is not quiet. */
export const QUIET_BUSY = 0.15;
/** Over this 1-minute load per core before the run, the run is not quiet. */
export const QUIET_LOAD = 0.5;

export interface Target {
  what: string;
  value?: number;
  limit: number;
  met?: boolean;
}

function target(what: string, value: number | undefined, limit: number): Target {
  return { what, value: round(value, 3), limit, met: value === undefined ? undefined : value <= limit };
}

/** The ratios issues #10 and #23 set as targets, from the medians of this run. */
export function targetsOf(r: Results): Target[] {
  const out: Target[] = [];
  if (r.converge) {
    const h = median(r.converge.hactl);
    const floor = (median(r.converge.apt) ?? NaN) + (median(r.converge.formation) ?? NaN);
    out.push(target('converge: hactl / ansible', ratio(h, median(r.converge.ansible)), 0.55));
    out.push(target('converge: hactl / floor (apt + default formation)', Number.isNaN(floor) ? undefined : ratio(h, floor), 0.8));
  }
  if (r.noop) out.push(target('no-op re-run: hactl / ansible', ratio(median(r.noop.hactl), median(r.noop.ansible)), 0.1));
  const big = r.drift.at(-1);
  if (big) {
    out.push(target(`drift ${big.nodes} nodes: hactl / ansible --check`, ratio(median(big.hactl), median(big.ansible)), 0.15));
    out.push(target(`drift ${big.nodes} nodes: hactl / ${big.nodes} ssh handshakes`, ratio(median(big.hactl), median(big.handshake)), 1.3));
  }
  const f = r.fleetDrift;
  if (f) {
    out.push(target(`fleet drift ${f.clusters}×${f.perCluster}: one run / one ${f.nodes}-node drift`, fleetRatio(f), 1.3));
    out.push(target(`fleet drift ${f.clusters}×${f.perCluster}: hactl peak RSS (MiB)`, fleetRssMiB(f), 250));
  }
  return out;
}

const fleetRatio = (f: FleetDriftRow): number | undefined => ratio(median(f.fleet), median(f.single));
const fleetRssMiB = (f: FleetDriftRow): number | undefined => (f.fleetRssKiB.length ? Math.max(...f.fleetRssKiB) / 1024 : undefined);

/** The fleet drift row's lines of the table. */
export function fleetLines(f: FleetDriftRow): string[] {
  const mib = (k: number[]): string => (k.length ? `${(Math.max(...k) / 1024).toFixed(0)} MiB` : '?');
  const sum = f.perClusterSum === undefined ? '' : `; ${f.clusters} runs, one per cluster: ${fmtS(f.perClusterSum)} in all`;
  return [
    `fleet drift, ${f.clusters} clusters × ${f.perCluster} light nodes (${f.driftedHosts} drifted): one run ${fmtS(median(f.fleet))}, ` +
      `one ${f.nodes}-node drift ${fmtS(median(f.single))} (${fmtR(fleetRatio(f))}×)${sum}`,
    `  peak RSS: fleet run ${mib(f.fleetRssKiB)}, single run ${mib(f.singleRssKiB)}`,
  ];
}

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - [...s].length));
const lpad = (s: string, n: number): string => ' '.repeat(Math.max(0, n - [...s].length)) + s;

export function printTable(r: Results, file: string): void {
  const w = (s: string): void => void process.stdout.write(s + '\n');
  const m = r.machine;
  w('');
  w(`hactl bench (${r.mode}) ${r.date} — ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpu}`);
  w(
    `load average before ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${(m.loadAfter ?? []).map((x) => x.toFixed(2)).join(' ')}; ${r.versions.ansible ?? ''}; hactl ${r.versions.hactl ?? ''}${r.versions.commit ? ` (${r.versions.commit})` : ''}`,
  );
  const samples = m.loadSamples ?? [];
  const worst = samples.reduce((a, s) => Math.max(a, s.othersBusy), 0);
  w(
    m.quiet === false
      ? `NOT QUIET: other work used up to ${(worst * 100).toFixed(0)}% of the CPU between runs (limit ${QUIET_BUSY * 100}%) or the load before was over ${QUIET_LOAD}/core: ratios against the CPU-bound peer are flattered; do not commit this result`
      : `quiet: others used at most ${(worst * 100).toFixed(0)}% of the CPU between runs (${samples.length} samples)`,
  );
  w('medians of alternating A/B runs; ratio = hactl / the other column');
  w('');
  const head = [pad('step', 34), lpad('hactl', 9), lpad('ansible', 9), lpad('ratio', 7), lpad('floor', 9), lpad('vs floor', 9), '  runs'];
  w(head.join(' '));
  w('─'.repeat(head.join(' ').length + 2));
  const row = (name: string, h: number[], a: number[], floor?: number, runs = `${h.length}+${a.length}`): void => {
    const mh = median(h);
    const ma = median(a);
    w(
      [
        pad(name, 34),
        lpad(fmtS(mh), 9),
        lpad(fmtS(ma), 9),
        lpad(fmtR(ratio(mh, ma)), 7),
        lpad(fmtS(floor), 9),
        lpad(fmtR(ratio(mh, floor)), 9),
        `  ${runs}`,
      ].join(' '),
    );
  };
  if (r.converge) {
    const c = r.converge;
    const apt = median(c.apt);
    const form = median(c.formation);
    row('converge, 3 fresh nodes', c.hactl, c.ansible, apt !== undefined && form !== undefined ? apt + form : undefined);
    w(`${pad('  floor: apt installs alone', 34)} ${lpad(fmtS(apt), 9)}`);
    w(`${pad('  floor: cluster formation alone', 34)} ${lpad(fmtS(form), 9)}`);
  }
  if (r.noop) row('no-op re-run, 3 nodes', r.noop.hactl, r.noop.ansible);
  for (const d of r.drift) row(`drift ${d.nodes} light nodes (check mode)`, d.hactl, d.ansible, median(d.handshake));
  if (r.drift.length) w(`${pad('  floor: N parallel `ssh NODE true`', 34)}`);
  w('');
  if (r.converge?.hactlProfiles.length) {
    const i = r.converge.hactl.indexOf(median(r.converge.hactl) ?? NaN);
    const prof = r.converge.hactlProfiles[Math.max(i, 0)] ?? [];
    w(`hactl converge phases: ${prof.map((p) => `${p.phase} ${p.seconds.toFixed(1)} s`).join(', ')}`);
  }
  const rss = r.drift.at(-1)?.hactlRssKiB ?? [];
  if (rss.length) w(`hactl peak RSS at ${r.drift.at(-1)!.nodes} nodes: ${(Math.max(...rss) / 1024).toFixed(0)} MiB`);
  if (r.fleetDrift) for (const l of fleetLines(r.fleetDrift)) w(l);
  if (r.cliStartSeconds !== undefined) w(`hactl CLI start (hactl --version): ${fmtS(r.cliStartSeconds)}`);
  if (r.fleet)
    w(
      `fleet: ${r.fleet.nodes} light nodes in ${r.fleet.labs.length} lab(s), up in ${r.fleet.labsUpSeconds.toFixed(0)} s, Python for Ansible in ${r.fleet.pythonSeconds.toFixed(0)} s`,
    );
  w('');
  for (const t of r.targets ?? [])
    w(`${t.met === undefined ? '?' : t.met ? '✔' : '✘'} ${pad(t.what, 52)} ${fmtR(t.value)}  (target ≤ ${t.limit})`);
  for (const n of r.notes) w(`note: ${n}`);
  w('');
  w(`results: ${file} (bench took ${((r.totalSeconds ?? 0) / 60).toFixed(1)} min)`);
}
