/** Running host commands (argv arrays, never shell strings) and tracking processes by pid. */
import { type StdioOptions, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NodeError } from '../core/errors.js';

const found = new Map<string, string | undefined>();

/** Finds an executable on PATH plus the sbin dirs, which a sudo or cron PATH may lack. */
export function which(tool: string): string | undefined {
  if (found.has(tool)) return found.get(tool);
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  let hit: string | undefined;
  for (const d of dirs.filter(Boolean)) {
    try {
      accessSync(join(d, tool), constants.X_OK);
      hit = join(d, tool);
      break;
    } catch {
      /* next dir */
    }
  }
  found.set(tool, hit);
  return hit;
}

/** The host environment with the sbin dirs on PATH (debootstrap, ip and dpkg need them). */
export function hostEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = [
    ...new Set(
      [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter(
        Boolean,
      ),
    ),
  ];
  return { ...process.env, PATH: path.join(delimiter), ...extra };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** 'inherit' hands the terminal to the command (interactive use); output is then empty */
  stdio?: 'pipe' | 'inherit';
  input?: string;
  timeoutMs?: number;
}

/** Runs a command and resolves with its exit code and output; rejects only if it cannot start. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const inherit = opts.stdio === 'inherit';
    const stdio: StdioOptions = inherit ? 'inherit' : [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
    const bin = cmd.includes('/') ? cmd : (which(cmd) ?? cmd);
    const child = spawn(bin, args, { env: opts.env ?? hostEnv(), cwd: opts.cwd, stdio, timeout: opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.on('error', (err) => reject(new NodeError(`cannot run ${cmd}: ${err.message}`, {}, { cause: err })));
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** Runs a command that must succeed; a failure becomes a NodeError carrying its stderr. */
export async function must(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new NodeError(`command failed (exit ${r.code}): ${[cmd, ...args].join(' ')}`, {
      output: (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n'),
    });
  }
  return r.stdout;
}

/** Like {@link must} for cleanup: failures (usually "does not exist") are ignored. */
export async function attempt(cmd: string, args: readonly string[]): Promise<boolean> {
  try {
    return (await run(cmd, args)).code === 0;
  } catch {
    return false;
  }
}

/**
 * Starts a long-lived process detached from hactl (own session, output to a log file),
 * so it outlives the CLI. Returns its pid.
 */
export function spawnDetached(cmd: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): number {
  const fd = openSync(logFile, 'a');
  try {
    const bin = cmd.includes('/') ? cmd : (which(cmd) ?? cmd);
    const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? hostEnv() });
    if (child.pid === undefined) throw new NodeError(`cannot start ${cmd}`);
    child.on('error', () => undefined); // reported through the missing pid / readiness checks
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** A process the lab started: the pid plus its start time, so a recycled pid is never killed. */
export interface ProcRef {
  pid: number;
  start: number;
}

function stat(pid: number): { state: string; ppid: number; start: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: parse after the last ')'
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', ppid: Number(rest[1]), start: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** The ProcRef of a running pid, or undefined if there is no such process. */
export function procRef(pid: number): ProcRef | undefined {
  const s = stat(pid);
  return s ? { pid, start: s.start } : undefined;
}

/** True while the very process `ref` names runs. Zombies count as gone: they only await reaping by their parent. */
export function isAlive(ref: ProcRef | undefined): boolean {
  if (!ref) return false;
  const s = stat(ref.pid);
  return !!s && s.start === ref.start && s.state !== 'Z' && s.state !== 'X';
}

/** Direct children of a pid (needs CONFIG_PROC_CHILDREN, present on Debian kernels). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `stepMs` until it returns a value or `timeoutMs` passes. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  stepMs = 50,
): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= end) return undefined;
    await sleep(stepMs);
  }
}

/** SIGKILLs `ref` if it is still the process we started, and waits until it is gone. */
export async function killAndWait(ref: ProcRef | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!ref || !isAlive(ref)) return;
  try {
    process.kill(ref.pid, signal);
  } catch {
    return;
  }
  await waitFor(() => (isAlive(ref) ? undefined : true), 5000);
}
