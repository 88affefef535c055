/**
 * Static HTTP server for the lab's flat apt repository, so nodes need no python on the
 * host. Started by hactl inside the lab netns (see repo.ts):
 *   node repo-server.js --bind 10.77.0.1 --port 8080 --dir /var/cache/hactl/repo-… [--extra STATE/repo-extra]
 * Only GET/HEAD of plain files directly below --dir (or --extra, which wins); anything
 * else is 404/405. `Packages` is --dir's index followed by --extra's (the lab's published
 * debs, `hactl lab publish`), read at each request.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) {
    process.stderr.write(`repo-server: missing --${name}\n`);
    process.exit(2);
  }
  return v;
}

const dir = arg('dir');
const bind = arg('bind', '127.0.0.1');
const port = Number(arg('port', '8080'));
const extra = process.argv.includes('--extra') ? arg('extra') : undefined;

/** Where a served file is: --extra first (published debs), then --dir. */
function locate(name: string): string {
  const e = extra ? join(extra, name) : undefined;
  return e && existsSync(e) && name !== 'Packages' ? e : join(dir, name);
}

/** The index: the cached repo's, then the published debs' (apt keeps the highest version). */
function packagesIndex(): Buffer {
  const base = readFileSync(join(dir, 'Packages'));
  const more = extra && existsSync(join(extra, 'Packages')) ? readFileSync(join(extra, 'Packages')) : Buffer.alloc(0);
  return more.length ? Buffer.concat([base, Buffer.from(base.length && !base.toString().endsWith('\n\n') ? '\n' : ''), more]) : base;
}

const server = createServer((req, res) => {
  const started = Date.now();
  const done = (code: number): void => {
    process.stdout.write(`${new Date().toISOString()} ${req.method} ${req.url} ${code} ${Date.now() - started}ms\n`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return done(405);
  }
  // a flat repo has no subdirectories: strip any path so nothing outside --dir is served
  let name = '';
  let size: number;
  try {
    name = basename(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
    const st = statSync(locate(name));
    if (!st.isFile() || name.startsWith('.')) throw new Error('not a file');
    size = st.size;
  } catch {
    res.writeHead(404, { 'content-length': 0 }).end();
    return done(404);
  }
  const type = name.endsWith('.deb') ? 'application/vnd.debian.binary-package' : 'text/plain';
  const index = name === 'Packages' && extra ? packagesIndex() : undefined;
  res.writeHead(200, { 'content-length': index ? index.length : size, 'content-type': type });
  if (req.method === 'HEAD') {
    res.end();
    return done(200);
  }
  if (index) {
    res.end(index);
    return done(200);
  }
  createReadStream(locate(name))
    .on('error', () => res.destroy())
    .pipe(res)
    .on('finish', () => done(200));
});

server.listen(port, bind, () => process.stdout.write(`repo-server: serving ${dir} on http://${bind}:${port}\n`));
server.on('error', (err) => {
  process.stderr.write(`repo-server: ${err.message}\n`);
  process.exit(1);
});
// apt keeps connections alive, so waiting for server.close() could hang: just go
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
