/**
 * Fixed facts of the VM lab: real Debian VMs under qemu, for what a shared kernel cannot
 * give the namespace lab (DRBD, IPVS, systemd). One VM lab per machine, on 10.78.0.0/24.
 */
import type { Role } from '../../inventory/model.js';
import { HOST_PACKAGES, LAB_PACKAGES, QDEVICE_LAB_PACKAGES, ROOTFS_PACKAGES } from '../constants.js';
import type { LabNet } from '../net.js';

/** The three VMs, in inventory order, with their host ids (.11 …). */
export const VM_NODES: ReadonlyArray<{ name: string; role: Role; id: number; dataDisk: boolean }> = [
  { name: 'master', role: 'master', id: 11, dataDisk: true },
  { name: 'slave', role: 'slave', id: 12, dataDisk: true },
  { name: 'arbitrator', role: 'arbitrator', id: 13, dataDisk: false },
];

/**
 * Packages debootstrapped into the VM image before the HA stack: the namespace lab's root
 * plus what a booting machine needs (kernel, init, udev). No ifupdown: hactl-identity sets
 * eth0's address. zstd: initramfs-tools compresses with it and falls back noisily without it.
 */
export const VM_BASE_PACKAGES: readonly string[] = [
  ...ROOTFS_PACKAGES,
  'linux-image-amd64',
  'systemd-sysv',
  'udev',
  'dbus',
  'kmod',
  'e2fsprogs',
  'zstd',
];

/**
 * The storage tier's daemons (service kinds mariadb and nfs, docs/inventory.md) and LVM's
 * tools, for the VM lab only: the namespace lab's shared kernel has no nfsd, and an LV needs
 * a kernel of its own. Every VM gets them, so the arbitrator has the clients (mount.nfs4,
 * mariadb) the tests drive through the floating IP while a twin is powered off.
 */
export const VM_SERVICE_PACKAGES: readonly string[] = ['mariadb-server', 'nfs-kernel-server', 'lvm2'];

/**
 * The HA stack baked into the image (the namespace lab's repo packages): apt inside a
 * TCG VM installs them in ~6 min for 3 VMs, so `hactl bootstrap` finds them installed.
 * The same closure is also served as the lab repo, so apt inside the VMs works. Plus sbd:
 * only the VMs have a kernel of their own for its watchdog (softdog), so only they get it.
 * Plus {@link VM_SERVICE_PACKAGES}. Minus the QNetd packages (the namespace lab's `--qdevice` only): an enabled
 * corosync-qdevice.service would start corosync at boot, and a new image costs CI time.
 */
export const VM_IMAGE_PACKAGES: readonly string[] = [
  ...LAB_PACKAGES.filter((p) => !QDEVICE_LAB_PACKAGES.includes(p)),
  'sbd',
  ...VM_SERVICE_PACKAGES,
];

/** Debian packages the host needs for `hactl lab up --vm` beyond HOST_PACKAGES. */
export const VM_HOST_PACKAGES: readonly string[] = ['qemu-system-x86', 'qemu-utils', 'e2fsprogs'];

/** Host tools checked before `lab up --vm`; each maps to the package that ships it. */
export const VM_HOST_TOOLS: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  'mkfs.ext4': 'e2fsprogs',
  ip: 'iproute2',
  nsenter: 'util-linux',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  debootstrap: 'debootstrap',
  'dpkg-scanpackages': 'dpkg-dev',
  'apt-get': 'apt',
  chroot: 'coreutils',
};

/** Guest RAM (MiB): the recipe measured ~0.7–1.1 GB used per VM with the HA stack running. */
export const VM_MEMORY_MIB = 1024;
/** Size of the raw DRBD backing disk (/dev/vdb) on the twins. */
export const VM_DATA_DISK_MIB = 256;
/** Size of the twins' second raw disk (/dev/vdc), for a guest's DRBD resource. */
export const VM_GUEST_DISK_MIB = 64;
/** Virtual size of the root image (sparse; overlays grow as VMs write). */
export const VM_ROOT_SIZE = '4G';
/**
 * Under TCG three VMs on two cores reach SSH in ~55 s on an idle machine, but up to
 * ~260 s were measured with other work beside them: a timeout only catches a hung boot.
 */
export const VM_BOOT_TIMEOUT_MS = 480_000;

const NET = '10.78.0';
/**
 * The twins' serial cable (`lab up --vm --serial`): each twin's ttyS1 is a qemu UDP chardev on
 * the lab netns' loopback, sending to the other's port (base + host id), like a null-modem cable.
 */
export const VM_SERIAL_BASE_PORT = 7600;
/** The cable's tty in the twins: the second UART (ttyS0 is the console). */
export const VM_SERIAL_DEVICE = '/dev/ttyS1';

/** The backplane (`lab up --vm --backplane`): 10.79.78.0/24, beside the namespace labs' 10.79.0-9. */
const BACKPLANE_NET = '10.79.78';

/** The VM lab's network: its netns, host link and addresses, in the namespace lab's shape. */
export const VM_NET: LabNet = {
  index: 0,
  netns: 'hactl-vm',
  hostLink: 'hactl-vmhost',
  network: `${NET}.0/24`,
  prefix: 24,
  bridgeAddress: `${NET}.1`,
  hostAddress: `${NET}.2`,
  floatingIp: `${NET}.100/24`,
  repoPort: 8080,
  repoUrl: `http://${NET}.1:8080`,
  address: (id) => `${NET}.${id}`,
  nodeNetns: () => 'hactl-vm', // VMs have no netns of their own: their taps are on the bridge
  backplane: { bridge: 'br1', network: `${BACKPLANE_NET}.0/24`, prefix: 24, address: (id) => `${BACKPLANE_NET}.${id}` },
};

/** The VM's tap on the bridge (its "cable"); IFNAMSIZ allows 15 characters. */
export function vmTap(name: string): string {
  return `t-${name}`;
}

/** The VM's tap on the backplane bridge (`lab up --vm --backplane`): its second NIC, eth1. */
export function vmBackplaneTap(name: string): string {
  return `b-${name}`;
}

/**
 * Fixed MAC per address (qemu's 52:54:00 prefix, then 78 for 10.78, 79 for the backplane): a
 * rebooted VM keeps it, so peers' ARP entries stay valid.
 */
export function vmMac(address: string): string {
  const [, second, , last] = address.split('.').map(Number);
  // 10.78.0.x keeps 52:54:00:78:00:xx; the backplane's 10.79.78.x gets 52:54:00:79:00:xx
  return `52:54:00:${second === 79 ? '79' : '78'}:00:${(last ?? 0).toString(16).padStart(2, '0')}`;
}

/** Everything lab-assets/host-packages.txt lists (the CI installs from it): both labs' needs. */
export const ALL_HOST_PACKAGES: readonly string[] = [...HOST_PACKAGES, ...VM_HOST_PACKAGES];
