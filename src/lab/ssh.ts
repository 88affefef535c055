/**
 * SSH material for reaching the nodes with strict host key checking: the client key,
 * ssh_config (one Host block per node) and known_hosts (each node's real host key, by name
 * and by address, known before the node even boots).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LabFiles } from './paths.js';
import { must } from './proc.js';
import type { LabHost } from './state.js';

/** What the SSH files need of a node (namespace or VM lab). */
type SshNode = Pick<LabHost, 'name' | 'address'>;

/** Creates the client key pair once (kept across `lab down`/`up`); returns the public key line. */
export async function ensureClientKey(paths: Pick<LabFiles, 'identity'>): Promise<string> {
  if (!existsSync(paths.identity)) {
    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hactl-lab', '-f', paths.identity]);
  }
  return readFileSync(`${paths.identity}.pub`, 'utf8');
}

/** ssh_config(5) takes a path with spaces only in double quotes. */
const arg = (p: string): string => (/\s/.test(p) ? `"${p}"` : p);

/** ssh_config(5) for `ssh -F`: every option is scoped to the node blocks. */
export function sshConfigText(paths: Pick<LabFiles, 'identity' | 'knownHosts'>, nodes: readonly SshNode[]): string {
  const blocks = nodes.map((n) =>
    [
      `Host ${n.name} ${n.address}`,
      `  HostName ${n.address}`,
      '  User root',
      `  IdentityFile ${arg(paths.identity)}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${arg(paths.knownHosts)}`,
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  return `# written by \`hactl lab up\`\n\n${blocks.join('\n')}`;
}

/** known_hosts lines, "name,address key". */
export function knownHostsText(entries: ReadonlyArray<{ node: SshNode; key: string }>): string {
  return entries.map(({ node, key }) => `${node.name},${node.address} ${key}\n`).join('');
}

/** /etc/hosts of every node: all lab nodes by name. */
export function hostsText(nodes: readonly SshNode[]): string {
  return ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback', ...nodes.map((n) => `${n.address} ${n.name}`), ''].join('\n');
}

/** Writes ssh_config and known_hosts for `nodes` (with their host keys). */
export function writeSshFiles(
  paths: Pick<LabFiles, 'identity' | 'knownHosts' | 'sshConfig'>,
  entries: ReadonlyArray<{ node: SshNode; key: string }>,
): void {
  writeFileSync(
    paths.sshConfig,
    sshConfigText(
      paths,
      entries.map((e) => e.node),
    ),
    { mode: 0o644 },
  );
  writeFileSync(paths.knownHosts, knownHostsText(entries), { mode: 0o644 });
}
