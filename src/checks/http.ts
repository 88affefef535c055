import { request } from 'node:http';
import { Socket } from 'node:net';

export interface ProbeResult {
  ok: boolean;
  ms: number;
  status?: number;
  body?: string;
  error?: string;
}

/** One HTTP GET (or a bare TCP connect when `path` is undefined), bounded by `timeoutMs`. */
export function probe(address: string, port: number, path: string | undefined, timeoutMs: number): Promise<ProbeResult> {
  const t0 = performance.now();
  const done = (r: Omit<ProbeResult, 'ms'>): ProbeResult => ({ ...r, ms: Math.round(performance.now() - t0) });
  if (path === undefined) {
    return new Promise((resolve) => {
      const s = new Socket();
      const finish = (r: Omit<ProbeResult, 'ms'>) => {
        s.destroy();
        resolve(done(r));
      };
      s.setTimeout(timeoutMs, () => finish({ ok: false, error: 'timeout' }));
      s.once('error', (e) => finish({ ok: false, error: e.message }));
      s.connect(port, address, () => finish({ ok: true }));
    });
  }
  return new Promise((resolve) => {
    // node refuses a path it cannot send (a space, a non-ASCII character) by throwing: a
    // failed probe with the reason, not a crash (the inventory refuses such paths already)
    let req: ReturnType<typeof request>;
    try {
      req = request(
        { host: address, port, path, method: 'GET', timeout: timeoutMs, agent: false, headers: { connection: 'close' } },
        onResponse,
      );
    } catch (err) {
      resolve(done({ ok: false, error: (err as Error).message }));
      return;
    }
    function onResponse(res: import('node:http').IncomingMessage): void {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on('end', () => resolve(done({ ok: (res.statusCode ?? 0) < 500, status: res.statusCode, body })));
      res.on('error', (e) => resolve(done({ ok: false, error: e.message })));
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(done({ ok: false, error: e.message })));
    req.end();
  });
}
