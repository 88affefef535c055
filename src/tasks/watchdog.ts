/**
 * The watchdog task: SBD (Pacemaker) and ha.cf's `watchdog` (Heartbeat) need a watchdog
 * device. Where the node has none and the inventory allows it (`softdog: auto`), the
 * kernel's software watchdog is loaded and persisted.
 *
 * SAFETY: a node that shares its kernel with other machines (a namespace lab node, a
 * container) must never load softdog: its reset would reset the host and every other
 * machine on it. The plan reads that first and refuses before anything else is decided.
 */
import { NodeError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import { noop, type TaskDef, type TaskPlan } from './types.js';

/** Written by the namespace lab on every node (lab-assets/node-init.sh): this node shares the host's kernel. */
export const LAB_NETNS_MARKER = '/run/hactl-lab-netns';
/** Where a loaded softdog is persisted across reboots (systemd-modules-load). */
export const SOFTDOG_CONF = '/etc/modules-load.d/hactl-softdog.conf';

/** Probe: the namespace lab's marker exists. */
export const LAB_MARKER_PROBE = `[ -e ${LAB_NETNS_MARKER} ]`;
/** Probe: systemd-detect-virt says this is a container (exit 0 with `-q`: a container was found). */
export const CONTAINER_PROBE = 'command -v systemd-detect-virt >/dev/null 2>&1 && systemd-detect-virt --container -q';
/** Probe: the watchdog device is there. */
export const devicePresentProbe = (device: string): string => `[ -e ${quote(device)} ]`;

export interface WatchdogOptions {
  /** the node, for messages */
  host: string;
  /** the watchdog device the stack arms, e.g. /dev/watchdog */
  device: string;
  /** auto: load softdog when the device is missing; never: refuse instead */
  softdog: 'auto' | 'never';
  /** the inventory field that asks for the watchdog, for messages */
  field: string;
}

/** Shell: load softdog, persist it, and check the device appeared. */
export function softdogSteps(device: string): TaskPlan['steps'] {
  return [
    { command: 'modprobe softdog', label: 'modprobe softdog' },
    { command: `mkdir -p /etc/modules-load.d && printf 'softdog\\n' > ${SOFTDOG_CONF}`, label: `persist softdog in ${SOFTDOG_CONF}` },
    {
      command:
        `i=0; while [ ! -e ${quote(device)} ] && [ $i -lt 25 ]; do sleep 0.2; i=$((i+1)); done; ` +
        `[ -e ${quote(device)} ] || { echo ${quote(`softdog is loaded but ${device} did not appear`)} >&2; exit 1; }`,
      label: `wait for ${device}`,
    },
  ];
}

/**
 * Refuses on a node that shares its kernel, else a no-op when the device exists, else
 * softdog (auto) or a refusal (never).
 * @throws NodeError naming the host: a shared kernel, or no watchdog with softdog: never
 */
export function planWatchdog(f: { probe(command: string): boolean }, o: WatchdogOptions): TaskPlan {
  // first, before the device is even looked at: never arm a watchdog in a shared kernel
  const shared = f.probe(LAB_MARKER_PROBE)
    ? `${LAB_NETNS_MARKER} exists (a namespace lab node)`
    : f.probe(CONTAINER_PROBE)
      ? 'systemd-detect-virt --container reports a container'
      : undefined;
  if (shared)
    throw new NodeError(`refusing to set up a watchdog on ${o.host}: it shares its kernel with other machines (${shared})`, {
      host: o.host,
      field: o.field,
      hint:
        'a softdog or watchdog reset there would reset the host and every machine on it; ' +
        'remove the watchdog/SBD settings for this cluster, or use machines (VMs) with their own kernel',
    });
  if (f.probe(devicePresentProbe(o.device))) return noop(`watchdog ${o.device} is present`);
  if (o.softdog === 'never')
    throw new NodeError(`no watchdog ${o.device} on ${o.host}, and softdog is never`, {
      host: o.host,
      field: o.field,
      hint: 'load the hardware watchdog driver, or set softdog: auto',
    });
  return { changed: true, reason: `no hardware watchdog on ${o.host}: load softdog`, steps: softdogSteps(o.device) };
}

/** The task (`h.run(watchdogTask, options)`). */
export const watchdogTask: TaskDef<WatchdogOptions> = {
  name: (o) => `watchdog ${o.device}`,
  facts: (o) => ({ probes: [LAB_MARKER_PROBE, CONTAINER_PROBE, devicePresentProbe(o.device)] }),
  plan: (f, o) => planWatchdog(f, o),
};
