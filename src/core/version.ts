import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * hactl's own package.json: the nearest one named `hactl` above this module (src/core in
 * tests, dist/src/core when built and installed). Never `npm_package_version`, which is
 * whatever npm project the user happens to run hactl from.
 */
export function packageJsonPath(from: string = fileURLToPath(import.meta.url)): string | undefined {
  for (let d = dirname(from); d !== dirname(d); d = dirname(d)) {
    const file = join(d, 'package.json');
    if (!existsSync(file)) continue;
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'hactl') return file;
    } catch {
      // an unreadable package.json on the way up is not ours
    }
  }
  return undefined;
}

let cached: string | undefined;

/**
 * The version of this hactl installation, from its package.json ("0.0.0-unknown" when the
 * file cannot be found, which only a broken installation does).
 * @example process.stdout.write(`hactl ${hactlVersion()}\n`);
 */
export function hactlVersion(): string {
  if (cached === undefined) {
    const file = packageJsonPath();
    const v = file ? (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version : undefined;
    cached = typeof v === 'string' ? v : '0.0.0-unknown';
  }
  return cached;
}
