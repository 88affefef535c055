/**
 * Where the VM lab keeps its files: the state dir's shared files (inventory.yaml, ssh_config,
 * known_hosts, id_ed25519, state.json: ../paths.ts) plus one dir per VM with its disks.
 */
import { join, resolve } from 'node:path';
import { type LabFiles, labFiles } from '../paths.js';

/** Default state dir of the VM lab: $HACTL_VMLAB_DIR, else /var/lib/hactl/vmlab. */
export function defaultVmStateDir(): string {
  return resolve(process.env.HACTL_VMLAB_DIR || '/var/lib/hactl/vmlab');
}

/** Files of one VM: its disks, the identity qemu hands it, its serial console and qemu's own log. */
export interface VmFiles {
  dir: string;
  /** qcow2 overlay over the cached image: the VM's root disk */
  overlay: string;
  /** raw DRBD backing disk (/dev/vdb), twins only */
  data: string;
  /** the second data disk (/dev/vdc): a guest's DRBD resource */
  guestData: string;
  /** files passed through qemu fw_cfg (hostname, host key, address …) */
  identity: string;
  console: string;
  qemuLog: string;
}

/** Every file the VM lab writes into its state dir. */
export interface VmPaths extends LabFiles {
  vmsDir: string;
  vm(name: string): VmFiles;
}

/** Paths of the VM lab whose state dir is `stateDir` (default: {@link defaultVmStateDir}). */
export function vmPaths(stateDir: string = defaultVmStateDir()): VmPaths {
  const files = labFiles(stateDir);
  const vmsDir = join(files.stateDir, 'vms');
  return {
    ...files,
    vmsDir,
    vm(name: string): VmFiles {
      const d = join(vmsDir, name);
      return {
        dir: d,
        overlay: join(d, 'root.qcow2'),
        data: join(d, 'data.img'),
        guestData: join(d, 'guest.img'),
        identity: join(d, 'identity'),
        console: join(d, 'console.log'),
        qemuLog: join(d, 'qemu.log'),
      };
    },
  };
}
