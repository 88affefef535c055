/**
 * `npm run bench`: hactl against Ansible on the same lab, in one run on this machine.
 *
 *   1. converge: `hactl bootstrap` vs bench/ansible/converge.yml from the same fresh
 *      3-node lab, alternating A/B for --pairs pairs; with the floors of the same run:
 *      the apt installs alone and the cluster's formation alone;
 *   2. no-op: both again on a converged lab;
 *   3. drift: `hactl drift -i INV --playbook bench/light.ts` vs `ansible-playbook --check --diff
 *      bench/ansible/light.yml` on 10, 50 and 100 light nodes, with the floor of N plain
 *      OpenSSH handshakes in parallel, and hactl's peak RSS;
 *   4. fleet drift: --fleet-clusters clusters of 3 light nodes (default 100: 300 nodes over
 *      the --fleet-indexes labs) in one `hactl drift -i DIR` vs one drift of the same nodes
 *      as a single inventory (and with --fleet-sum, vs one run per cluster), peak RSS of each;
 *   5. a table on stdout and bench/results/DATE.json.
 *
 * Needs root (the lab). Uses lab indexes 6 and 7 and state dirs /tmp/hactl-bench-*;
 * removes its labs at the end (--keep leaves them). `--smoke` is the CI version: 5 light
 * nodes, one pair, and a syntax check of the converge play.
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, hostname, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureAnsible } from './lib/ansible.js';
import {
  ansibleChanged,
  ansibleConverge,
  aptFloor,
  type ConvergeEnv,
  type CorosyncFiles,
  checkConvergePlay,
  formationFloor,
  freshLab,
  hactlConverge,
  hactlNoop,
  phasesOf,
  planIsEmpty,
  readCorosyncFiles,
} from './lib/converge.js';
import { idleBusy, loadAverage, timed, waitForLoad } from './lib/exec.js';
import { ansibleCheck, convergeAndDrift, type FleetEnv, fleetDown, fleetUp, hactlCheck, handshakeFloor, sized } from './lib/fleet.js';
import { fleetDriftRow } from './lib/fleet-drift.js';
import { ANSIBLE_NODE_PACKAGES, HACTL, labDown, labPackages, ROOT } from './lib/labs.js';
import { writeLabInventory } from './lib/model.js';
import { printTable, QUIET_BUSY, QUIET_LOAD, type Results, targetsOf } from './lib/report.js';
import { median } from './lib/stats.js';

interface Args {
  pairs: number;
  lightSizes: number[];
  lightPairs: number;
  skip: Set<string>;
  smoke: boolean;
  out: string;
  keep: boolean;
  ansiblePackage: string;
  indexes: number[];
  fleetClusters: number;
  fleetIndexes: number[];
  fleetSum: boolean;
}

const USAGE = `usage: npm run bench -- [--pairs N] [--light-sizes 10,50,100] [--light-pairs N]
                      [--skip converge,noop,drift,fleet] [--smoke] [--out DIR] [--keep]
                      [--ansible-package ansible] [--indexes 6,7]
                      [--fleet-clusters 100] [--fleet-indexes 6,7,8,9] [--fleet-sum]`;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    pairs: 3,
    lightSizes: [10, 50, 100],
    lightPairs: 1,
    skip: new Set(),
    smoke: false,
    out: join(ROOT, 'bench/results'),
    keep: false,
    ansiblePackage: 'ansible',
    indexes: [6, 7],
    fleetClusters: 100,
    fleetIndexes: [6, 7, 8, 9],
    fleetSum: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value\n${USAGE}`);
      return x;
    };
    const int = (s: string): number => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${k}: expected a whole number ≥ 1, got ${s}`);
      return n;
    };
    if (k === '--pairs') a.pairs = int(v());
    else if (k === '--light-sizes')
      a.lightSizes = v()
        .split(',')
        .map(int)
        .sort((x, y) => x - y);
    else if (k === '--light-pairs') a.lightPairs = int(v());
    else if (k === '--skip')
      v()
        .split(',')
        .forEach((s) => a.skip.add(s.trim()));
    else if (k === '--smoke') a.smoke = true;
    else if (k === '--out') a.out = resolve(v());
    else if (k === '--keep') a.keep = true;
    else if (k === '--ansible-package') a.ansiblePackage = v();
    else if (k === '--indexes') a.indexes = v().split(',').map(Number);
    else if (k === '--fleet-clusters') a.fleetClusters = int(v());
    else if (k === '--fleet-indexes') a.fleetIndexes = v().split(',').map(Number);
    else if (k === '--fleet-sum') a.fleetSum = true;
    else if (k === '--help' || k === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${k}\n${USAGE}`);
  }
  if (a.smoke) {
    a.pairs = 1;
    a.lightPairs = 1;
    a.lightSizes = [5];
    a.skip.add('converge');
    a.skip.add('noop');
    a.skip.add('fleet');
  }
  if ([...a.indexes, ...a.fleetIndexes].some((n) => !Number.isInteger(n) || n < 1 || n > 9))
    throw new Error('--indexes/--fleet-indexes: lab indexes 1..9');
  return a;
}

const say = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the bench needs root (it makes namespace labs)');
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  const work = `/tmp/hactl-bench-work-${process.pid}`;
  mkdirSync(work, { recursive: true });
  mkdirSync(args.out, { recursive: true });
  const log = join(work, 'bench.log');
  say(`log: ${log}`);
  // a full run starts on a quiet machine: its own build just before lifts the load a while
  const waitedForLoad = args.smoke ? 0 : await waitForLoad(QUIET_LOAD * cpus().length, 300_000, say);
  const t0 = performance.now();
  const results: Results = {
    date: new Date().toISOString(),
    mode: args.smoke ? 'smoke' : 'full',
    machine: {
      hostname: hostname(),
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
      loadBefore: loadAverage(),
      waitedForLoadSeconds: waitedForLoad,
      node: process.version,
    },
    versions: {},
    converge: undefined,
    noop: undefined,
    drift: [],
    notes: [],
  };
  const quietBefore = results.machine.loadBefore[0] <= QUIET_LOAD * results.machine.cores;
  results.machine.quiet = quietBefore;
  results.machine.loadSamples = [];
  if (!quietBefore) say(`WARNING: load average ${results.machine.loadBefore[0]} before the run: the machine is not quiet`);
  /** A sample between runs: the load average, and the CPU others use while the bench idles 3 s. */
  const checkpoint = async (before: string): Promise<void> => {
    const othersBusy = Number((await idleBusy(3000)).toFixed(3));
    results.machine.loadSamples!.push({ before, load: loadAverage(), othersBusy });
    if (othersBusy > QUIET_BUSY) {
      results.machine.quiet = false;
      say(`WARNING: before ${before}, other work used ${(othersBusy * 100).toFixed(0)}% of the CPU: the machine is not quiet`);
    }
  };
  results.versions.hactl = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const commit = await timed('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).catch(() => undefined);
  if (commit?.code === 0) results.versions.commit = commit.stdout.trim();
  if (!['converge', 'noop', 'drift'].every((s) => args.skip.has(s))) {
    say(`Ansible: installing Debian's ${args.ansiblePackage} if missing`);
    results.versions.ansible = await ensureAnsible(args.ansiblePackage, log);
    say(results.versions.ansible);
  }

  // the CLI's own start, for the record: `hactl --version` (median of 5)
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) starts.push((await timed(process.execPath, [HACTL, '--version'])).seconds);
  results.cliStartSeconds = median(starts);

  const stateConv = '/tmp/hactl-bench-conv';
  const convEnv: ConvergeEnv = {
    index: args.indexes[0]!,
    stateDir: stateConv,
    packages: [...(await labPackages()), ...ANSIBLE_NODE_PACKAGES],
    workDir: join(work, 'converge'),
    log,
  };
  mkdirSync(convEnv.workDir, { recursive: true });
  /** light nodes on these lab indexes, each lab's state in /tmp/hactl-bench-<name><index> */
  const lightEnv = (indexes: number[], name: string, dir: string): FleetEnv => {
    const env = { indexes, stateDirs: indexes.map((i) => `/tmp/hactl-bench-${name}${i}`), workDir: join(work, dir), log };
    mkdirSync(env.workDir, { recursive: true });
    return env;
  };
  const fleetEnv = lightEnv(args.indexes, 'light', 'light');
  const clustersEnv = lightEnv(args.fleetIndexes, 'fleet', 'fleet');

  try {
    if (args.smoke) {
      // the converge play, without a 3-node lab: syntax, and templates rendering hactl's bytes
      const dir = join(work, 'smoke-lab');
      const fake = {
        index: convEnv.index,
        stateDir: dir,
        nodes: [
          { name: 'master', address: `10.77.${convEnv.index}.11`, role: 'master' },
          { name: 'slave', address: `10.77.${convEnv.index}.12`, role: 'slave' },
          { name: 'arbitrator', address: `10.77.${convEnv.index}.13`, role: 'arbitrator' },
        ],
        sshConfig: join(dir, 'ssh_config'),
        knownHosts: join(dir, 'known_hosts'),
        identity: join(dir, 'id_ed25519'),
        inventory: join(dir, 'inventory.yaml'),
        upSeconds: 0,
      };
      await writeLabInventory(fake);
      const diff = await checkConvergePlay(fake, convEnv);
      if (diff.length)
        throw new Error(
          `bench/ansible/templates no longer render what hactl renders (update them to match templates/):\n${diff.join('\n')}`,
        );
      results.notes.push(
        "smoke: converge and no-op skipped; converge.yml passed ansible-playbook --syntax-check and its templates render the same bytes as hactl's",
      );
    }

    if (!args.skip.has('converge') || !args.skip.has('noop')) {
      const conv = {
        hactl: [] as number[],
        ansible: [] as number[],
        apt: [] as number[],
        formation: [] as number[],
        order: [] as string[],
        hactlProfiles: [] as Array<ReturnType<typeof phasesOf>>,
        equivalence: [] as string[],
        rssKiB: [] as number[],
        diskSettle: [] as number[],
      };
      let files: CorosyncFiles | undefined;
      if (!args.skip.has('converge')) {
        for (let p = 0; p < args.pairs; p++) {
          const order = p % 2 === 0 ? ['hactl', 'ansible'] : ['ansible', 'hactl'];
          await checkpoint(`converge pair ${p + 1}`);
          for (const tool of order) {
            const lab = await freshLab(convEnv);
            conv.diskSettle.push(Number(lab.settled.toFixed(1)));
            if (p === 0 && conv.order.length === 0) {
              const diff = await checkConvergePlay(lab, convEnv);
              for (const d of diff) results.notes.push(`NOT EQUIVALENT: ${d} (update bench/ansible/templates/)`);
            }
            if (tool === 'hactl') {
              say(`converge pair ${p + 1}/${args.pairs}: hactl bootstrap on a fresh lab`);
              const r = await hactlConverge(lab, convEnv);
              conv.hactl.push(r.seconds);
              conv.hactlProfiles.push(phasesOf(r));
              if (r.rssKiB) conv.rssKiB.push(r.rssKiB);
              say(`  hactl ${r.seconds.toFixed(1)} s`);
            } else {
              say(`converge pair ${p + 1}/${args.pairs}: ansible-playbook converge.yml on a fresh lab`);
              const r = await ansibleConverge(lab, convEnv);
              conv.ansible.push(r.seconds);
              say(`  ansible ${r.seconds.toFixed(1)} s (${ansibleChanged(r)} changed)`);
            }
            conv.order.push(tool);
            const plan = await planIsEmpty(lab, convEnv);
            conv.equivalence.push(`${tool}: hactl plan bootstrap afterwards: ${plan.changed} to change`);
            if (plan.changed)
              results.notes.push(
                `after ${tool}'s converge (pair ${p + 1}), hactl plan bootstrap still saw ${plan.changed} change(s): the two are not equivalent`,
              );
            files ??= await readCorosyncFiles(lab);
          }
          say(`floors ${p + 1}/${args.pairs}: apt installs alone, then formation alone, on a fresh lab`);
          const lab = await freshLab(convEnv);
          conv.diskSettle.push(Number(lab.settled.toFixed(1)));
          const apt = await aptFloor(lab, convEnv);
          conv.apt.push(apt.seconds);
          const form = await formationFloor(lab, files!, convEnv);
          conv.formation.push(form.seconds);
          say(`  apt ${apt.seconds.toFixed(1)} s, formation ${form.seconds.toFixed(1)} s`);
        }
        results.converge = conv;
      }
      if (!args.skip.has('noop')) {
        say('no-op: converging a fresh lab (Ansible, then hactl, untimed)');
        const lab = await freshLab(convEnv);
        await ansibleConverge(lab, convEnv);
        const warm = await hactlNoop(lab, convEnv);
        if (warm.json!.changed) results.notes.push(`no-op: hactl changed ${warm.json!.changed} task(s) after Ansible's converge`);
        const noop = { hactl: [] as number[], ansible: [] as number[], ansibleChanged: [] as number[], hactlChanged: [] as number[] };
        for (let p = 0; p < args.pairs; p++) {
          const order = p % 2 === 0 ? ['hactl', 'ansible'] : ['ansible', 'hactl'];
          await checkpoint(`no-op pair ${p + 1}`);
          for (const tool of order) {
            if (tool === 'hactl') {
              const r = await hactlNoop(lab, convEnv);
              noop.hactl.push(r.seconds);
              noop.hactlChanged.push(r.json!.changed);
            } else {
              const r = await ansibleConverge(lab, convEnv);
              noop.ansible.push(r.seconds);
              noop.ansibleChanged.push(ansibleChanged(r));
            }
          }
          say(`no-op pair ${p + 1}/${args.pairs}: hactl ${noop.hactl.at(-1)!.toFixed(2)} s, ansible ${noop.ansible.at(-1)!.toFixed(2)} s`);
        }
        results.noop = noop;
      }
      if (!args.keep) await labDown(stateConv, log);
    }

    if (!args.skip.has('drift')) {
      const max = Math.max(...args.lightSizes);
      say(`drift: ${max} light nodes over ${Math.ceil(max / 50)} lab(s), Python for Ansible on each`);
      const up = await fleetUp(max, fleetEnv);
      say(`  labs up in ${up.upSeconds.toFixed(1)} s, Python installed in ${up.pythonSeconds.toFixed(1)} s`);
      const conv = await convergeAndDrift(up.fleet, fleetEnv);
      say(`  light set applied by hactl run in ${conv.seconds.toFixed(1)} s; drift injected on ${conv.drifted.length} nodes`);
      results.fleet = {
        nodes: max,
        labs: up.labs.map((l) => ({ index: l.index, nodes: l.nodes.length })),
        labsUpSeconds: up.upSeconds,
        pythonSeconds: up.pythonSeconds,
        convergeSeconds: conv.seconds,
      };
      for (const size of args.lightSizes) {
        const s = sized(up.fleet, size, conv.drifted, fleetEnv.workDir);
        const row = {
          nodes: size,
          driftedHosts: s.drifted.length,
          hactl: [] as number[],
          ansible: [] as number[],
          handshake: [] as number[],
          hactlRssKiB: [] as number[],
        };
        for (let p = 0; p < args.lightPairs; p++) {
          await checkpoint(`drift ${size} nodes, pair ${p + 1}`);
          row.handshake.push((await handshakeFloor(up.fleet, s, fleetEnv)).seconds);
          const order = p % 2 === 0 ? ['hactl', 'ansible'] : ['ansible', 'hactl'];
          for (const tool of order) {
            if (tool === 'hactl') {
              const r = await hactlCheck(s, fleetEnv);
              row.hactl.push(r.seconds);
              if (r.rssKiB) row.hactlRssKiB.push(r.rssKiB);
            } else {
              row.ansible.push((await ansibleCheck(up.fleet, s, fleetEnv)).seconds);
            }
          }
          say(
            `drift ${size} nodes, pair ${p + 1}/${args.lightPairs}: hactl ${row.hactl.at(-1)!.toFixed(2)} s, ansible ${row.ansible.at(-1)!.toFixed(2)} s, ${size} handshakes ${row.handshake.at(-1)!.toFixed(2)} s`,
          );
        }
        results.drift.push(row);
      }
    }

    if (!args.skip.has('fleet')) {
      // the drift row's labs may sit on the same indexes
      if (!args.skip.has('drift') && !args.keep) await fleetDown(fleetEnv);
      results.fleetDrift = await fleetDriftRow({
        clusters: args.fleetClusters,
        pairs: args.lightPairs,
        sum: args.fleetSum,
        env: clustersEnv,
        say,
        checkpoint,
      });
    }
  } finally {
    if (!args.keep) {
      await labDown(stateConv, log).catch(() => undefined);
      await fleetDown(fleetEnv);
      await fleetDown(clustersEnv);
    } else {
      const dirs = [stateConv, ...fleetEnv.stateDirs, ...clustersEnv.stateDirs].join(', ');
      say(`--keep: labs left in ${dirs} (\`hactl lab down --state-dir DIR\`)`);
    }
  }

  await checkpoint('the end');
  results.machine.loadAfter = loadAverage();
  if (!results.machine.quiet) results.notes.push('NOT QUIET: the machine was busy with other work (machine.loadSamples): do not commit');
  results.totalSeconds = (performance.now() - t0) / 1000;
  results.targets = targetsOf(results);
  const file = join(args.out, `${stamp}${args.smoke ? '-smoke' : ''}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  printTable(results, file);
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `[bench] FAILED: ${(err as Error)?.message ?? String(err)}\n(the work dir with bench.log is kept: /tmp/hactl-bench-work-${process.pid})\n`,
    );
    process.exit(1);
  },
);
