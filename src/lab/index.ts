/**
 * hactl lab: a practice cluster of real Debian nodes in Linux namespaces on this machine
 * (see docs/lab.md and `hactl lab --help`). Programmatic API for the CLI and the failover
 * tests. Several labs run side by side under different indexes (`index`, net.ts).
 *
 * @example
 *   const up = await labUp({ stateDir: '/tmp/lab', onEvent: (e) => console.error(formatEvent(e)) });
 *   await poweroff('master', { stateDir: '/tmp/lab' });
 *   await boot('master', { stateDir: '/tmp/lab' });
 *   await labDown({ stateDir: '/tmp/lab' });
 */

export {
  BRIDGE_ADDRESS,
  DEFAULT_NODES,
  FLOATING_IP,
  HOST_ADDRESS,
  HOST_LINK,
  HOST_PACKAGES,
  LAB_NETNS,
  LAB_NETWORK,
  LAB_PACKAGES,
  LAB_SUITE,
  REPO_URL,
  ROOTFS_PACKAGES,
} from './constants.js';
export { type AnyLabOptions, anyLabDown, anyLabExec, anyLabFault, anyLabStatus, labFault, openLab, whichLab } from './dispatch.js';
export { formatEvent, type LabEvent, type LabListener } from './events.js';
export { LAB_FAULTS, type Lab, type LabFault, type VmLabStatus } from './lab.js';
export { type LabNet, labNet, MAX_LAB_INDEX, resolveLabIndex } from './net.js';
export { type LabDownOptions, type LabDownResult, labDown } from './ns/down.js';
export {
  boot,
  cut,
  type LabExecOptions,
  type LabNodeStatus,
  type LabOptions,
  type LabStatus,
  labExec,
  labStatus,
  nsLab,
  poweroff,
  uncut,
} from './ns/ops.js';
export { defaultStateDir, type LabPaths, labPaths } from './ns/paths.js';
export type { LabNode, LabState } from './ns/state.js';
export { type LabUpOptions, type LabUpResult, labUp } from './ns/up.js';
export { defaultCacheDir, type LabFiles, labFiles } from './paths.js';
export { requireNamespaces, requireRoot } from './preflight.js';
export type { RunResult } from './proc.js';
export { buildCanary, CANARY_PACKAGE, type PublishResult, publish } from './publish.js';
