/**
 * One VM: its disks (a qcow2 overlay over the cached image, two raw data disks on the twins),
 * the identity qemu hands it through fw_cfg (lab-assets/vm-identity.sh reads it at boot),
 * and its qemu process, started inside the lab netns so its tap is on the lab bridge.
 */
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { NodeError } from '../../core/errors.js';
import { setCable } from '../cable.js';
import { BACKPLANE } from '../net.js';
import { isAlive, killAndWait, must, procRef, sleep, spawnDetached, waitFor, which } from '../proc.js';
import type { Journal } from '../state.js';
import { accelArgs } from './accel.js';
import { VM_DATA_DISK_MIB, VM_GUEST_DISK_MIB, VM_NET } from './constants.js';
import type { VmImage } from './image.js';
import { tapOf } from './network.js';
import type { VmFiles, VmPaths } from './paths.js';
import type { VmLabState, VmNode } from './state.js';

/** The files hactl-identity reads from /sys/firmware/qemu_fw_cfg/by_name/opt/hactl/ (and `backplane`: eth1's address). */
const IDENTITY = ['hostname', 'hosts', 'ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub', 'authorized_keys', 'address'];
const identityOf = (node: Pick<VmNode, 'backplane'>): string[] => [...IDENTITY, ...(node.backplane ? ['backplane'] : [])];

/**
 * Makes a fresh VM's disks and identity: overlay, data disk, a new ed25519 host key (made
 * here, so known_hosts is right before the VM first boots), client key, hosts, eth0 address.
 * Returns the host public key ("ssh-ed25519 AAAA…").
 */
export async function prepareVm(files: VmFiles, image: VmImage, node: VmNode, clientPub: string, hosts: string): Promise<string> {
  mkdirSync(files.identity, { recursive: true, mode: 0o700 });
  await must('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.root, '-F', 'raw', files.overlay]);
  if (node.dataDisk) {
    for (const [file, mib] of [
      [files.data, VM_DATA_DISK_MIB],
      [files.guestData, VM_GUEST_DISK_MIB],
    ] as const) {
      writeFileSync(file, '');
      truncateSync(file, mib * 1024 * 1024);
    }
  }
  const id = (f: string): string => join(files.identity, f);
  writeFileSync(id('hostname'), `${node.name}\n`);
  writeFileSync(id('hosts'), hosts);
  writeFileSync(id('authorized_keys'), clientPub);
  writeFileSync(id('address'), `${node.address}/${VM_NET.prefix}\n`);
  if (node.backplane) writeFileSync(id('backplane'), `${node.backplane.address}/${VM_NET.backplane?.prefix ?? VM_NET.prefix}\n`);
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${node.name}`, '-f', id('ssh_host_ed25519_key')]);
  return vmHostKey(files);
}

/** The host public key a VM was given. */
export function vmHostKey(files: VmFiles): string {
  const [type, blob] = readFileSync(join(files.identity, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
  return `${type} ${blob}`;
}

/** qemu's option syntax doubles commas inside values. */
const esc = (path: string): string => path.replace(/,/g, ',,');

/** The qemu command line of one VM (without the binary). */
export function qemuArgs(state: Pick<VmLabState, 'accel' | 'memoryMiB'>, image: VmImage, node: VmNode, files: VmFiles): string[] {
  // writeback, not unsafe: a power-off is a SIGKILL, and the overlay's qcow2 metadata must
  // survive it whenever the guest has flushed (unsafe ignores flushes)
  const disks = [`file=${esc(files.overlay)},if=virtio,format=qcow2,cache=writeback`];
  if (node.dataDisk) {
    for (const f of [files.data, files.guestData]) disks.push(`file=${esc(f)},if=virtio,format=raw,cache=writeback`);
  }
  return [
    '-name',
    node.name,
    '-machine',
    'q35',
    ...accelArgs(state.accel),
    '-m',
    String(state.memoryMiB),
    '-smp',
    '1',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${esc(files.console)}`,
    '-kernel',
    image.kernel,
    '-initrd',
    image.initrd,
    // net.ifnames=0: the NIC is eth0, as the inventory says; quiet: every console byte is
    // an emulated UART write (warnings and panics still show)
    '-append',
    'root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet mitigations=off',
    ...disks.flatMap((d) => ['-drive', d]),
    '-netdev',
    `tap,id=n0,ifname=${node.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${node.mac}`,
    // the backplane NIC after eth0's (PCI order): eth1
    ...(node.backplane
      ? [
          '-netdev',
          `tap,id=n1,ifname=${node.backplane.tap},script=no,downscript=no`,
          '-device',
          `virtio-net-pci,netdev=n1,mac=${node.backplane.mac}`,
        ]
      : []),
    // the serial cable to the other twin: the second UART (ttyS1), its bytes as UDP datagrams
    // on the lab netns' loopback; connectionless, so either twin may boot or die first
    ...(node.serial
      ? [
          '-chardev',
          `udp,id=cable,host=127.0.0.1,port=${node.serial.peer},localaddr=127.0.0.1,localport=${node.serial.port}`,
          '-device',
          'isa-serial,chardev=cable',
        ]
      : []),
    // sshd and DRBD want entropy at boot; without it the guest waits for it
    '-device',
    'virtio-rng-pci',
    ...identityOf(node).flatMap((f) => ['-fw_cfg', `name=opt/hactl/${f},file=${esc(join(files.identity, f))}`]),
  ];
}

/** Powers a VM on (on its kept disks): plugs its cable in and starts qemu in the lab netns. */
export async function startVm(j: Journal<VmLabState, VmPaths>, image: VmImage, node: VmNode): Promise<void> {
  const files = j.paths.vm(node.name);
  // a boot plugs its cables back in, a cut one too
  await setCable(tapOf(node), true);
  if (node.backplane) await setCable(tapOf(node, BACKPLANE), true);
  writeFileSync(files.qemuLog, `--- boot ${new Date().toISOString()}\n`, { flag: 'a' });
  // a fresh console per boot: the tail shown on errors is this boot's
  writeFileSync(files.console, '');
  const qemu = which('qemu-system-x86_64') ?? 'qemu-system-x86_64';
  // nsenter execs qemu: the pid we get is qemu's
  const pid = spawnDetached('nsenter', [`--net=/run/netns/${VM_NET.netns}`, qemu, ...qemuArgs(j.state, image, node, files)], files.qemuLog);
  const ref = procRef(pid);
  if (ref) j.process(`vm ${node.name}`, ref);
  node.qemu = ref;
  node.cut = false;
  j.save();
  await sleep(300); // bad options make qemu exit at once: report that, not an SSH timeout
  if (!isAlive(ref)) throw new NodeError(`qemu of VM ${node.name} exited at once`, { output: tail(files.qemuLog) });
}

/** Waits until the VM's sshd accepts connections; fails early when its qemu is gone or its kernel panicked. */
export async function waitVmSsh(files: VmFiles, node: VmNode, timeoutMs: number): Promise<void> {
  const ok = await waitFor(
    async () => {
      if (!isAlive(node.qemu)) return 'its qemu exited';
      // no panic=-1 reboot loop: a guest `reboot` must stay a reboot, so look for the panic
      if (tail(files.console, 40).includes('Kernel panic')) return 'its kernel panicked';
      return (await sshBanner(node.address, 5000)) ? true : undefined;
    },
    timeoutMs,
    1000,
  );
  if (ok !== true) {
    const why = ok ?? `no sshd on ${node.address}:22 after ${timeoutMs / 1000}s`;
    throw new NodeError(`VM ${node.name} did not come up: ${why}`, { output: `${tail(files.qemuLog, 5)}\n${tail(files.console)}`.trim() });
  }
}

/**
 * True when an SSH server on host:22 sends its banner within timeoutMs. An open port is
 * not enough under TCG: sshd may accept long before it answers, and clients then time out.
 */
export function sshBanner(host: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port: 22, timeout: timeoutMs });
    const finish = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('data', (d) => finish(d.toString('latin1').startsWith('SSH-')));
    sock.once('timeout', () => finish(false));
    sock.once('error', () => finish(false));
    sock.once('end', () => finish(false));
  });
}

/** Hard power-off: SIGKILL of qemu, like pulling the plug. The disks stay. */
export async function stopVm(node: VmNode): Promise<void> {
  await killAndWait(node.qemu);
  node.qemu = undefined;
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
}
