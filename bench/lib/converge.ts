/**
 * The 3-node converge benchmark: hactl bootstrap vs the Ansible play from the same fresh
 * lab, the no-op re-runs, and the floors (apt installs alone, cluster formation alone).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSIBLE_DIR, type AnsibleResult, recapChanged, recapFailed, runAnsible } from './ansible.js';
import { diskSettle, pool, ssh, sshMust, type Timed, timed } from './exec.js';
import { changedHosts, failedHosts, type HactlRun, runHactl } from './hactl.js';
import { ansibleInventory, type Lab, labUp } from './labs.js';
import { ansibleVars, compareRenders, packagesByNode } from './model.js';

export interface ConvergeEnv {
  index: number;
  stateDir: string;
  packages: readonly string[];
  workDir: string;
  log: string;
}

const isTwin = (role: string): boolean => role === 'master' || role === 'slave';

/** hactl makes the corosync key on first use; Ansible reads the same file, so it must exist before either runs. */
export function ensureAuthkey(stateDir: string): string {
  const dir = join(stateDir, '.hactl', 'secrets', 'lab');
  const file = join(dir, 'corosync-authkey');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    writeFileSync(file, randomBytes(128).toString('hex') + '\n', { mode: 0o600 });
  }
  return file;
}

/** The Ansible inventory and variables for a 3-node lab (as `lab up` made it), from hactl's model of its inventory. */
export async function ansibleFilesFor(lab: Lab, workDir: string): Promise<{ inventory: string; vars: string }> {
  const cluster = lab.nodes;
  const twins = cluster.filter((n) => isTwin(n.role));
  const master = cluster.filter((n) => n.role === 'master');
  const inventory = ansibleInventory(join(workDir, 'converge-inventory.ini'), { cluster, twins, master }, (n) => ({
    nodeid: cluster.indexOf(n) + 1,
  }));
  const vars = join(workDir, 'converge-vars.json');
  writeFileSync(vars, JSON.stringify(await ansibleVars(lab.inventory, ensureAuthkey(lab.stateDir)), null, 2));
  return { inventory, vars };
}

/** A fresh lab, and the disk quiet again after the last one's removal (the seconds that took: `settled`). */
export async function freshLab(e: ConvergeEnv): Promise<Lab & { settled: number }> {
  const lab = await labUp({ index: e.index, stateDir: e.stateDir, packages: e.packages, log: e.log });
  return { ...lab, settled: await diskSettle() };
}

export async function hactlConverge(lab: Lab, e: ConvergeEnv): Promise<HactlRun> {
  const r = await runHactl(['bootstrap', '-i', lab.inventory, '--no-smoke'], { log: e.log, timeline: true, workDir: e.workDir });
  if (r.code !== 0) throw new Error(`hactl bootstrap failed (exit ${r.code}); log: ${e.log}`);
  return r;
}

export async function hactlNoop(lab: Lab, e: ConvergeEnv): Promise<HactlRun> {
  const r = await runHactl(['bootstrap', '-i', lab.inventory, '--no-smoke'], { log: e.log, workDir: e.workDir, json: true });
  if (r.code !== 0 || !r.json?.ok)
    throw new Error(`hactl bootstrap (no-op) failed (exit ${r.code}): ${failedHosts(r.json).join('; ')}; log: ${e.log}`);
  return r;
}

export async function ansibleConverge(lab: Lab, e: ConvergeEnv): Promise<AnsibleResult> {
  const files = await ansibleFilesFor(lab, e.workDir);
  const r = await runAnsible({
    playbook: join(ANSIBLE_DIR, 'converge.yml'),
    inventory: files.inventory,
    sshConfig: lab.sshConfig,
    forks: Math.max(lab.nodes.length, 5),
    extraVars: files.vars,
    workDir: e.workDir,
    log: e.log,
  });
  const failed = recapFailed(r.recap);
  if (r.code !== 0 || failed.length || !Object.keys(r.recap).length)
    throw new Error(`ansible-playbook converge.yml failed (exit ${r.code}; ${failed.join(', ')}); log: ${e.log}`);
  return r;
}

/**
 * After either tool converged the lab: `hactl plan bootstrap` must find nothing to do.
 * After Ansible's play this is the proof that both build the same cluster.
 */
export async function planIsEmpty(lab: Lab, e: ConvergeEnv): Promise<{ changed: number; hosts: number }> {
  const r = await runHactl(['plan', '-i', lab.inventory, 'bootstrap'], { log: e.log, workDir: e.workDir, json: true });
  if (r.code !== 0 || !r.json) throw new Error(`hactl plan bootstrap failed (exit ${r.code}); log: ${e.log}`);
  return { changed: r.json.changed, hosts: changedHosts(r.json) };
}

const APT = 'DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=300';

/** Floor 1: the same apt installs over plain ssh, all nodes in parallel (policy-rc.d as hactl does). */
export async function aptFloor(lab: Lab, e: ConvergeEnv): Promise<Timed> {
  const byNode = await packagesByNode(lab.inventory);
  const t0 = performance.now();
  const rs = await Promise.all(
    lab.nodes.map((n) => {
      const pkgs = byNode[n.name]!.join(' ');
      const cmd = `set -e; apt-get -q update >/dev/null; printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; ${APT} install ${pkgs} >/dev/null; rm -f /usr/sbin/policy-rc.d`;
      return ssh(lab.sshConfig, n.name, cmd, { log: e.log });
    }),
  );
  const bad = rs.find((r) => r.code !== 0);
  if (bad) throw new Error(`apt floor: an install failed (exit ${bad.code}); log: ${e.log}`);
  return { code: 0, stdout: '', stderr: '', seconds: (performance.now() - t0) / 1000 };
}

/** What the formation floor needs in place before the stack starts: the converged lab's corosync files. */
export interface CorosyncFiles {
  conf: string;
  authkey: string;
}

export async function readCorosyncFiles(lab: Lab): Promise<CorosyncFiles> {
  const master = lab.nodes.find((n) => n.role === 'master')!.name;
  const conf = (await sshMust(lab.sshConfig, master, 'cat /etc/corosync/corosync.conf')).stdout;
  const authkey = (await sshMust(lab.sshConfig, master, 'cat /etc/corosync/authkey')).stdout;
  return { conf, authkey };
}

/** The shell test hactl's formation wait uses (every member online, a quorate partition). */
function formedTest(names: string[]): string {
  return [`grep -q 'with_quorum="true"' "$f"`, ...names.map((n) => `grep -q 'name="${n}" id="[^"]*" online="true"' "$f"`)].join(' && ');
}

/**
 * Floor 2: formation alone. Packages installed and corosync files in place (untimed);
 * then, timed: corosync and pacemakerd started on every node at once, until crm_mon on
 * the master shows every member online with quorum (polled every 0.1 s on the node).
 */
export async function formationFloor(lab: Lab, files: CorosyncFiles, e: ConvergeEnv): Promise<Timed> {
  await pool(lab.nodes, 3, async (n) => {
    await sshMust(
      lab.sshConfig,
      n.name,
      'umask 077; mkdir -p /etc/corosync; cat > /etc/corosync/authkey; chmod 400 /etc/corosync/authkey',
      { input: files.authkey },
    );
    await sshMust(lab.sshConfig, n.name, 'cat > /etc/corosync/corosync.conf', { input: files.conf });
  });
  const names = lab.nodes.map((n) => n.name);
  const start = 'service corosync start </dev/null >/dev/null 2>&1 && setsid -f pacemakerd </dev/null >/dev/null 2>&1';
  const wait = [
    'f=$(mktemp); end=$(( $(date +%s) + 180 ))',
    `until crm_mon -1 --output-as=xml > "$f" 2>/dev/null; ${formedTest(names)}; do`,
    '  [ $(date +%s) -ge $end ] && { cat "$f"; exit 1; }',
    '  sleep 0.1',
    'done; rm -f "$f"',
  ].join('\n');
  const t0 = performance.now();
  const rs = await Promise.all(
    lab.nodes.map((n) => ssh(lab.sshConfig, n.name, n.role === 'master' ? `${start}\n${wait}` : start, { log: e.log })),
  );
  const seconds = (performance.now() - t0) / 1000;
  const bad = rs.find((r) => r.code !== 0);
  if (bad) throw new Error(`formation floor: the stack did not form (exit ${bad.code}); log: ${e.log}`);
  return { code: 0, stdout: '', stderr: '', seconds };
}

/** The phases of a hactl run with their start times, from its progress lines. */
export function phasesOf(r: HactlRun): Array<{ phase: string; start: number; seconds: number }> {
  const marks = (r.lines ?? [])
    .filter((l) => l.line.startsWith('── '))
    .map((l) => ({ phase: l.line.slice(3).replace(/ \(.*\)$/, ''), start: l.t }));
  return marks.map((m, i) => ({
    ...m,
    start: Number(m.start.toFixed(2)),
    seconds: Number(((marks[i + 1]?.start ?? r.seconds) - m.start).toFixed(2)),
  }));
}

export const ansibleChanged = (r: AnsibleResult): number => recapChanged(r.recap);

/**
 * The smoke run's checks of the converge play, without a 3-node lab: its syntax with the
 * inventory and variables the bench generates, and its templates rendering the same
 * bytes as hactl's. Returns the differences (empty when equal).
 */
export async function checkConvergePlay(lab: Lab, e: ConvergeEnv): Promise<string[]> {
  const files = await ansibleFilesFor(lab, e.workDir);
  const r = await timed(
    'ansible-playbook',
    ['--syntax-check', '-i', files.inventory, '-e', `@${files.vars}`, join(ANSIBLE_DIR, 'converge.yml')],
    { cwd: ANSIBLE_DIR, log: e.log },
  );
  if (r.code !== 0) throw new Error(`ansible-playbook --syntax-check converge.yml failed; log: ${e.log}`);
  return compareRenders(lab.inventory, files.inventory, files.vars, e.workDir, e.log);
}
