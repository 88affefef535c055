/** Running commands for the bench: timed, with output kept, and plain OpenSSH to lab nodes. */
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, rmSync } from 'node:fs';

export interface Timed {
  code: number;
  stdout: string;
  stderr: string;
  /** wall time from spawn to exit, seconds */
  seconds: number;
  /** stdout lines with their arrival time (seconds since spawn), when asked for */
  lines?: Array<{ t: number; line: string }>;
}

export interface TimedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** a file fed to stdin (binary-safe; e.g. a tar stream) */
  inputFile?: string;
  timeoutMs?: number;
  /** keep every stdout line with its arrival time (a phase profile for free) */
  timeline?: boolean;
  /** append everything the command prints to this file */
  log?: string;
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The environment with the sbin dirs on PATH (ip, dpkg, apt-get live there). */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = [...new Set([...(process.env.PATH ?? '').split(':'), ...SBIN].filter(Boolean))].join(':');
  return { ...process.env, PATH: path, ...extra };
}

/** Runs a command to its end and measures its wall time (spawn → exit). Never throws for an exit code. */
export function timed(cmd: string, args: readonly string[], o: TimedOptions = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const fd = o.inputFile ? openSync(o.inputFile, 'r') : undefined;
    const child = spawn(cmd, args, {
      env: o.env ?? benchEnv(),
      cwd: o.cwd,
      stdio: [fd ?? (o.input === undefined ? 'ignore' : 'pipe'), 'pipe', 'pipe'],
      timeout: o.timeoutMs,
    });
    if (fd !== undefined) closeSync(fd);
    const log = o.log ? createWriteStream(o.log, { flags: 'a' }) : undefined;
    log?.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    let stdout = '';
    let stderr = '';
    let partial = '';
    const lines: Array<{ t: number; line: string }> = [];
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      log?.write(d);
      if (!o.timeline) return;
      const t = (performance.now() - t0) / 1000;
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) lines.push({ t, line });
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      log?.write(d);
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
    child.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      if (partial && o.timeline) lines.push({ t: seconds, line: partial });
      log?.end(`\n[exit ${code ?? signal} after ${seconds.toFixed(2)} s]\n`);
      resolve({ code: code ?? 128, stdout, stderr, seconds, lines: o.timeline ? lines : undefined });
    });
  });
}

/** Like {@link timed}, but a non-zero exit is an error showing the command's last output. */
export async function must(cmd: string, args: readonly string[], o: TimedOptions = {}): Promise<Timed> {
  const r = await timed(cmd, args, o);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.slice(0, 6).join(' ')} … failed (exit ${r.code})${o.log ? `; log: ${o.log}` : ''}\n${tail}`);
  }
  return r;
}

/** Maps over items with at most `limit` at once (results in input order). */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Plain OpenSSH to a lab node with the given ssh_config (strict host keys come from it). */
export function sshArgs(config: string, node: string, command: string, extra: string[] = []): string[] {
  return ['-F', config, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...extra, node, command];
}

export function ssh(config: string, node: string, command: string, o: TimedOptions = {}): Promise<Timed> {
  return timed('ssh', sshArgs(config, node, command), o);
}

export async function sshMust(config: string, node: string, command: string, o: TimedOptions = {}): Promise<Timed> {
  const r = await ssh(config, node, command, o);
  if (r.code !== 0)
    throw new Error(
      `ssh ${node} \`${command.split('\n')[0]!.slice(0, 80)}\` failed (exit ${r.code})\n${(r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n')}`,
    );
  return r;
}

/** The peak RSS (KiB) a hactl run recorded through the rss hook, if it did. */
export function readRss(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const kib = Number(readFileSync(file, 'utf8').trim());
  rmSync(file, { force: true });
  return Number.isFinite(kib) && kib > 0 ? kib : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Host load average (1, 5, 15 min). */
/** CPU time of the whole machine (all cores) from /proc/stat: busy and total jiffies. */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  // idle + iowait are not busy
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/**
 * The share of the machine's CPU (0..1, all cores) that others used while the bench did
 * nothing for `ms`: what the load average cannot tell apart from the bench's own runs.
 */
export async function idleBusy(ms = 3000): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/**
 * Waits (polling every 5 s, at most `maxMs`) until the 1-minute load average is at most
 * `limit`: what ran just before (the bench's own build, a test run) lifts it for a minute
 * or two after the machine went quiet. Returns the seconds waited.
 */
export async function waitForLoad(limit: number, maxMs: number, say: (s: string) => void): Promise<number> {
  const t0 = performance.now();
  let told = false;
  while (loadAverage()[0] > limit && performance.now() - t0 < maxMs) {
    if (!told) say(`waiting for the 1-minute load average (${loadAverage()[0]}) to fall to ${limit} (at most ${maxMs / 1000} s)`);
    told = true;
    await sleep(5000);
  }
  return Number(((performance.now() - t0) / 1000).toFixed(1));
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a, b, c];
}

/** Sectors written so far by the machine's whole disks (/proc/diskstats, partitions and virtual devices left out). */
function sectorsWritten(): number {
  let sum = 0;
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    const name = f[2] ?? '';
    if (!/^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|hd[a-z]+)$/.test(name)) continue;
    sum += Number(f[9] ?? 0);
  }
  return sum;
}

/**
 * Waits until the disk is quiet: `sync`, then until a second passes with under 2 MiB
 * written (at most `maxMs`). A fresh lab replaces the last one's files; their deletion
 * (with `discard` on this machine's ext4) and writeback stall the next run's dpkg fsyncs by
 * seconds, and whichever tool ran next paid for it. Returns the seconds waited.
 */
export async function diskSettle(maxMs = 60_000): Promise<number> {
  const t0 = performance.now();
  await timed('sync', []);
  let before = sectorsWritten();
  while (performance.now() - t0 < maxMs) {
    await sleep(1000);
    const now = sectorsWritten();
    if (now - before < 4096) break;
    before = now;
  }
  return (performance.now() - t0) / 1000;
}
