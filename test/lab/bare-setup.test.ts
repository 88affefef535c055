import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../../src/lab/paths.js';
import { ROOT } from './helpers.js';

// The README's set-up, proven on a bare Debian 12 root (debootstrap minbase: no sshd, no
// iproute2, no curl, none of the lab's tools) instead of on the machine the tests run on,
// which already has everything from earlier runs. test/lab/bare-setup.sh does the work in
// a throwaway overlay of a cached bare root, inside private mount and pid namespaces.
function missingCapability(): string | undefined {
  if (process.getuid?.() !== 0) return 'the bare-root set-up test needs root (chroot, overlay mounts)';
  const ns = spawnSync('unshare', ['--mount', '--pid', '--fork', 'true'], { stdio: 'pipe' });
  if (ns.status !== 0) return 'mount and pid namespaces are not available';
  const tool = spawnSync('sh', ['-c', 'command -v debootstrap'], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  if (tool.status !== 0) return 'debootstrap is not installed (scripts/setup.sh installs it)';
  return undefined;
}
const missing = missingCapability();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the bare-root set-up test: ${missing}`);

const PROMISED = ['openssh-server', 'debootstrap', 'dpkg-dev', 'qemu-system-x86', 'qemu-utils', 'iproute2', 'curl', 'psmisc'];

describe.skipIf(Boolean(missing))(`README set-up on a bare Debian 12 root${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('scripts/setup.sh installs what is missing, then the build and hactl --version work', () => {
    const started = Date.now();
    const r = spawnSync('bash', [join(ROOT, 'test/lab/bare-setup.sh'), ROOT, defaultCacheDir()], {
      encoding: 'utf8',
      timeout: 1_200_000,
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    const lines = out.split('\n');
    const marker = (prefix: string): string | undefined => lines.find((l) => l.startsWith(`BARE: ${prefix}`));
    console.log(
      `bare-root set-up: ${((Date.now() - started) / 1000).toFixed(1)} s\n${lines.filter((l) => /^(BARE|setup):/.test(l)).join('\n')}`,
    );
    expect(r.status, out).toBe(0);
    // the root really was bare: the packages setup.sh must install were not there
    expect(marker('before:'), out).toMatch(/openssh-server=(un|missing)|no packages found matching openssh-server/);
    expect(marker('setup exit'), out).toBe('BARE: setup exit 0');
    expect(out).toContain('setup: installing Debian packages:');
    expect(marker('version'), out).toMatch(/^BARE: version \d+\.\d+\.\d+/);
    expect(marker('second setup exit'), out).toBe('BARE: second setup exit 0');
    for (const p of PROMISED) expect(marker(`package ${p} `), out).toBe(`BARE: package ${p} ii `);
  });
});
