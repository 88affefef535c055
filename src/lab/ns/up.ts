/** `lab up`: cached root + repo, network, node disks, boot, SSH files, inventory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HactlError, InputError, NodeError } from '../../core/errors.js';
import type { Role, Stack } from '../../inventory/model.js';
import { assignAddresses, backplaneVeth, checkNodeName, DEFAULT_NODES, LAB_PACKAGES, macFor, nodeVeth, roleFor } from '../constants.js';
import { type LabListener, step } from '../events.js';
import { removeTree } from '../fsutil.js';
import { type InventoryExtras, inventoryText } from '../inventory.js';
import { type LabNet, labNet, resolveLabIndex } from '../net.js';
import { createBackplane, createLabNetwork, netnsExists } from '../network.js';
import { defaultCacheDir } from '../paths.js';
import { preflight } from '../preflight.js';
import { ensureRepo, startRepoServer } from '../repo.js';
import { ensureRootfs } from '../rootfs.js';
import { ensureClientKey, hostsText, writeSshFiles } from '../ssh.js';
import { Journal } from '../state.js';
import { labDown } from './down.js';
import { backplaneAddress } from './network.js';
import { hostKeyOf, prepareDisk, startNode, waitSsh } from './node.js';
import { type LabPaths, labPaths } from './paths.js';
import { joinQnetdLab, type QnetdArbitrator, qnetdArbitrator } from './qnetd-link.js';
import { type LabNode, type LabState, loadState, netOf, requireState } from './state.js';

export interface LabUpOptions {
  /** default: $HACTL_LAB_DIR or /var/lib/hactl/lab */
  stateDir?: string;
  /**
   * lab index 0..9 (net.ts), so labs run side by side: default $HACTL_LAB_INDEX, else 0.
   * Ignored with `add` (the running lab's index is in its state).
   */
  index?: number;
  /** cached node roots and apt repos; default $HACTL_CACHE_DIR or /var/cache/hactl */
  cacheDir?: string;
  /** node names, in inventory order; default master, slave, arbitrator */
  nodes?: readonly string[];
  /** add this one node to the running lab instead of creating a lab */
  add?: string;
  /** tear down an existing lab first */
  recreate?: boolean;
  /** where to write the inventory; default <stateDir>/inventory.yaml */
  inventoryOut?: string;
  stack?: Stack;
  /** a second network (bridge br1, each node's eth1), declared in the inventory as `backplane`, link 0 of two */
  backplane?: boolean;
  /** the inventory's arbitrator runs corosync-qnetd (cluster.arbitrator.mode: qdevice) */
  qdevice?: boolean;
  /**
   * state dir of a running lab whose arbitrator is this lab's QNetd (implies `qdevice`): the two
   * lab netns are joined (qnetd-link.ts), this lab has no arbitrator of its own, and its cluster
   * is named `labN` (qnetd tells clusters apart by name)
   */
  qnetdLab?: string;
  /** packages of the local apt repo; default $HACTL_LAB_PACKAGES or {@link LAB_PACKAGES} */
  packages?: readonly string[];
  onEvent?: LabListener;
}

export interface LabUpResult {
  stateDir: string;
  /** the inventory written (not for --add) */
  inventory?: string;
  nodes: Array<{ name: string; address: string; role: Role }>;
  /** the node --add created */
  added?: { name: string; address: string };
  seconds: number;
}

function packagesFrom(opts: LabUpOptions): readonly string[] {
  if (opts.packages) return opts.packages;
  const env = process.env.HACTL_LAB_PACKAGES?.split(/[\s,]+/).filter(Boolean);
  return env?.length ? env : LAB_PACKAGES;
}

function checkNames(names: readonly string[]): void {
  if (!names.length) throw new InputError('--nodes needs at least one node name');
  names.forEach(checkNodeName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new InputError(`node "${dup}" is listed twice`);
}

function newNode(paths: LabPaths, net: LabNet, name: string, address: string, inInventory: boolean, backplane = false): LabNode {
  const dir = paths.node(name).dir;
  return {
    name,
    address,
    mac: macFor(address),
    role: roleFor(name),
    netns: net.nodeNetns(name),
    veth: nodeVeth(name),
    ...(backplane ? { backplaneVeth: backplaneVeth(name) } : {}),
    dir,
    cut: false,
    inInventory,
  };
}

/**
 * Creates the lab (or, with `add`, one more node in it) and returns when every node
 * accepts SSH. Needs root. Slow steps report through `onEvent`.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  const t0 = performance.now();
  await preflight();
  const paths = labPaths(opts.stateDir);
  const seconds = (): number => (performance.now() - t0) / 1000;
  if (opts.add && (opts.recreate || opts.nodes))
    throw new InputError('--add adds one node to the running lab: use it without --recreate and --nodes');
  try {
    if (opts.add) return { ...(await addNode(paths, opts.add, opts.onEvent)), seconds: seconds() };
    const net = labNet(resolveLabIndex(opts.index));
    checkNames(nodeNames(opts)); // before --recreate removes anything
    // the QNetd lab is checked before --recreate removes anything too
    const arb = opts.qnetdLab ? qnetdArbitrator(opts.qnetdLab, net) : undefined;
    await clearOld(paths, net, opts);
    if (arb) return { ...(await createLab(paths, net, { ...opts, qdevice: true }, arb)), seconds: seconds() };
    return { ...(await createLab(paths, net, opts)), seconds: seconds() };
  } catch (err) {
    if (err instanceof HactlError && err.kind === 'node' && !err.details.hint) {
      err.details.hint = `clean up with \`hactl lab down --state-dir ${paths.stateDir}\`, or retry with --recreate`;
    }
    throw err;
  }
}

/** The lab's node names: --nodes, else master, slave, arbitrator (master, slave with --qnetd-lab: the arbitrator is the other lab's). */
function nodeNames(opts: LabUpOptions): readonly string[] {
  const names = opts.nodes ?? (opts.qnetdLab ? DEFAULT_NODES.filter((n) => roleFor(n) !== 'arbitrator') : DEFAULT_NODES);
  if (opts.qnetdLab && names.some((n) => roleFor(n) === 'arbitrator'))
    throw new InputError('--qnetd-lab: the arbitrator is the other lab\'s; leave "arbitrator" out of --nodes');
  return names;
}

/** Removes the lab this one replaces (--recreate): only ever one of the same index. */
async function clearOld(paths: LabPaths, net: LabNet, opts: LabUpOptions): Promise<void> {
  const existing = loadState(paths);
  if (existing && netOf(existing).index !== net.index) {
    throw new InputError(
      `the lab in ${paths.stateDir} has index ${netOf(existing).index}, not ${net.index}: ` +
        '`hactl lab down` it first, or use another --state-dir',
    );
  }
  if (!existing && !netnsExists(net.netns)) return;
  if (!opts.recreate) {
    throw new InputError(
      existing
        ? `a lab already exists in ${paths.stateDir}: use --recreate, --add NAME or \`hactl lab down\``
        : `another lab with index ${net.index} is running (netns ${net.netns} exists): ` +
            '`hactl lab down --state-dir DIR` with its state dir, --recreate, or another --index',
    );
  }
  await step(opts.onEvent, 'remove the old lab', () => labDown({ stateDir: paths.stateDir, force: !existing, index: net.index }));
}

async function createLab(paths: LabPaths, net: LabNet, opts: LabUpOptions, arb?: QnetdArbitrator): Promise<Omit<LabUpResult, 'seconds'>> {
  const emit = opts.onEvent;
  const names = nodeNames(opts);
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir());
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const rootfs = await ensureRootfs(cacheDir, emit);
  const repo = await ensureRepo(cacheDir, rootfs, packagesFrom(opts), emit);
  const clientPub = await ensureClientKey(paths);
  await removeTree(paths.nodesDir); // fresh disks for a fresh lab
  const addresses = assignAddresses(names, [], net);
  const nodes = names.map((n) => newNode(paths, net, n, addresses.get(n) ?? '', true, opts.backplane));
  const inventory = resolve(opts.inventoryOut ?? paths.inventory);
  const state: LabState = {
    version: 1,
    index: net.index,
    stateDir: paths.stateDir,
    createdAt: new Date().toISOString(),
    stack: opts.stack ?? 'pacemaker',
    rootfs,
    repo,
    inventory,
    ...(opts.backplane ? { backplane: true } : {}),
    ...(arb ? { qnetdLab: arb.stateDir } : {}),
    netns: [],
    links: [],
    processes: [],
    mounts: [],
    dirs: [],
    nodes,
  };
  const j = new Journal(paths, state);
  j.dir(paths.nodesDir);
  await step(emit, `network ${net.netns} (bridge ${net.bridgeAddress}, host veth ${net.hostAddress})`, () => createLabNetwork(j, net));
  if (opts.backplane) await step(emit, `backplane ${net.backplane?.network} (bridge ${net.backplane?.bridge})`, () => createBackplane(net));
  state.repoServer = await step(emit, `apt repo server on ${net.bridgeAddress}:${net.repoPort}`, () =>
    startRepoServer(paths, net, repo, (ref) => j.process('repo-server', ref)),
  );
  j.save();
  const hosts = hostsText(nodes);
  writeFileSync(paths.hosts, hosts);
  const keys = await step(emit, 'node disks and host keys', () =>
    Promise.all(nodes.map((n) => prepareDisk(paths, net, n, clientPub, hosts))),
  );
  writeSshFiles(paths, [
    ...nodes.map((node, i) => ({ node, key: keys[i] ?? '' })),
    // the other lab's arbitrator, reached with this lab's key once joined
    ...(arb ? [{ node: { name: arb.name, address: arb.address }, key: arb.hostKey }] : []),
  ]);
  await step(emit, `boot ${nodes.map((n) => n.name).join(', ')}`, async () => {
    for (const n of nodes) await startNode(j, n, rootfs);
    await Promise.all(nodes.map((n) => waitSsh(paths, n)));
  });
  if (arb)
    await step(
      emit,
      `joined to lab ${arb.index}: ${arb.name} ${arb.address} is the QNetd (link ${net.netns} ↔ ${labNet(arb.index).netns})`,
      () => joinQnetdLab(j, net, arb, clientPub),
    );
  mkdirSync(dirname(inventory), { recursive: true });
  const backplane = opts.backplane ? backplaneExtras(net, nodes) : undefined;
  const arbitrator = arb ? [{ name: arb.name, address: arb.address, role: 'arbitrator' as const }] : [];
  writeFileSync(
    inventory,
    inventoryText(paths, inventory, state.stack, [...nodes, ...arbitrator], net, {
      ...(backplane ? { backplane } : {}),
      ...(opts.qdevice ? { qdevice: true } : {}),
      ...(arb ? { name: `lab${net.index}` } : {}),
    }),
  );
  return {
    stateDir: paths.stateDir,
    inventory,
    nodes: [...nodes.map(({ name, address, role }) => ({ name, address, role })), ...arbitrator],
  };
}

/** The inventory's second network: its range and each node's address on it. */
function backplaneExtras(net: LabNet, nodes: readonly LabNode[]): NonNullable<InventoryExtras['backplane']> {
  return {
    network: net.backplane?.network ?? '',
    addresses: Object.fromEntries(nodes.map((n) => [n.name, backplaneAddress(net, n) ?? ''])),
  };
}

/** Adds one node to a running lab; other nodes are not touched, the inventory is not changed. */
async function addNode(paths: LabPaths, name: string, emit?: LabListener): Promise<Omit<LabUpResult, 'seconds'>> {
  checkNodeName(name);
  const state = requireState(paths);
  const net = netOf(state);
  if (!netnsExists(net.netns))
    throw new NodeError(`the lab in ${paths.stateDir} is not running`, { hint: 'run `hactl lab up --recreate`' });
  if (state.nodes.some((n) => n.name === name)) throw new InputError(`the lab already has a node "${name}"`);
  const address =
    assignAddresses(
      [name],
      state.nodes.map((n) => n.address),
      net,
    ).get(name) ?? '';
  const node = newNode(paths, net, name, address, false, state.backplane);
  const j = new Journal(paths, state);
  state.nodes.push(node);
  j.save();
  const hosts = hostsText(state.nodes);
  writeFileSync(paths.hosts, hosts);
  const clientPub = await ensureClientKey(paths);
  await removeTree(node.dir); // a disk left by an earlier node of that name is not this node's
  const key = await prepareDisk(paths, net, node, clientPub, hosts);
  writeSshFiles(
    paths,
    state.nodes.map((n) => ({ node: n, key: n === node ? key : hostKeyOf(paths, n.name) })),
  );
  await step(emit, `boot ${name} (${address})`, async () => {
    await startNode(j, node, state.rootfs);
    await waitSsh(paths, node);
  });
  return {
    stateDir: paths.stateDir,
    nodes: state.nodes.map(({ name: n, address: a, role }) => ({ name: n, address: a, role })),
    added: { name, address },
  };
}
