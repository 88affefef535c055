/**
 * The watchdog a stack arms (SBD on Pacemaker, ha.cf's `watchdog` on Heartbeat): the
 * watchdog task refuses on a node that shares its kernel (namespace lab, container), and
 * loads softdog where the device is missing and the inventory allows it — saying so.
 */
import { type HostContext, type WatchdogOptions, watchdogTask } from '../src/index.js';

/** Runs the watchdog task on `h`; a softdog load is a warning naming the host. */
export async function ensureWatchdog<H extends string>(h: HostContext<H>, o: Omit<WatchdogOptions, 'host'>): Promise<void> {
  const r = await h.run(watchdogTask, { ...o, host: h.name });
  if (r.changed) h.warn(`no hardware watchdog on ${h.name}: ${h.check ? 'would load' : 'loaded'} softdog (${o.device})`);
}
