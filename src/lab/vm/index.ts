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
export { vmLabUp, vmInventoryText, type VmLabUpOptions, type VmLabUpResult } from './up.js';
export { vmLabDown, type VmLabDownOptions, type VmLabDownResult } from './down.js';
export { vmLabStatus, vmExec, vmPoweroff, vmBoot, vmCut, vmUncut, type VmLabStatus } from './ops.js';
export { defaultVmStateDir, vmPaths, isVmState, type VmPaths, type VmLabState, type VmNode } from './state.js';
export { ensureVmImage, vmImageDir, type VmImage } from './image.js';
export { chooseAccel, type Accel } from './accel.js';
export {
  VM_NET, VM_NODES, VM_BASE_PACKAGES, VM_IMAGE_PACKAGES, VM_HOST_PACKAGES, ALL_HOST_PACKAGES, VM_MEMORY_MIB,
  VM_DATA_DISK_MIB,
} from './constants.js';
