/**
 * One node: its disk (overlay upper dir on the host, so it survives power-off), its identity
 * written before first boot, and its PID 1 (lab-assets/node-init.sh) in fresh pid, mount,
 * uts and ipc namespaces inside the node's netns.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeError } from '../../core/errors.js';
import type { LabNet } from '../net.js';
import { netnsPids, tcpOpen } from '../network.js';
import { childrenOf, isAlive, killAndWait, must, type ProcRef, procRef, sleep, spawnDetached, waitFor, which } from '../proc.js';
import { plugNode, removeCable, unplugNode } from './network.js';
import { type LabPaths, nodeInitScript } from './paths.js';
import { type LabJournal, type LabNode, netOf } from './state.js';

/**
 * Writes the node's identity into its (not yet mounted) upper dir: hostname, hosts,
 * machine-id, its lab's apt source, a fresh ed25519 host key and the client key as root's
 * authorized key. Returns the host public key ("ssh-ed25519 AAAA…") for known_hosts.
 */
export async function prepareDisk(paths: LabPaths, net: LabNet, node: LabNode, clientPub: string, hosts: string): Promise<string> {
  const d = paths.node(node.name);
  for (const dir of [d.work, d.root]) mkdirSync(dir, { recursive: true });
  // modes match the root's dirs: an upper dir's mode wins in the merged view
  mkdirSync(join(d.upper, 'etc/ssh'), { recursive: true, mode: 0o755 });
  mkdirSync(join(d.upper, 'etc/apt/sources.list.d'), { recursive: true, mode: 0o755 });
  mkdirSync(join(d.upper, 'root/.ssh'), { recursive: true, mode: 0o700 });
  chmodSync(join(d.upper, 'root'), 0o700);
  // the shared root names lab 0's repo; this file shadows it with the node's own lab's
  writeFileSync(join(d.upper, 'etc/apt/sources.list.d/hactl-lab.list'), `deb [trusted=yes] ${net.repoUrl} ./\n`);
  writeFileSync(join(d.upper, 'etc/hostname'), `${node.name}\n`);
  writeFileSync(join(d.upper, 'etc/hosts'), hosts);
  writeFileSync(join(d.upper, 'etc/machine-id'), randomBytes(16).toString('hex') + '\n');
  writeFileSync(join(d.upper, 'root/.ssh/authorized_keys'), clientPub, { mode: 0o600 });
  const key = join(d.upper, 'etc/ssh/ssh_host_ed25519_key');
  if (!existsSync(key)) await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${node.name}`, '-f', key]);
  const [type, blob] = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
  return `${type} ${blob}`;
}

/** The host key a node's disk holds (for nodes prepared earlier). */
export function hostKeyOf(paths: LabPaths, name: string): string {
  const [type, blob] = readFileSync(join(paths.node(name).upper, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')
    .trim()
    .split(/\s+/);
  return `${type} ${blob}`;
}

/** Plugs the node in and starts its PID 1; the disk (upper dir) is reused as it is. */
export async function startNode(j: LabJournal, node: LabNode, lower: string): Promise<void> {
  const d = j.paths.node(node.name);
  await plugNode(j, netOf(j.state), node);
  j.mount(d.root);
  writeFileSync(d.console, `--- boot ${new Date().toISOString()}\n`, { flag: 'a' });
  const args = [
    `--net=/run/netns/${node.netns}`,
    which('unshare') ?? 'unshare',
    '--mount',
    '--uts',
    '--ipc',
    '--pid',
    '--fork',
    '--propagation',
    'private',
    which('bash') ?? '/bin/bash',
    nodeInitScript(),
    node.name,
    lower,
    d.dir,
  ];
  const pid = spawnDetached('nsenter', args, d.console);
  const launcher = procRef(pid);
  if (launcher) j.process(`node ${node.name} launcher`, launcher);
  // the pid namespace's PID 1 is the child unshare forks
  const initPid = await waitFor(() => childrenOf(pid)[0], 5000, 20);
  const init = initPid === undefined ? undefined : procRef(initPid);
  if (!launcher || !init) throw new NodeError(`node ${node.name} did not start`, { output: consoleTail(d.console) });
  j.process(`node ${node.name}`, init);
  node.launcher = launcher;
  node.init = init;
  node.cut = false;
  j.save();
}

/** Waits until the node's sshd accepts connections; fails early if its PID 1 died. */
export async function waitSsh(paths: LabPaths, node: LabNode, timeoutMs = 30_000): Promise<void> {
  const ok = await waitFor(
    async () => {
      if (!isAlive(node.init)) return false;
      return (await tcpOpen(node.address, 22, 500)) ? true : undefined;
    },
    timeoutMs,
    100,
  );
  if (ok !== true) {
    const why = ok === false ? 'its PID 1 exited' : `no sshd on ${node.address}:22 after ${timeoutMs / 1000}s`;
    throw new NodeError(`node ${node.name} did not come up: ${why}`, { output: consoleTail(paths.node(node.name).console) });
  }
}

/**
 * Hard power-off: cable out first, then SIGKILL PID 1 (the kernel kills the whole pid
 * namespace with it), then strays in the netns, then the netns. The disk stays.
 */
export async function stopNode(net: LabNet, node: LabNode): Promise<void> {
  await removeCable(net, node.veth);
  if (node.backplaneVeth) await removeCable(net, node.backplaneVeth);
  await killAndWait(node.init);
  await killAndWait(node.launcher);
  for (const pid of await netnsPids(node.netns)) await killAndWait(procRef(pid));
  await unplugNode(net, node);
  node.init = undefined;
  node.launcher = undefined;
}

/** Host pids of every process in the pid namespace of the node's PID 1 (PID 1 included). */
function namespacePids(init: ProcRef): number[] {
  const link = (pid: number | string): string | undefined => {
    try {
      return readlinkSync(`/proc/${pid}/ns/pid`);
    } catch {
      return undefined; // gone meanwhile
    }
  };
  const ns = link(init.pid);
  if (!ns) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && link(d) === ns)
    .map(Number);
}

/** A process's state letter from /proc/PID/stat (`T`: stopped, `Z`: zombie); undefined when gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * Hangs a running node: SIGSTOP to every process of its pid namespace (sent from the host,
 * which PID 1 of the namespace cannot ignore), in rounds until none is left running (a
 * process may fork while the others stop). Its kernel side stays: the netns still answers
 * ARP and TCP handshakes, nothing behind them does.
 */
export async function freezeNode(node: LabNode): Promise<void> {
  const init = node.init;
  if (!init || !isAlive(init)) return;
  for (let round = 0; round < 20; round++) {
    const running = namespacePids(init).filter((pid) => !['T', 't', 'Z', 'X', undefined].includes(procState(pid)));
    if (!running.length) return;
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGSTOP');
      } catch {
        /* exited meanwhile */
      }
    }
    await sleep(20);
  }
  throw new NodeError(`node ${node.name} did not freeze: processes keep starting`);
}

/** Resumes a node after {@link freezeNode}: SIGCONT to every process of its pid namespace. */
export function thawNode(node: LabNode): void {
  const init = node.init;
  if (!init || !isAlive(init)) return;
  for (const pid of namespacePids(init)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* exited meanwhile */
    }
  }
}

function consoleTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}
