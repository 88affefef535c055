/**
 * The client's view: a real request to the floating IP every ~100 ms, each recorded with
 * its start time, duration, result and (when it can be told) the node that answered.
 * Reusable on its own, e.g. to prove a node can be added without an outage.
 */

import type { ProbedService } from '../../inventory/model.js';
import { type ProbeResult, probe } from '../http.js';
import type { ProbeRecord } from './types.js';

/** What to probe: HTTP GET `path` on address:port, or a bare TCP connect when `path` is undefined. */
export interface ProbeTarget {
  address: string;
  port: number;
  path?: string;
  /** the body must contain this for the probe to count as good */
  expect?: string;
  /** the HTTP status that counts as good (default: any below 500) */
  status?: number;
}

/**
 * The probe of a service's check through `address` (the floating IP): its port, path,
 * expected status and text; TCP 22 when no service has a port to probe.
 * @example serviceProbeTarget('10.77.0.100', probedService(cluster)) // { address: '10.77.0.100', port: 80, path: '/' }
 */
export function serviceProbeTarget(address: string, svc: ProbedService | undefined): ProbeTarget {
  if (!svc) return { address, port: 22 };
  const { port, path, expect, status } = svc.check;
  return {
    address,
    port,
    ...(path === undefined ? {} : { path }),
    ...(expect === undefined ? {} : { expect }),
    ...(status === undefined ? {} : { status }),
  };
}

export interface ProberOptions {
  /** time between probe starts (ms); default 100 */
  intervalMs?: number;
  /** a probe that takes longer counts as failed (ms); default 1000 */
  timeoutMs?: number;
  /** names the node that answered a probe (body marker, ARP, VIP holder); undefined when unknown */
  identify?: (r: ProbeResult) => string | undefined;
  /** injectable for tests: sends one probe */
  send?: (t: ProbeTarget, timeoutMs: number) => Promise<ProbeResult>;
}

/** Wall clock with sub-millisecond precision (epoch ms). */
export const now = (): number => performance.timeOrigin + performance.now();

/** At most this many probes in flight: a dead address makes each one wait for its timeout. */
const MAX_IN_FLIGHT = 50;

/**
 * Probes a target on a fixed cadence; probes overlap when the target hangs, so the
 * cadence (and thus the precision of the downtime figure) does not depend on the timeout.
 *
 * @example
 *   const p = new Prober({ address: '10.77.0.100', port: 80, path: '/' });
 *   p.start();
 *   await doSomethingRisky();
 *   const records = await p.stop();
 *   console.log(analyseProbes(records).longestMs);
 */
export class Prober {
  readonly records: ProbeRecord[] = [];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly target: ProbeTarget,
    private readonly options: ProberOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts probing (the first probe goes out at once). */
  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stops probing, waits for the probes in flight, returns every record in start order. */
  async stop(): Promise<ProbeRecord[]> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
    return this.records.sort((a, b) => a.t - b.t);
  }

  /** Records since `t` (epoch ms), in start order (probes still in flight are not included). */
  since(t: number): ProbeRecord[] {
    return this.records.filter((r) => r.t >= t).sort((a, b) => a.t - b.t);
  }

  private tick(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return;
    const t = now();
    const send = this.options.send ?? sendProbe;
    const p = send(this.target, this.timeoutMs).then(
      (r) => this.record(t, r),
      (err: Error) => this.record(t, { ok: false, ms: Math.round(now() - t), error: err.message }),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private record(t: number, r: ProbeResult): void {
    const rec: ProbeRecord = { t, ms: r.ms, ok: r.ok, status: r.status, error: r.error };
    const want = this.target.status;
    if (want !== undefined && r.status !== undefined && r.status !== want) {
      rec.ok = false;
      rec.error = `HTTP ${r.status}, not ${want}`;
    }
    if (rec.ok && this.target.expect !== undefined && !(r.body ?? '').includes(this.target.expect)) {
      rec.ok = false;
      rec.error = `body lacks "${this.target.expect}"`;
    }
    if (r.ok || r.status !== undefined) rec.node = this.options.identify?.(r);
    this.records.push(rec);
  }
}

/** One real probe: HTTP GET (or TCP connect) through src/checks/http.ts. */
export function sendProbe(t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return probe(t.address, t.port, t.path, timeoutMs);
}
