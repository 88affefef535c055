import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';
import { hactlVersion, packageJsonPath } from '../../../src/core/version.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('hactl --version', () => {
  const saved = process.env.npm_package_version;
  afterEach(() => {
    if (saved === undefined) delete process.env.npm_package_version;
    else process.env.npm_package_version = saved;
  });

  it("is hactl's own package.json version, whatever npm project it runs in", async () => {
    process.env.npm_package_version = '9.9.9';
    expect(hactlVersion()).toBe(own.version);
    const program = await buildProgram(['--version']);
    let out = '';
    program.configureOutput({ writeOut: (s) => void (out += s) });
    await expect(program.parseAsync(['node', 'hactl', '--version'])).rejects.toMatchObject({ code: 'commander.version' });
    expect(out.trim()).toBe(own.version);
  });

  it("finds the nearest package.json named hactl, skipping another project's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-version-'));
    try {
      mkdirSync(join(dir, 'hactl/dist/src/core'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{"name":"hactl","version":"1.2.3"}');
      writeFileSync(join(dir, 'hactl/package.json'), '{"name":"someone-elses","version":"9.9.9"}');
      writeFileSync(join(dir, 'hactl/dist/src/core/package.json'), 'not json');
      expect(packageJsonPath(join(dir, 'hactl/dist/src/core/version.js'))).toBe(join(dir, 'package.json'));
      expect(packageJsonPath(join(ROOT, 'src/core/version.ts'))).toBe(join(ROOT, 'package.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
