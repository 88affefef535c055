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
export { labUp, type LabUpOptions, type LabUpResult } from './up.js';
export { labDown, type LabDownOptions, type LabDownResult } from './down.js';
export {
  labStatus, labExec, poweroff, boot, cut, uncut,
  type LabOptions, type LabExecOptions, type LabStatus, type LabNodeStatus,
} from './ops.js';
export { labNet, resolveLabIndex, MAX_LAB_INDEX, type LabNet } from './net.js';
export { labPaths, defaultStateDir, defaultCacheDir, type LabPaths } from './paths.js';
export { formatEvent, type LabEvent, type LabListener } from './events.js';
export {
  LAB_PACKAGES, ROOTFS_PACKAGES, HOST_PACKAGES, LAB_SUITE, LAB_NETWORK, LAB_NETNS, HOST_LINK,
  BRIDGE_ADDRESS, HOST_ADDRESS, FLOATING_IP, REPO_URL, DEFAULT_NODES,
} from './constants.js';
export { requireRoot, requireNamespaces } from './preflight.js';
export { publish, buildCanary, CANARY_PACKAGE, type PublishResult } from './publish.js';
export { whichLab, anyLabDown, anyLabStatus, anyLabExec, anyLabFault, type AnyLabOptions } from './dispatch.js';
export type { RunResult } from './proc.js';
export type { LabState, LabNode } from './state.js';
