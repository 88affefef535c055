/**
 * What hactl's bootstrap would do on a lab, read from the built hactl itself (dist/), so
 * the Ansible side and the floors follow hactl's changes: the packages per node
 * (src/stack/packages.ts) and the files hactl renders (the Ansible templates must render
 * the same bytes: {@link compareRenders}).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ANSIBLE_DIR } from './ansible.js';
import { benchEnv, timed } from './exec.js';
import { type Lab, ROOT } from './labs.js';

/* The few shapes of hactl's model the bench reads (the real types live in src/). */
interface Node {
  name: string;
  role: string;
  vars: Record<string, unknown>;
}
interface Cluster {
  nodes: Node[];
  vars: Record<string, unknown>;
}

const dist = async <T>(p: string): Promise<T> => (await import(pathToFileURL(join(ROOT, 'dist/src', p)).href)) as T;

export async function loadCluster(inventory: string): Promise<Cluster> {
  const { loadInventory } = await dist<{ loadInventory(f: string): Promise<Cluster> }>('inventory/index.js');
  return loadInventory(inventory);
}

/** node name → the packages `hactl bootstrap` installs there. */
export async function packagesByNode(inventory: string): Promise<Record<string, string[]>> {
  const cluster = await loadCluster(inventory);
  const { stackPackages } = await dist<{ stackPackages(c: Cluster, n: Node): string[] }>('stack/packages.js');
  return Object.fromEntries(cluster.nodes.map((n) => [n.name, stackPackages(cluster, n)]));
}

/** Writes a lab inventory as `lab up` does (for the smoke run, which makes no 3-node lab). */
export async function writeLabInventory(lab: Lab): Promise<void> {
  const { inventoryText } = await dist<{ inventoryText(...a: unknown[]): string }>('lab/inventory.js');
  const { labNet } = await dist<{ labNet(i: number): unknown }>('lab/net.js');
  const paths = {
    identity: join(lab.stateDir, 'id_ed25519'),
    sshConfig: join(lab.stateDir, 'ssh_config'),
    knownHosts: join(lab.stateDir, 'known_hosts'),
  };
  mkdirSync(lab.stateDir, { recursive: true });
  writeFileSync(lab.inventory, inventoryText(paths, lab.inventory, 'pacemaker', lab.nodes, labNet(lab.index)));
}

/** The files hactl's bootstrap renders on the lab (no DRBD kernel in namespaces, sysv services). */
async function hactlRenders(inventory: string): Promise<Record<string, string>> {
  const cluster = await loadCluster(inventory);
  const { renderFile } = await dist<{ renderFile(src: string, data: unknown, dir?: string): string }>('render/render.js');
  const { corosyncView } = await dist<{ corosyncView(c: Cluster): Record<string, unknown> }>('stack/corosync.js');
  const { cibView } = await dist<{ cibView(c: Cluster, o: { drbd: boolean; serviceClass: string }): Record<string, unknown> }>(
    'stack/pacemaker.js',
  );
  const master = cluster.nodes.find((n) => n.role === 'master')!;
  const data = (view: Record<string, unknown>): Record<string, unknown> => ({
    cluster,
    node: master,
    vars: { ...cluster.vars, ...master.vars },
    ...view,
  });
  const cib = cibView(cluster, { drbd: false, serviceClass: 'lsb' });
  const dir = join(ROOT, 'templates');
  return {
    'corosync.conf': renderFile('corosync/corosync.conf.hbs', data(corosyncView(cluster)), dir),
    'resources.xml': renderFile('pacemaker/resources.xml.hbs', data(cib), dir),
    'constraints.xml': renderFile('pacemaker/constraints.xml.hbs', data(cib), dir),
  };
}

/**
 * Renders the Ansible play's templates (bench/ansible/render.yml, on this machine) and
 * compares them with hactl's renders of the same inventory. Returns the names that
 * differ, with a short diff each: then bench/ansible/templates/ must follow hactl's
 * templates/ (the converge comparison is only fair while both write the same files).
 */
export async function compareRenders(
  inventory: string,
  ansibleInventory: string,
  vars: string,
  workDir: string,
  log?: string,
): Promise<string[]> {
  const out = join(workDir, 'renders');
  mkdirSync(out, { recursive: true });
  const env = benchEnv({
    ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
    ANSIBLE_LOCAL_TEMP: join(workDir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
  });
  const r = await timed(
    'ansible-playbook',
    ['-i', ansibleInventory, '-e', `@${vars}`, '-e', `render_dir=${out}`, join(ANSIBLE_DIR, 'render.yml')],
    { env, cwd: ANSIBLE_DIR, log },
  );
  if (r.code !== 0)
    throw new Error(
      `ansible-playbook render.yml failed (exit ${r.code})${log ? `; log: ${log}` : ''}\n${r.stdout.split('\n').slice(-15).join('\n')}`,
    );
  const want = await hactlRenders(inventory);
  const bad: string[] = [];
  for (const [name, text] of Object.entries(want)) {
    const got = readFileSync(join(out, name), 'utf8');
    if (got === text) continue;
    const a = text.split('\n');
    const b = got.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    bad.push(
      `${name}: line ${i + 1}: hactl renders ${JSON.stringify(a[i] ?? '(end)')}, bench/ansible/templates renders ${JSON.stringify(b[i] ?? '(end)')}`,
    );
  }
  return bad;
}

/** The variables of bench/ansible/converge.yml, from hactl's model of the lab's inventory. */
export async function ansibleVars(inventory: string, authkeyFile: string): Promise<Record<string, unknown>> {
  const c = (await loadCluster(inventory)) as Cluster & {
    name: string;
    timing: { token: number; consensus: number; monitorInterval: number };
    floatingIps: Array<{ name: string; address: string; prefix: number; interface: string }>;
    services: Array<{ name: string }>;
  };
  return {
    cluster_name: c.name,
    token: c.timing.token,
    consensus: c.timing.consensus,
    monitor: c.timing.monitorInterval,
    vips: c.floatingIps.map((v) => ({ id: v.name, address: v.address, prefix: v.prefix, interface: v.interface })),
    services: c.services.map((s) => s.name),
    authkey_file: authkeyFile,
    packages_by_node: await packagesByNode(inventory),
  };
}
