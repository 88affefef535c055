/**
 * Packages published into a running lab's apt repo (`hactl lab publish`): copied into the
 * lab's `repo-extra/` dir and indexed the way the lab indexes its cached repo
 * (`dpkg-scanpackages -m`); the repo server appends that index to the cached one, so nodes
 * see them at their next `apt-get update`. The cached repo, shared by every lab, is never
 * written. Also builds the lab's canary package (`--canary VERSION`), a tiny
 * architecture-independent deb made with `dpkg-deb --build`, no network: something real
 * for `hactl rolling-upgrade` to upgrade.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputError, NodeError } from '../core/errors.js';
import { defaultStateDir } from './ns/paths.js';
import { labFiles } from './paths.js';
import { must } from './proc.js';
import { readStateFile } from './state.js';

/** The lab's canary package: installed on the nodes by tests, then upgraded. */
export const CANARY_PACKAGE = 'hactl-lab-canary';

/**
 * The canary's control file (pure).
 * @example canaryControl('1.1') // 'Package: hactl-lab-canary\nVersion: 1.1\n…'
 */
export function canaryControl(version: string): string {
  if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(version))
    throw new InputError(`--canary: "${version}" is not a Debian version (digits first, then letters, digits, . + ~ -)`);
  return [
    `Package: ${CANARY_PACKAGE}`,
    `Version: ${version}`,
    'Architecture: all',
    'Maintainer: hactl lab <lab@hactl.invalid>',
    'Priority: optional',
    'Section: misc',
    `Description: hactl lab canary ${version}`,
    ' A package with one file, for rolling upgrades in the lab.',
    '',
  ].join('\n');
}

/** Builds `hactl-lab-canary_VERSION_all.deb` in `outDir`; returns its path. */
export async function buildCanary(version: string, outDir: string): Promise<string> {
  const control = canaryControl(version);
  const root = mkdtempSync(join(tmpdir(), 'hactl-canary-'));
  try {
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr/share', CANARY_PACKAGE), { recursive: true });
    writeFileSync(join(root, 'DEBIAN/control'), control);
    writeFileSync(join(root, 'usr/share', CANARY_PACKAGE, 'VERSION'), `${version}\n`);
    const out = join(outDir, `${CANARY_PACKAGE}_${version}_all.deb`);
    await must('dpkg-deb', ['--root-owner-group', '--build', root, out]);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface PublishResult {
  /** the debs now in the lab's published dir */
  debs: string[];
  dir: string;
}

/**
 * Publishes debs (and, with `canary`, a freshly built canary of that version) into the
 * lab whose state dir is `stateDir`.
 * @example await publish({ stateDir: '/tmp/lab', canary: '1.1' }) // { debs: ['hactl-lab-canary_1.1_all.deb'], … }
 */
export async function publish(o: { stateDir?: string; files?: string[]; canary?: string }): Promise<PublishResult> {
  // either lab kind: both serve <state-dir>/repo-extra/ beside their cached repo
  const paths = labFiles(o.stateDir ?? defaultStateDir());
  const state = readStateFile(paths.state);
  if (!state) throw new NodeError(`no lab in ${paths.stateDir}`, { hint: 'start one with `hactl lab up` (or `hactl lab up --vm`)' });
  const files = o.files ?? [];
  for (const f of files) if (!f.endsWith('.deb')) throw new InputError(`${f}: not a .deb`);
  if (!files.length && !o.canary) throw new InputError('nothing to publish: name FILE.deb or --canary VERSION');
  const dir = paths.repoExtra;
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(f, join(dir, basename(f)));
  if (o.canary) await buildCanary(o.canary, dir);
  // -m: every version stays listed (a node may still need the older one)
  writeFileSync(join(dir, 'Packages'), await must('dpkg-scanpackages', ['-m', '.', '/dev/null'], { cwd: dir }));
  return {
    dir,
    debs: readdirSync(dir)
      .filter((f) => f.endsWith('.deb'))
      .sort(),
  };
}
