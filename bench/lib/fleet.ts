/**
 * The drift benchmark's fleet: up to 100 light nodes (sshd only, no cluster stack) over
 * one or two labs (a lab holds at most 89 nodes: addresses .11–.99), Python installed for
 * Ansible, the light set converged once, then drift injected on every 10th node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSIBLE_DIR, type AnsibleResult, recapChangedHosts, recapFailed, runAnsible } from './ansible.js';
import { must, pool, ssh, sshMust, type Timed, timed } from './exec.js';
import { failedHosts, type HactlRun, runHactl } from './hactl.js';
import {
  ANSIBLE_NODE_PACKAGES,
  ansibleInventory,
  BENCH_DIR,
  type Fleet,
  type Lab,
  type LabNodeInfo,
  labDown,
  labUp,
  lightInventory,
  mergeLabs,
  shareClientKey,
} from './labs.js';

/** Nodes per lab (two labs for 100). */
export const DEFAULT_PER_LAB = 50;

export const nodeName = (i: number): string => `b${String(i + 1).padStart(3, '0')}`;

export interface FleetEnv {
  indexes: number[];
  stateDirs: string[];
  workDir: string;
  log: string;
}

export interface FleetUp {
  fleet: Fleet;
  labs: Lab[];
  upSeconds: number;
  pythonSeconds: number;
}

/**
 * Makes the labs for `count` light nodes (b001…), one client key for all, and installs Python for Ansible
 * (`python: false`: not, for hactl-only rows); `perLab` nodes a lab (at most 89).
 */
export async function fleetUp(count: number, e: FleetEnv, o: { perLab?: number; python?: boolean } = {}): Promise<FleetUp> {
  const perLab = Math.min(o.perLab ?? DEFAULT_PER_LAB, 89);
  const labsNeeded = Math.ceil(count / perLab);
  if (labsNeeded > e.indexes.length)
    throw new Error(`${count} light nodes need ${labsNeeded} labs; the bench has ${e.indexes.length} lab indexes`);
  const labs: Lab[] = [];
  const t0 = performance.now();
  for (let l = 0; l < labsNeeded; l++) {
    const names = Array.from({ length: Math.min(perLab, count - l * perLab) }, (_, i) => nodeName(l * perLab + i));
    if (l > 0) shareClientKey(e.stateDirs[0]!, e.stateDirs[l]!);
    labs.push(await labUp({ index: e.indexes[l]!, stateDir: e.stateDirs[l]!, nodes: names, packages: ANSIBLE_NODE_PACKAGES, log: e.log }));
  }
  const upSeconds = (performance.now() - t0) / 1000;
  const fleet = mergeLabs(labs, join(e.workDir, 'fleet'));
  const t1 = performance.now();
  if (o.python !== false) await installPython(fleet, labs[0]!, e);
  return { fleet, labs, upSeconds, pythonSeconds: (performance.now() - t1) / 1000 };
}

/**
 * Python for Ansible on every node (untimed preparation). apt on 100 nodes would take
 * ~7 minutes of a 2-core machine (python3's byte-compiling, mostly), so the first node
 * installs it with apt and the others get the same files: the nodes are clones of one
 * root, so the first node's overlay upper dir (what its install changed: files, the dpkg
 * database, the byte code) is a payload that any other node can unpack over ssh.
 * Identity files (host key, hostname, authorized_keys, apt source) are left out.
 */
async function installPython(fleet: Fleet, firstLab: Lab, e: FleetEnv): Promise<void> {
  const [first, ...rest] = fleet.nodes;
  const install = `apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends install ${ANSIBLE_NODE_PACKAGES.join(' ')} >/dev/null`;
  await sshMust(fleet.sshConfig, first!.name, install, { log: e.log, timeoutMs: 600_000 });
  if (!rest.length) return;
  const upper = join(firstLab.stateDir, 'nodes', first!.name, 'upper');
  const payload = join(e.workDir, 'python-payload.tar');
  // regular files, links and dirs only: an overlay whiteout (a char device) means "deleted"
  const list = join(e.workDir, 'python-payload.list');
  await must('sh', [
    '-c',
    `cd "$1" && find ./usr ./var/lib/dpkg ./etc/python3 ./etc/python3.11 ./etc/ld.so.cache ./etc/mime.types ./etc/inputrc \\( -type f -o -type l -o -type d \\) -print 2>/dev/null > "$2"; test -s "$2"`,
    'sh',
    upper,
    list,
  ]);
  await must('tar', ['-C', upper, '--no-recursion', '-cf', payload, '-T', list]);
  const unpack = `tar -xf - -C / && ldconfig && python3 -c 'import apt_pkg' && dpkg -s ${ANSIBLE_NODE_PACKAGES.join(' ')} >/dev/null`;
  await pool(rest, 8, (n) => sshMust(fleet.sshConfig, n.name, unpack, { inputFile: payload, log: e.log, timeoutMs: 300_000 }));
}

export async function fleetDown(e: FleetEnv): Promise<void> {
  for (const d of e.stateDirs) await labDown(d, e.log).catch(() => undefined);
}

export interface Sized {
  size: number;
  nodes: LabNodeInfo[];
  inventory: string;
  ansibleInventory: string;
  drifted: string[];
}

/** Inventories for the first `size` nodes (hactl YAML and Ansible INI). */
export function sized(f: Fleet, size: number, drifted: string[], workDir: string): Sized {
  const nodes = f.nodes.slice(0, size);
  return {
    size,
    nodes,
    inventory: lightInventory(join(workDir, `light-${size}.yaml`), f, nodes),
    ansibleInventory: ansibleInventory(join(workDir, `light-${size}.ini`), { light: nodes }),
    drifted: drifted.filter((d) => nodes.some((n) => n.name === d)),
  };
}

export const LIGHT_PLAYBOOK = join(BENCH_DIR, 'light.ts');

/** Applies the light set everywhere (hactl run), then drifts every 10th node: one file's content, another's mode. */
export async function convergeAndDrift(f: Fleet, e: FleetEnv): Promise<{ seconds: number; drifted: string[] }> {
  const all = sized(f, f.nodes.length, [], e.workDir);
  const r = await runHactl(['run', '-i', all.inventory, LIGHT_PLAYBOOK, '--forks', String(f.nodes.length)], {
    log: e.log,
    workDir: e.workDir,
    json: true,
  });
  if (r.code !== 0 || !r.json?.ok)
    throw new Error(`hactl run bench/light.ts failed (exit ${r.code}): ${failedHosts(r.json).slice(0, 3).join('; ')}; log: ${e.log}`);
  const set = JSON.parse(readFileSync(join(BENCH_DIR, 'light-set.json'), 'utf8')) as { files: Array<{ path: string }> };
  const [first, second] = [set.files[0]!.path, set.files[set.files.length - 1]!.path];
  const drifted = f.nodes.filter((_, i) => i % 10 === 0).map((n) => n.name);
  await pool(drifted, 8, (n) =>
    sshMust(f.sshConfig, n, `chmod 600 ${first} && echo 'BENCH_DEBUG=1 # a local edit' >> ${second}`, { log: e.log }),
  );
  return { seconds: r.seconds, drifted };
}

/** Floor: N plain OpenSSH handshakes in parallel (`ssh -o ControlMaster=no NODE true`), wall time until the last exits. */
export async function handshakeFloor(f: Fleet, s: Sized, e: FleetEnv): Promise<Timed> {
  const t0 = performance.now();
  const rs = await Promise.all(
    s.nodes.map((n) =>
      timed('ssh', ['-F', f.sshConfig, '-o', 'ControlMaster=no', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', n.name, 'true']),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const bad = rs.filter((r) => r.code !== 0).length;
  if (bad) throw new Error(`handshake floor: ${bad} of ${s.nodes.length} ssh runs failed; log: ${e.log}`);
  return { code: 0, stdout: '', stderr: '', seconds };
}

/**
 * `hactl drift -i INV --playbook bench/light.ts --json` (read-only, exit 2 on drift); it
 * must find exactly the drifted hosts.
 */
export async function hactlCheck(s: Sized, e: FleetEnv): Promise<HactlRun> {
  const r = await runHactl(['drift', '-i', s.inventory, '--playbook', LIGHT_PLAYBOOK, '--forks', String(s.size)], {
    log: e.log,
    workDir: e.workDir,
    json: true,
  });
  const report = r.json as unknown as
    | { exitCode?: number; items?: Array<{ host?: string }>; errors?: Array<{ host?: string; message: string }> }
    | undefined;
  const expected = s.drifted.length ? 2 : 0;
  if (r.code !== expected || !report?.items) {
    const errs = (report?.errors ?? [])
      .slice(0, 3)
      .map((x) => `${x.host ?? '-'}: ${x.message}`)
      .join('; ');
    throw new Error(
      `hactl drift --playbook bench/light.ts on ${s.size} nodes: exit ${r.code}, expected ${expected}${errs ? ` (${errs})` : ''}; log: ${e.log}`,
    );
  }
  const found = new Set(report.items.map((i) => i.host)).size;
  if (found !== s.drifted.length) throw new Error(`hactl drift found drift on ${found} hosts, expected ${s.drifted.length}; log: ${e.log}`);
  return r;
}

/** `ansible-playbook --check --diff light.yml` with forks = the node count; it must find the same hosts. */
export async function ansibleCheck(f: Fleet, s: Sized, e: FleetEnv): Promise<AnsibleResult> {
  const r = await runAnsible({
    playbook: join(ANSIBLE_DIR, 'light.yml'),
    inventory: s.ansibleInventory,
    sshConfig: f.sshConfig,
    forks: s.size,
    check: true,
    diff: true,
    workDir: e.workDir,
    log: e.log,
  });
  const failed = recapFailed(r.recap);
  if (r.code !== 0 || failed.length || Object.keys(r.recap).length !== s.size) {
    throw new Error(
      `ansible-playbook --check light.yml on ${s.size} nodes failed (exit ${r.code}; ${failed.slice(0, 5).join(', ')}); log: ${e.log}`,
    );
  }
  const found = recapChangedHosts(r.recap);
  if (found !== s.drifted.length)
    throw new Error(`ansible --check found drift on ${found} hosts, expected ${s.drifted.length}; log: ${e.log}`);
  return r;
}

/** True when every node of the fleet answers ssh (a cheap check between phases). */
export async function fleetAlive(f: Fleet): Promise<boolean> {
  const rs = await pool(f.nodes, 16, (n) => ssh(f.sshConfig, n.name, 'true'));
  return rs.every((r) => r.code === 0);
}
