import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { analyseProbes } from '../../../src/checks/failover/analyse.js';
import { Prober } from '../../../src/checks/failover/prober.js';

// The prober against a real HTTP server on 127.0.0.1 that goes away and comes back:
// the outage it reports must match the time the server was down.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serve(port: number, body: string): Promise<Server> {
  const s = createServer((_req, res) => res.end(body));
  return new Promise((resolve) => s.listen(port, '127.0.0.1', () => resolve(s)));
}
const stop = (s: Server): Promise<void> => new Promise((r) => (s.closeAllConnections(), s.close(() => r())));

let server: Server | undefined;
afterEach(async () => {
  if (server?.listening) await stop(server);
});

describe('Prober', () => {
  it('measures the outage of a service that stops and starts again, and who answered', async () => {
    server = await serve(0, 'master\n');
    const port = (server.address() as AddressInfo).port;
    const p = new Prober({ address: '127.0.0.1', port, path: '/' }, { intervalMs: 20, timeoutMs: 300, identify: (r) => r.body?.trim() });
    p.start();
    await sleep(200);
    await stop(server);
    const down = performance.timeOrigin + performance.now();
    await sleep(400);
    server = await serve(port, 'slave\n');
    const up = performance.timeOrigin + performance.now();
    await sleep(200);
    const records = await p.stop();
    const a = analyseProbes(records);
    expect(records.length).toBeGreaterThan(25);
    expect(a.outages).toHaveLength(1);
    const o = a.outages[0]!;
    expect(o.errors).toContain('ECONNREFUSED'); // (a request in flight when it stopped: ECONNRESET)
    // within two probe intervals (and some scheduling slack) of the real downtime
    expect(Math.abs(o.start - down)).toBeLessThan(60);
    expect(Math.abs(o.end! - up)).toBeLessThan(60);
    expect(a.answeredBy).toEqual(['master', 'slave']);
    expect(p.running).toBe(false);
  });

  it('a hanging target fails by timeout without slowing the cadence', async () => {
    const hang = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    const port = (hang.address() as AddressInfo).port;
    const p = new Prober({ address: '127.0.0.1', port, path: '/' }, { intervalMs: 20, timeoutMs: 100 });
    p.start();
    await sleep(300);
    const records = await p.stop();
    hang.closeAllConnections();
    hang.close();
    expect(records.length).toBeGreaterThanOrEqual(10);
    expect(records.every((r) => !r.ok && r.error === 'timeout')).toBe(true);
  });

  it('a body without the expected text is a failed probe; TCP-only probes need no HTTP', async () => {
    server = await serve(0, 'maintenance');
    const port = (server.address() as AddressInfo).port;
    const http = new Prober({ address: '127.0.0.1', port, path: '/', expect: 'ok' }, { intervalMs: 20 });
    http.start();
    await sleep(60);
    expect((await http.stop()).every((r) => !r.ok && /lacks "ok"/.test(r.error ?? ''))).toBe(true);
    const tcp = new Prober({ address: '127.0.0.1', port }, { intervalMs: 20 });
    tcp.start();
    await sleep(60);
    expect((await tcp.stop()).every((r) => r.ok && r.status === undefined)).toBe(true);
  });
});
