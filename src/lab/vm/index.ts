/**
 * The VM lab: real Debian VMs under qemu (KVM when a probe shows it works, else TCG) for
 * what the namespace lab's shared kernel lacks: DRBD, IPVS, systemd. Same state-dir
 * artefacts and fault primitives as the namespace lab (see docs/lab.md).
 *
 * @example
 *   const up = await vmLabUp({ stateDir: '/tmp/vmlab', onEvent: (e) => console.error(formatEvent(e)) });
 *   await vmPoweroff('master', { stateDir: '/tmp/vmlab' });
 *   await vmBoot('master', { stateDir: '/tmp/vmlab' });
 *   await vmLabDown({ stateDir: '/tmp/vmlab' });
 */

export { type Accel, chooseAccel } from './accel.js';
export {
  ALL_HOST_PACKAGES,
  VM_BASE_PACKAGES,
  VM_DATA_DISK_MIB,
  VM_HOST_PACKAGES,
  VM_IMAGE_PACKAGES,
  VM_MEMORY_MIB,
  VM_NET,
  VM_NODES,
} from './constants.js';
export { type VmLabDownOptions, type VmLabDownResult, vmLabDown } from './down.js';
export { ensureVmImage, type VmImage, vmImageDir } from './image.js';
export { type VmLabStatus, vmBoot, vmCut, vmExec, vmLab, vmLabStatus, vmPoweroff, vmUncut } from './ops.js';
export { defaultVmStateDir, type VmPaths, vmPaths } from './paths.js';
export { isVmState, type VmLabState, type VmNode } from './state.js';
export { type VmLabUpOptions, type VmLabUpResult, vmInventoryText, vmLabUp } from './up.js';
