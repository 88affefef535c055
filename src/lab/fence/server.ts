/**
 * The lab's fence device: a small TCP service on the lab network that powers lab nodes
 * off and on, the way fence_virtd does for VMs. Pacemaker (fence_lab agent) and Heartbeat
 * (the same script as a cluster-glue external plugin) on the nodes ask it to fence a peer.
 * Started detached by `hactl lab fence up`:
 *   node server.js --state-dir DIR --bind 10.77.N.2 --port 1229 --key-file DIR/fence.key
 * Requests run one at a time (a node is never booted and killed at once).
 */

import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { boot, labStatus, poweroff } from '../ns/ops.js';
import { type FenceRequest, fenceAnswer, parseFenceRequest } from './protocol.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) {
    process.stderr.write(`fence-server: missing --${name}\n`);
    process.exit(2);
  }
  return v;
}

const stateDir = arg('state-dir');
const bind = arg('bind');
const port = Number(arg('port'));
const key = Buffer.from(readFileSync(arg('key-file'), 'utf8').trim());
const log = (m: string): void => void process.stdout.write(`${new Date().toISOString()} ${m}\n`);

let queue: Promise<unknown> = Promise.resolve();
/** One operation at a time, in arrival order. */
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const p = queue.then(fn, fn);
  queue = p.catch(() => undefined);
  return p;
}

async function isOn(node: string): Promise<boolean | undefined> {
  const s = await labStatus({ stateDir });
  const n = s.nodes.find((x) => x.name === node);
  return n ? n.running : undefined;
}

async function perform(r: FenceRequest): Promise<string> {
  const opts = { stateDir };
  if (r.action === 'monitor') return 'device ok';
  if (r.action === 'list') return (await labStatus(opts)).nodes.map((n) => n.name).join(' ');
  const node = r.node!;
  const on = await isOn(node);
  if (on === undefined) throw new Error(`no lab node "${node}"`);
  if (r.action === 'status') return on ? 'on' : 'off';
  if (r.action === 'off' || r.action === 'reboot') await poweroff(node, opts);
  // reboot: answered once the node is off (what fencing guarantees); it boots after that
  if (r.action === 'reboot') void serial(() => boot(node, opts)).catch((e: Error) => log(`boot ${node} after reboot failed: ${e.message}`));
  if (r.action === 'on') await boot(node, opts);
  return r.action === 'on' ? 'on' : 'off';
}

function authorised(k: string): boolean {
  const b = Buffer.from(k);
  return b.length === key.length && timingSafeEqual(b, key);
}

function handle(sock: Socket): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.setTimeout(10_000, () => sock.destroy());
  sock.on('error', () => undefined);
  sock.on('data', (d: string) => {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl < 0) {
      if (buf.length > 1024) sock.end(fenceAnswer(false, 'request too long'));
      return;
    }
    sock.removeAllListeners('data');
    sock.setTimeout(0);
    const req = parseFenceRequest(buf.slice(0, nl));
    const from = sock.remoteAddress ?? '?';
    if (typeof req === 'string') return void sock.end(fenceAnswer(false, req));
    if (!authorised(req.key)) {
      log(`${from}: refused ${req.action} ${req.node ?? ''}: wrong key`);
      return void sock.end(fenceAnswer(false, 'wrong key'));
    }
    const t0 = Date.now();
    serial(() => perform(req)).then(
      (text) => {
        if (req.action !== 'monitor') log(`${from}: ${req.action} ${req.node ?? ''} -> ${text} (${Date.now() - t0} ms)`);
        sock.end(fenceAnswer(true, text));
      },
      (e: Error) => {
        log(`${from}: ${req.action} ${req.node ?? ''} failed: ${e.message}`);
        sock.end(fenceAnswer(false, e.message));
      },
    );
  });
}

createServer(handle).listen(port, bind, () => log(`lab fence device for ${stateDir} listening on ${bind}:${port}`));
