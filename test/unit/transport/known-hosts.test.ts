import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  hostKeyAlgorithms,
  type KnownHostsSource,
  knownKeyTypes,
} from '../../../src/transport/known-hosts.js';
import { hostKeyRefusal, type SshTarget } from '../../../src/transport/ssh.js';
import { resolveSshConfig } from '../../../src/transport/ssh-config.js';

const blobOf = (type: string, key: string): Buffer =>
  Buffer.concat([Buffer.from([0, 0, 0, type.length]), Buffer.from(type), Buffer.from([0, 0, 0, key.length]), Buffer.from(key)]);
const ed1 = blobOf('ssh-ed25519', 'KEY1');
const ed2 = blobOf('ssh-ed25519', 'KEY2');
const ecdsa = blobOf('ecdsa-sha2-nistp256', 'KEY3');
const b64 = (b: Buffer): string => b.toString('base64');
const user = (text: string): KnownHostsSource[] => [{ file: '/home/me/.ssh/known_hosts', text }];
const hashed = (name: string): string => {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};
const target: SshTarget = { name: 'master', host: '10.77.0.11', port: 22, user: 'root', identities: [], knownHosts: '/kh', become: false };

describe('known_hosts: host patterns as OpenSSH', () => {
  it.each([
    ['master,10.77.0.11', '10.77.0.11', true],
    ['MASTER', 'master', true],
    ['*.lab', 'web.lab', true],
    ['web?.lab', 'web1.lab', true],
    ['web?.lab', 'web10.lab', false],
    ['*.lab,!db.lab', 'db.lab', false],
    ['!db.lab,*.lab', 'db.lab', false],
    ['!db.lab', 'web.lab', false],
    ['[127.0.0.1]:2222', '[127.0.0.1]:2222', true],
    ['127.0.0.1', '[127.0.0.1]:2222', false],
    ['[10.77.0.*]:2222', '[10.77.0.5]:2222', true],
    [hashed('master'), 'master', true],
    [hashed('[127.0.0.1]:2222'), '[127.0.0.1]:2222', true],
    [hashed('master'), 'slave', false],
  ])('%s vs %s → %s', (field, name, want) => {
    expect(hostFieldMatches(field, name)).toBe(want);
  });
});

describe('known_hosts: verdicts', () => {
  it('an exact key matches, wherever it is listed (user or system file)', () => {
    expect(checkHostKey(user(`# c\nmaster ssh-ed25519 ${b64(ed1)}\n`), ['master'], ed1)).toEqual({
      status: 'match',
      at: '/home/me/.ssh/known_hosts:2',
    });
    const sys: KnownHostsSource[] = [
      { file: '/kh', text: '' },
      { file: '/etc/ssh/ssh_known_hosts', text: `master ssh-ed25519 ${b64(ed1)}\n` },
    ];
    expect(checkHostKey(sys, ['master'], ed1)).toEqual({ status: 'match', at: '/etc/ssh/ssh_known_hosts:1' });
    expect(checkHostKey(user(''), ['master'], ed1)).toEqual({ status: 'unknown' });
  });
  it('@revoked wins even when the key is also listed plainly (in any file)', () => {
    const sources: KnownHostsSource[] = [
      { file: '/kh', text: `master ssh-ed25519 ${b64(ed1)}\n` },
      { file: '/etc/ssh/ssh_known_hosts', text: `\n@revoked * ssh-ed25519 ${b64(ed1)}\n` },
    ];
    expect(checkHostKey(sources, ['master'], ed1)).toEqual({ status: 'revoked', at: '/etc/ssh/ssh_known_hosts:2' });
    // revoking another key, or for another host, does not touch this one
    expect(checkHostKey(user(`@revoked master ssh-ed25519 ${b64(ed2)}\nmaster ssh-ed25519 ${b64(ed1)}\n`), ['master'], ed1).status).toBe(
      'match',
    );
    expect(checkHostKey(user(`@revoked slave ssh-ed25519 ${b64(ed1)}\nmaster ssh-ed25519 ${b64(ed1)}\n`), ['master'], ed1).status).toBe(
      'match',
    );
  });
  it('another key of the same type is a change, naming the line', () => {
    expect(checkHostKey(user(`master ssh-ed25519 ${b64(ed2)}\n`), ['master'], ed1)).toEqual({
      status: 'changed',
      at: '/home/me/.ssh/known_hosts:1',
      type: 'ssh-ed25519',
    });
  });
  it('any known key binds the host: a key of another type is a change too', () => {
    expect(checkHostKey(user(`master ecdsa-sha2-nistp256 ${b64(ecdsa)}\n`), ['master'], ed1)).toEqual({
      status: 'changed',
      at: '/home/me/.ssh/known_hosts:1',
      type: 'ecdsa-sha2-nistp256',
    });
    // ... but a host known with both types accepts either
    expect(checkHostKey(user(`master ecdsa-sha2-nistp256 ${b64(ecdsa)}\nmaster ssh-ed25519 ${b64(ed1)}\n`), ['master'], ed1).status).toBe(
      'match',
    );
  });
  it('a negated pattern keeps a line from binding the host', () => {
    expect(checkHostKey(user(`*.lab,!master.lab ssh-ed25519 ${b64(ed2)}\n`), ['master.lab'], ed1).status).toBe('unknown');
    expect(checkHostKey(user(`*.lab,!master.lab ssh-ed25519 ${b64(ed2)}\n`), ['slave.lab'], ed1).status).toBe('changed');
  });
  it('@cert-authority: a CA key is never a plain host key; a CA-only host needs a certificate', () => {
    const text = `@cert-authority *.lab ssh-ed25519 ${b64(ed1)}\n`;
    expect(checkHostKey(user(text), ['master.lab'], ed1)).toEqual({ status: 'needs-certificate', at: '/home/me/.ssh/known_hosts:1' });
    expect(checkHostKey(user(text), ['other.example'], ed1).status).toBe('unknown');
    const cert = blobOf('ssh-ed25519-cert-v01@openssh.com', 'CERT');
    expect(checkHostKey(user(text), ['master.lab'], cert)).toEqual({ status: 'certificate', at: '/home/me/.ssh/known_hosts:1' });
  });
  it('unknown markers and malformed lines are skipped', () => {
    expect(checkHostKey(user(`@bogus master ssh-ed25519 ${b64(ed2)}\nmaster ssh-ed25519\n`), ['master'], ed1).status).toBe('unknown');
  });
  it('fingerprints like OpenSSH (SHA256, unpadded base64)', () => {
    expect(fingerprint(ed1)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('known_hosts: what the client offers and says', () => {
  it('offers the known key types first', () => {
    const types = knownKeyTypes(user(`master ecdsa-sha2-nistp256 ${b64(ecdsa)}\n@revoked * ssh-rsa AAAA\nslave ssh-rsa AAAA\n`), [
      'master',
    ]);
    expect(types).toEqual(['ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithms(['ssh-rsa'], ['ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa'])).toEqual(['rsa-sha2-512', 'ssh-rsa', 'ssh-ed25519']);
  });
  it('refusals name the file:line and how to remove the entry; accept-new only for an unknown host', () => {
    const changed = hostKeyRefusal(target, { status: 'changed', at: '/kh:4', type: 'ecdsa-sha2-nistp256' }, ed1, true)!;
    expect(changed.message).toMatch(/host key for 10.77.0.11 has CHANGED \(known: a ecdsa-sha2-nistp256 key; now a ssh-ed25519 key\)/);
    expect(changed.details.location).toBe('/kh:4');
    expect(changed.details.hint).toContain(`ssh-keygen -R '10.77.0.11' -f /kh`);
    const revoked = hostKeyRefusal(target, { status: 'revoked', at: '/etc/ssh/ssh_known_hosts:2' }, ed1, true)!;
    expect(revoked.message).toMatch(/REVOKED/);
    expect(revoked.details.location).toBe('/etc/ssh/ssh_known_hosts:2');
    expect(hostKeyRefusal(target, { status: 'needs-certificate', at: '/kh:1' }, ed1, true)!.message).toMatch(/host certificate/);
    expect(hostKeyRefusal(target, { status: 'unknown' }, ed1, false)!.message).toMatch(/unknown host key/);
    expect(hostKeyRefusal(target, { status: 'unknown' }, ed1, true)).toBeUndefined();
    expect(hostKeyRefusal(target, { status: 'match', at: '/kh:1' }, ed1, false)).toBeUndefined();
  });
  it('ssh_config: every UserKnownHostsFile and GlobalKnownHostsFile', () => {
    const r = resolveSshConfig('Host *\n  UserKnownHostsFile /a /b\n  GlobalKnownHostsFile none\n', 'x');
    expect(r.userKnownHostsFiles).toEqual(['/a', '/b']);
    expect(r.userKnownHostsFile).toBe('/a');
    expect(r.globalKnownHostsFiles).toEqual([]);
  });
});
