import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real OpenSSH server on 127.0.0.1 with a throwaway host key and client key. */
export interface TestSshd {
  dir: string;
  port: number;
  clientKey: string;
  hostKeyLine: string;
  knownHosts: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Why real-SSH tests cannot run here, or undefined when they can. */
export function sshdMissing(): string | undefined {
  try {
    execFileSync('/usr/sbin/sshd', ['-V'], { stdio: 'pipe' });
  } catch (e) {
    const out = String((e as { stderr?: Buffer }).stderr ?? '');
    if (!/OpenSSH/.test(out)) return 'OpenSSH server (/usr/sbin/sshd) is not installed: apt-get install openssh-server';
  }
  if (process.getuid?.() !== 0) return 'sshd tests run as root (they log in as the current user with a test key)';
  return undefined;
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-sshd-'));
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 20',
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const until = Date.now() + 10_000;
  for (;;) {
    if (log.includes('Server listening')) break;
    if (child.exitCode !== null || Date.now() > until) throw new Error(`sshd did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const pub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ');
  const hostKeyLine = `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}`;
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, hostKeyLine + '\n');
  return {
    dir,
    port,
    clientKey: join(dir, 'client_key'),
    hostKeyLine,
    knownHosts,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
