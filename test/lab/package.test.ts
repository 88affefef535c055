import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// The package as a user gets it: `npm pack` on a checkout without dist/ (prepack must
// build it), the tarball installed into a throwaway prefix from the npm registry, and the
// installed `hactl` run from a directory that is not the repository. Needs no root, only
// the registry (for the dependencies); it sits with the slow tests because it builds and
// installs (~30 s).
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

describe('the npm package', () => {
  let work: string;
  let packed: Packed;
  let hactl: string;
  let elsewhere: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'hactl-pack-'));
    // a clean checkout: the files git knows (tracked, or new and not ignored), no dist/;
    // node_modules is the repository's (the dev dependencies prepack needs)
    const checkout = join(work, 'checkout');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile());
    for (const f of files) {
      mkdirSync(dirname(join(checkout, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(checkout, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    expect(existsSync(join(checkout, 'dist'))).toBe(false);

    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: checkout, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
    console.log(
      `npm pack: ${packed.filename} ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.files.length} files`,
    );

    const prefix = join(work, 'prefix');
    const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', join(work, packed.filename)], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    const du = spawnSync('du', ['-sk', join(prefix, 'node_modules')], { encoding: 'utf8' }).stdout.split('\t')[0];
    console.log(`npm install --prefix: ${(Number(du) / 1024).toFixed(1)} MiB in node_modules, dependencies included`);
    hactl = join(prefix, 'node_modules', '.bin', 'hactl');
    elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(hactl, args, { cwd: elsewhere, encoding: 'utf8', env: { ...process.env, ...env } });

  it('ships the built CLI, the runtime files, LICENSE and CHANGELOG, and no source maps or bench build', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of [
      'bin/hactl',
      'dist/src/cli/main.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/playbooks/bootstrap.js',
      'templates',
      'inventory/lab.yaml',
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'package.json',
    ]) {
      expect(
        paths.some((x) => x === p || x.startsWith(`${p}/`)),
        p,
      ).toBe(true);
    }
    expect(paths.filter((p) => p.endsWith('.map') || p.startsWith('dist/bench') || p.startsWith('test/') || p.startsWith('src/'))).toEqual(
      [],
    );
  });

  it('the installed hactl --version prints its own version, not the npm project it runs in', () => {
    const r = run(['--version'], { npm_package_version: '9.9.9' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('the installed hactl checks an example inventory from another directory', () => {
    const r = run(['inventory', 'check', '-i', join(ROOT, 'inventory/example-pacemaker-drbd-kvm.yaml')], { NO_COLOR: '1' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/inventory .*example-pacemaker-drbd-kvm\.yaml is valid/);
  });
});
