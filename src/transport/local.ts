import { spawn } from 'node:child_process';
import { quote } from '../core/shell.js';
import type { Connection, ExecOptions, ExecResult, Held } from './types.js';

/**
 * Runs commands on this machine through `sh -c`. For unit tests and for the orchestrator's
 * own side (probes from the host), never for nodes.
 *
 * @example
 *   const c = new LocalConnection('local');
 *   await c.exec('uname -n'); // { code: 0, stdout: 'myhost\n', stderr: '' }
 */
export class LocalConnection implements Connection {
  constructor(readonly host: string = 'local') {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs)
        : undefined;
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code: timedOut ? 124 : (code ?? 1),
        });
      });
      child.stdin.on('error', () => undefined); // command may not read its stdin
      child.stdin.end(options.stdin ?? '');
    });
  }

  async put(content: string | Buffer, path: string): Promise<void> {
    const r = await this.exec(`cat > ${quote(path)}`, { stdin: content });
    if (r.code !== 0) throw new Error(`cannot write ${path}: ${r.stderr.trim()}`);
  }

  async get(path: string): Promise<Buffer> {
    const r = await this.exec(`base64 -w0 < ${quote(path)}`);
    if (r.code !== 0) throw new Error(`cannot read ${path}: ${r.stderr.trim()}`);
    return Buffer.from(r.stdout, 'base64');
  }

  /** A long-lived `sh -c` (ends with its stdin, or when the caller ends it). */
  hold(command: string): Promise<Held> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let settled = false;
      let done: (r: { code: number; output: string }) => void = () => undefined;
      const exited = new Promise<{ code: number; output: string }>((res) => (done = res));
      const held = (first: string): Held => ({ first, exited, write: (l) => void child.stdin.write(l), end: () => void child.stdin.end() });
      child.stdin.on('error', () => undefined);
      child.on('error', reject);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        const nl = out.indexOf('\n');
        if (!settled && nl >= 0) {
          settled = true;
          resolve(held(out.slice(0, nl)));
          out = out.slice(nl + 1);
        }
      });
      child.stderr.on('data', (b: Buffer) => void (out += b.toString('utf8')));
      child.on('close', (code) => {
        done({ code: code ?? 1, output: out });
        if (!settled) {
          settled = true;
          resolve(held(''));
        }
      });
    });
  }

  async close(): Promise<void> {}
}
