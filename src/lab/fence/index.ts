/**
 * `hactl lab fence`: a fence device for the lab. A small service on the lab network
 * (host side, 10.77.N.2:1229) powers lab nodes off and on when a node's fence agent asks,
 * the way fence_virtd does for VMs; the agent (lab-assets/fence_lab) goes onto every node,
 * and the lab's inventory gets `cluster.stonith` so `hactl bootstrap` configures STONITH.
 *
 * @example
 *   const f = await fenceUp({ stateDir: '/tmp/lab' });   // then: hactl bootstrap -i /tmp/lab/inventory.yaml
 *   console.log(f.address);                                // 10.77.0.2:1229
 *   await fenceDown({ stateDir: '/tmp/lab' });
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { NodeError } from '../../core/errors.js';
import { tcpOpen } from '../network.js';
import { labExec } from '../ns/ops.js';
import { type LabPaths, labPaths } from '../ns/paths.js';
import { netOf, requireState } from '../ns/state.js';
import { requireRoot } from '../preflight.js';
import { isAlive, killAndWait, type ProcRef, procRef, spawnDetached, waitFor } from '../proc.js';
import { Journal } from '../state.js';
import { FENCE_PORT } from './protocol.js';

export interface FenceOptions {
  /** lab state dir (default $HACTL_LAB_DIR or /var/lib/hactl/lab) */
  stateDir?: string;
  /** write cluster.stonith into the lab's inventory (default true) */
  inventory?: boolean;
}

export interface FenceStatus {
  running: boolean;
  /** bind:port */
  address: string;
  pid?: number;
  log: string;
  /** the stonith section written into the inventory */
  stonith?: Record<string, unknown>;
  /** nodes the agent was installed on */
  installed?: string[];
}

interface FenceRecord extends ProcRef {
  bind: string;
  port: number;
}

const files = (p: LabPaths) => ({
  key: join(p.stateDir, 'fence.key'),
  record: join(p.stateDir, 'fence.json'),
  log: join(p.stateDir, 'fence.log'),
});

/** The package root: the dir holding lab-assets/fence_lab. */
function packageRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'lab-assets', 'fence_lab'))) return d;
  }
  throw new NodeError('cannot find lab-assets/fence_lab next to the hactl installation');
}

/** The compiled server (a TypeScript runner cannot hand node the .ts sibling). */
function serverScript(): string {
  const sibling = join(dirname(fileURLToPath(import.meta.url)), 'server.js');
  if (existsSync(sibling)) return sibling;
  const built = join(packageRoot(), 'dist', 'src', 'lab', 'fence', 'server.js');
  if (existsSync(built)) return built;
  throw new NodeError('the lab fence server is not built', { hint: 'run `npm run build` first' });
}

function readRecord(file: string): FenceRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FenceRecord;
  } catch {
    return undefined;
  }
}

/**
 * Starts the device (if not running), installs the agent on every running node, updates the inventory.
 * @example (await fenceUp({ stateDir: '/tmp/lab' })).address // '10.77.0.2:1229'
 */
export async function fenceUp(opts: FenceOptions = {}): Promise<FenceStatus> {
  requireRoot();
  const paths = labPaths(opts.stateDir);
  const state = requireState(paths);
  const net = netOf(state);
  const f = files(paths);
  if (!existsSync(f.key)) writeFileSync(f.key, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  const bind = net.hostAddress;
  let rec = readRecord(f.record);
  if (!rec || !isAlive(rec) || rec.bind !== bind) rec = await startServer(paths, bind, f);
  const conf = `ipaddr=${bind}\nipport=${FENCE_PORT}\n`;
  const key = readFileSync(f.key, 'utf8');
  const agent = readFileSync(join(packageRoot(), 'lab-assets', 'fence_lab'), 'utf8');
  const installed: string[] = [];
  for (const n of state.nodes.filter((x) => isAlive(x.init))) {
    await install(n.name, paths.stateDir, agent, key, conf);
    installed.push(n.name);
  }
  // one device in the lab: a short race delay (production default 15 s, src/stack/pacemaker.ts) keeps the measured failovers tight
  const stonith = {
    enabled: true,
    agent: 'fence_lab',
    params: { ipaddr: bind, ipport: FENCE_PORT, pcmk_reboot_action: 'off', pcmk_delay_max: '2s' },
  };
  if (opts.inventory !== false && state.inventory && existsSync(state.inventory)) writeStonith(state.inventory, stonith);
  return { running: true, address: `${bind}:${FENCE_PORT}`, pid: rec.pid, log: f.log, stonith, installed };
}

async function startServer(paths: LabPaths, bind: string, f: ReturnType<typeof files>): Promise<FenceRecord> {
  const args = [serverScript(), '--state-dir', paths.stateDir, '--bind', bind, '--port', String(FENCE_PORT), '--key-file', f.key];
  const pid = spawnDetached(process.execPath, args, f.log);
  const ref = procRef(pid);
  if (!ref) throw new NodeError(`the lab fence device exited at once; see ${f.log}`);
  // recorded in the lab's state, so `lab down` stops it with everything else
  new Journal(paths, requireState(paths)).process('fence-server', ref);
  const rec: FenceRecord = { ...ref, bind, port: FENCE_PORT };
  writeFileSync(f.record, JSON.stringify(rec) + '\n');
  const ok = await waitFor(() => tcpOpen(bind, FENCE_PORT, 500).then((o) => (o ? true : undefined)), 10_000, 100);
  if (!ok) {
    await killAndWait(ref);
    throw new NodeError(`the lab fence device did not answer on ${bind}:${FENCE_PORT}; see ${f.log}`);
  }
  return rec;
}

/** Puts the agent (also as a cluster-glue external plugin), its key and its defaults on a node. */
async function install(node: string, stateDir: string, agent: string, key: string, conf: string): Promise<void> {
  const put = async (script: string, input: string): Promise<void> => {
    const r = await labExec(node, ['sh', '-c', script], { stateDir, input });
    if (r.code !== 0) throw new NodeError(`installing fence_lab failed: ${r.stderr.trim()}`, { host: node });
  };
  await put(
    'mkdir -p /etc/hactl /usr/lib/stonith/plugins/external && cat > /usr/sbin/fence_lab && chmod 755 /usr/sbin/fence_lab' +
      ' && ln -sf /usr/sbin/fence_lab /usr/lib/stonith/plugins/external/fence_lab',
    agent,
  );
  await put('umask 077 && cat > /etc/hactl/fence_lab.key', key);
  await put('cat > /etc/hactl/fence_lab.conf', conf);
}

/** Sets cluster.stonith in an inventory file, keeping the rest of it (comments included). */
function writeStonith(file: string, stonith: Record<string, unknown>): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const node = doc.createNode(stonith);
  node.flow = true;
  doc.setIn(['cluster', 'stonith'], node);
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
}

/**
 * Stops the device (nodes keep the agent; the inventory keeps its stonith section).
 * @example await fenceDown({ stateDir: '/tmp/lab' }) // true when it was running
 */
export async function fenceDown(opts: FenceOptions = {}): Promise<boolean> {
  requireRoot();
  const f = files(labPaths(opts.stateDir));
  const rec = readRecord(f.record);
  const was = isAlive(rec);
  await killAndWait(rec);
  rmSync(f.record, { force: true });
  return was;
}

/**
 * Whether the device runs, and where.
 * @example fenceStatus({ stateDir: '/tmp/lab' }).running
 */
export function fenceStatus(opts: FenceOptions = {}): FenceStatus {
  const f = files(labPaths(opts.stateDir));
  const rec = readRecord(f.record);
  const running = isAlive(rec);
  return { running, address: rec ? `${rec.bind}:${rec.port}` : '-', pid: running ? rec?.pid : undefined, log: f.log };
}
