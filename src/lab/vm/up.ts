/** `lab up --vm`: cached image, accelerator, network + taps, repo server, VM disks, boot, SSH files, inventory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HactlError, InputError } from '../../core/errors.js';
import type { Role, Stack } from '../../inventory/model.js';
import { type LabListener, step } from '../events.js';
import { removeTree } from '../fsutil.js';
import { inventoryText } from '../inventory.js';
import { createBackplane, createLabNetwork, netnsExists } from '../network.js';
import { defaultCacheDir } from '../paths.js';
import { requireRoot, requireTools } from '../preflight.js';
import { startRepoServer } from '../repo.js';
import { ensureClientKey, hostsText, writeSshFiles } from '../ssh.js';
import { Journal } from '../state.js';
import { type Accel, chooseAccel } from './accel.js';
import {
  VM_BOOT_TIMEOUT_MS,
  VM_HOST_TOOLS,
  VM_MEMORY_MIB,
  VM_NET,
  VM_NODES,
  VM_SERIAL_BASE_PORT,
  VM_SERIAL_DEVICE,
  vmBackplaneTap,
  vmMac,
  vmTap,
} from './constants.js';
import { vmLabDown } from './down.js';
import { ensureVmImage, type VmImage } from './image.js';
import { addTap } from './network.js';
import { type VmPaths, vmPaths } from './paths.js';
import { prepareVm, startVm, waitVmSsh } from './qemu.js';
import { loadVmState, type VmLabState, type VmNode } from './state.js';

export interface VmLabUpOptions {
  /** default: $HACTL_VMLAB_DIR or /var/lib/hactl/vmlab */
  stateDir?: string;
  /** where the image is cached; default $HACTL_CACHE_DIR or /var/cache/hactl */
  cacheDir?: string;
  /** tear down an existing VM lab first */
  recreate?: boolean;
  /** where to write the inventory; default <stateDir>/inventory.yaml */
  inventoryOut?: string;
  stack?: Stack;
  /** guest RAM per VM; default 1024 */
  memoryMiB?: number;
  /** a second network (bridge br1, each VM's eth1 on 10.79.78.0/24), declared as `backplane`, link 0 of two */
  backplane?: boolean;
  /** a serial cable between the twins (their ttyS1), declared as `cluster.serial`: Heartbeat only */
  serial?: boolean;
  onEvent?: LabListener;
}

export interface VmLabUpResult {
  stateDir: string;
  inventory: string;
  accel: Accel;
  nodes: Array<{ name: string; address: string; role: Role }>;
  /** from starting the first qemu until every VM answered on port 22 */
  bootSeconds: number;
  seconds: number;
}

/**
 * Creates the VM lab (master, slave, arbitrator; /dev/vdb on the twins for DRBD) and
 * returns when every VM accepts SSH. Needs root. Slow steps report through `onEvent`.
 */
export async function vmLabUp(opts: VmLabUpOptions = {}): Promise<VmLabUpResult> {
  const t0 = performance.now();
  requireRoot();
  requireTools(Object.keys(VM_HOST_TOOLS), VM_HOST_TOOLS);
  const paths = vmPaths(opts.stateDir);
  try {
    await clearOld(paths, opts);
    const r = await createVmLab(paths, opts);
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    if (err instanceof HactlError && err.kind === 'node' && !err.details.hint) {
      err.details.hint = `clean up with \`hactl lab down --state-dir ${paths.stateDir}\`, or retry with --recreate`;
    }
    throw err;
  }
}

async function clearOld(paths: VmPaths, opts: VmLabUpOptions): Promise<void> {
  const existing = loadVmState(paths);
  if (!existing && !netnsExists(VM_NET.netns)) return;
  if (!opts.recreate) {
    throw new InputError(
      existing
        ? `a VM lab already exists in ${paths.stateDir}: use --recreate or \`hactl lab down --vm\``
        : `another VM lab is running (netns ${VM_NET.netns} exists): \`hactl lab down --state-dir DIR\` with its state dir, or --recreate`,
    );
  }
  await step(opts.onEvent, 'remove the old VM lab', () => vmLabDown({ stateDir: paths.stateDir, force: !existing }));
}

/** The UDP port of a twin's end of the serial cable, on the lab netns' loopback. */
const serialPort = (id: number): number => VM_SERIAL_BASE_PORT + id;

/**
 * The VMs of a new lab: addresses, MACs and taps from their host ids (and the backplane NIC
 * with `backplane`, the twins' serial cable with `serial`).
 */
export function newNodes(backplane = false, serial = false): VmNode[] {
  const twins = VM_NODES.filter((n) => n.dataDisk);
  return VM_NODES.map(({ name, role, id, dataDisk }) => {
    const address = VM_NET.address(id);
    const bp = backplane && VM_NET.backplane ? VM_NET.backplane.address(id) : undefined;
    const other = twins.find((t) => t.id !== id);
    return {
      name,
      role,
      address,
      mac: vmMac(address),
      tap: vmTap(name),
      dataDisk,
      cut: false,
      ...(bp ? { backplane: { tap: vmBackplaneTap(name), address: bp, mac: vmMac(bp) } } : {}),
      ...(serial && dataDisk && other ? { serial: { port: serialPort(id), peer: serialPort(other.id) } } : {}),
    };
  });
}

async function createVmLab(paths: VmPaths, opts: VmLabUpOptions): Promise<Omit<VmLabUpResult, 'seconds'>> {
  const emit = opts.onEvent;
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir());
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const image = await ensureVmImage(cacheDir, emit);
  const accel = await chooseAccel(image, cacheDir, emit);
  const clientPub = await ensureClientKey(paths);
  await removeTree(paths.vmsDir); // fresh disks for a fresh lab
  if (opts.serial && (opts.stack ?? 'pacemaker') !== 'heartbeat')
    throw new InputError('--serial is a Heartbeat path (ha.cf `serial`): corosync has no serial medium; use --stack heartbeat');
  const nodes = newNodes(opts.backplane, opts.serial);
  const inventory = resolve(opts.inventoryOut ?? paths.inventory);
  const state: VmLabState = {
    version: 1,
    kind: 'vm',
    stateDir: paths.stateDir,
    createdAt: new Date().toISOString(),
    stack: opts.stack ?? 'pacemaker',
    image: image.dir,
    accel,
    memoryMiB: opts.memoryMiB ?? VM_MEMORY_MIB,
    ...(opts.backplane ? { backplane: true } : {}),
    ...(opts.serial ? { serial: true } : {}),
    inventory,
    netns: [],
    links: [],
    processes: [],
    mounts: [],
    dirs: [],
    files: [paths.sshConfig, paths.knownHosts, paths.repoLog],
    nodes,
  };
  const j = new Journal(paths, state);
  j.dir(paths.vmsDir);
  await step(emit, `network ${VM_NET.netns} (bridge ${VM_NET.bridgeAddress}, host veth ${VM_NET.hostAddress}, taps)`, async () => {
    await createLabNetwork(j, VM_NET);
    // the backplane bridge lives in the lab netns: it goes with it at `down`
    if (opts.backplane) await createBackplane(VM_NET);
    for (const n of nodes) await addTap(j, n);
  });
  state.repoServer = await step(emit, `apt repo server on ${VM_NET.bridgeAddress}:${VM_NET.repoPort}`, () =>
    startRepoServer(paths, VM_NET, image.repo, (ref) => j.process('repo-server', ref)),
  );
  j.save();
  const hosts = hostsText(nodes);
  const keys = await step(emit, 'VM disks and host keys', () =>
    Promise.all(nodes.map((n) => prepareVm(paths.vm(n.name), image, n, clientPub, hosts))),
  );
  writeSshFiles(
    paths,
    nodes.map((node, i) => ({ node, key: keys[i] ?? '' })),
  );
  const bootSeconds = await step(emit, `boot ${nodes.map((n) => n.name).join(', ')} (${accel})`, () => bootAll(j, image, emit), true);
  mkdirSync(dirname(inventory), { recursive: true });
  writeFileSync(inventory, vmInventoryText(paths, inventory, state.stack, nodes));
  return {
    stateDir: paths.stateDir,
    inventory,
    accel,
    nodes: nodes.map(({ name, address, role }) => ({ name, address, role })),
    bootSeconds,
  };
}

/** Starts every VM, then waits for each one's sshd, reporting each as it comes up. Returns the seconds taken. */
async function bootAll(j: Journal<VmLabState, VmPaths>, image: VmImage, emit?: LabListener): Promise<number> {
  const t0 = performance.now();
  for (const n of j.state.nodes) await startVm(j, image, n);
  await Promise.all(
    j.state.nodes.map(async (n) => {
      await waitVmSsh(j.paths.vm(n.name), n, VM_BOOT_TIMEOUT_MS);
      emit?.({ phase: 'done', step: `${n.name} (${n.address}) answers on port 22`, seconds: (performance.now() - t0) / 1000 });
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Seconds between Pacemaker monitor operations on the VM lab. */
export const VM_MONITOR_INTERVAL = 20;

/** Where failover-test writes its data on the DRBD filesystem of the VM lab. */
export const VM_DATA_FILE = '/srv/data/hactl-failover.bin';

/**
 * The VM lab's `vars`: longer Pacemaker operation timeouts, and failover-test's data
 * check: 4 MiB of fresh random data written (and
 * synced, so DRBD protocol C has it on both twins) on the active twin just before each
 * fault; its checksum verified on the survivor and again after the restore.
 */
export const VM_VARS = [
  'vars:',
  "  # emulated CPUs: a resource agent's monitor takes 5-20 s under TCG; 3 x the operation timeouts",
  '  op_timeout_factor: 3',
  '  failover:',
  '    timeout_factor: 3   # SSH answers, watcher polls, restore and recovery budget x 3',
  '    # fresh data on DRBD before each fault, verified on the survivor and after the restore',
  `    data_write: head -c 4M /dev/urandom > ${VM_DATA_FILE} && sha256sum ${VM_DATA_FILE} > ${VM_DATA_FILE}.sha256 && sync`,
  `    data_check: sha256sum --quiet -c ${VM_DATA_FILE}.sha256 && cat ${VM_DATA_FILE}.sha256`,
].join('\n');

/**
 * The VM lab's inventory: as the namespace lab's, plus DRBD r0 on the twins' /dev/vdb
 * (ext4 at /srv/data) holding apache2's data, and failover-test's data check on it.
 * Token 3000: emulated CPUs stall for longer than the namespace lab's 1000 ms under load;
 * monitors every 20 s and 3 x the operation timeouts, for the same reason. With a
 * backplane (VMs with an eth1): the namespace lab's `networks`, two `links`, DRBD on it.
 */
export function vmInventoryText(paths: VmPaths, file: string, stack: Stack, nodes: readonly VmNode[]): string {
  const bp = VM_NET.backplane;
  const backplane =
    bp && nodes.some((n) => n.backplane)
      ? { network: bp.network, addresses: Object.fromEntries(nodes.map((n) => [n.name, n.backplane?.address ?? ''])) }
      : undefined;
  const text = inventoryText(paths, file, stack, nodes, VM_NET, {
    ...(backplane ? { backplane } : {}),
    // the twins' serial cable: qemu gives each its second UART, ttyS1 (ttyS0 is the console)
    ...(nodes.some((n) => n.serial) ? { serial: VM_SERIAL_DEVICE } : {}),
    token: 3000,
    drbd: [{ name: 'r0', device: '/dev/drbd0', disk: '/dev/vdb', filesystem: { type: 'ext4', mount: '/srv/data' } }],
    services: [{ name: 'apache2', package: 'apache2', check: { port: 80, path: '/' }, drbd: 'r0' }],
  })
    .replace('# written by `hactl lab up`', '# written by `hactl lab up --vm`')
    // monitors every 20 s, not 5: each OCF agent run costs seconds of emulated CPU
    .replace('timing: { token: 3000 }', `timing: { token: 3000, monitor_interval: ${VM_MONITOR_INTERVAL} }`);
  return `${text.trimEnd()}\n${VM_VARS}\n`;
}
