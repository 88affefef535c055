/**
 * The VM lab's disk image, built once and cached under the cache dir, keyed by a hash of
 * its package lists and of the scripts that shape it: debootstrap (kernel, systemd, sshd),
 * the HA stack installed from a flat repo of its closure (kept beside the image and served
 * to the VMs), lab-assets/vm-image-setup.sh, then `mkfs.ext4 -d` into a raw ext4 image
 * that every VM's qcow2 overlay uses read-only as its backing file.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { NodeError } from '../../core/errors.js';
import { ensureHostLists } from '../apt.js';
import { LAB_SUITE } from '../constants.js';
import { type LabListener, step } from '../events.js';
import { hashOf, removeStaleTmp, removeTree, umountUnder } from '../fsutil.js';
import { labAsset } from '../paths.js';
import { attempt, hostEnv, must } from '../proc.js';
import { fillRepo } from '../repo.js';
import { debootstrap } from '../rootfs.js';
import { VM_BASE_PACKAGES, VM_IMAGE_PACKAGES, VM_NET, VM_ROOT_SIZE } from './constants.js';

/** Bump when the build steps change in a way the hashed inputs do not show. */
const IMAGE_FORMAT = 1;
const MARKER = '.hactl-vmimage';
const ASSETS = ['vm-image-setup.sh', 'vm-identity.sh'];

/** The files of a built image. */
export interface VmImage {
  dir: string;
  /** raw ext4 root file system (backing file of every VM's overlay) */
  root: string;
  kernel: string;
  initrd: string;
  /** flat apt repo of the HA stack's closure, served to the VMs */
  repo: string;
}

/** The files of the image in `dir` (as recorded in a VM lab's state). */
export function imageFiles(dir: string): VmImage {
  return { dir, root: join(dir, 'root.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), repo: join(dir, 'repo') };
}

/** Where the image is cached (it may not exist yet): the key covers packages and build scripts. */
export function vmImageDir(cacheDir: string): string {
  const assets = ASSETS.map((a) =>
    createHash('sha256')
      .update(readFileSync(labAsset(a)))
      .digest('hex'),
  );
  const key = hashOf({
    suite: LAB_SUITE,
    base: [...VM_BASE_PACKAGES].sort(),
    ha: [...VM_IMAGE_PACKAGES].sort(),
    repo: VM_NET.repoUrl,
    size: VM_ROOT_SIZE,
    assets,
    format: IMAGE_FORMAT,
  });
  return join(cacheDir, `vmimage-${LAB_SUITE}-${key}`);
}

/** Returns the cached image, building it first when needed (cold: ~3-4 min). */
export async function ensureVmImage(cacheDir: string, emit?: LabListener): Promise<VmImage> {
  const dir = vmImageDir(cacheDir);
  if (existsSync(join(dir, MARKER))) {
    emit?.({ phase: 'done', step: 'VM image', cached: true });
    return imageFiles(dir);
  }
  mkdirSync(cacheDir, { recursive: true });
  await removeStaleTmp(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    await step(emit, 'VM image (cold build)', () => build(tmp, `${dir}.log`, emit), true);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  }
  publish(tmp, dir);
  return imageFiles(dir);
}

async function build(tmp: string, log: string, emit?: LabListener): Promise<void> {
  const root = join(tmp, 'root');
  const img = imageFiles(tmp);
  await ensureHostLists(LAB_SUITE, emit);
  await step(
    emit,
    `debootstrap ${LAB_SUITE} (VM image: kernel, systemd, sshd)`,
    () => debootstrap(root, log, { suite: LAB_SUITE, packages: VM_BASE_PACKAGES }),
    true,
  );
  // the closure is computed against the fresh root, so the repo holds exactly what it lacks
  await fillRepo(
    img.repo,
    root,
    VM_IMAGE_PACKAGES,
    `VM image: download the HA stack (${VM_IMAGE_PACKAGES.length} packages + dependencies)`,
    emit,
  );
  await step(emit, 'VM image: install the HA stack', () => installFromRepo(root, img.repo), true);
  await step(emit, 'VM image: configure', () =>
    must('bash', [labAsset('vm-image-setup.sh'), root, VM_NET.repoUrl, labAsset('vm-identity.sh')]),
  );
  await step(emit, 'VM image: mkfs.ext4', () => makeImage(root, img), true);
  await removeTree(root);
  writeFileSync(join(tmp, MARKER), JSON.stringify({ base: VM_BASE_PACKAGES, ha: VM_IMAGE_PACKAGES }) + '\n');
}

/**
 * apt-get inside the root, from the repo bind-mounted into it: a real resolver (debootstrap
 * --include trips over virtual packages), no DNS and no mirror needed in the chroot.
 * policy-rc.d 101 keeps daemons from starting on the build host.
 */
async function installFromRepo(root: string, repo: string): Promise<void> {
  const mnt = join(root, 'mnt/hactl-repo');
  const list = join(root, 'etc/apt/hactl-build.list');
  const policy = join(root, 'usr/sbin/policy-rc.d');
  mkdirSync(mnt, { recursive: true });
  writeFileSync(list, 'deb [trusted=yes] file:/mnt/hactl-repo ./\n');
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  const apt = ['-q', '-o', 'Dir::Etc::SourceList=/etc/apt/hactl-build.list', '-o', 'Dir::Etc::SourceParts=/nonexistent'];
  const env = hostEnv({ DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8' });
  try {
    await must('mount', ['--bind', repo, mnt]);
    await must('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
    await must('chroot', [root, 'apt-get', ...apt, 'update'], { env });
    await must('chroot', [root, 'apt-get', ...apt, '-y', '--no-install-recommends', 'install', ...VM_IMAGE_PACKAGES], { env });
    await attempt('chroot', [root, 'apt-get', 'clean']);
  } finally {
    await umountUnder(join(root, 'proc'));
    await umountUnder(mnt);
    rmSync(list, { force: true });
    rmSync(policy, { force: true });
  }
}

/** The root as a sparse raw ext4 image, plus the kernel and initrd beside it for -kernel boot. */
async function makeImage(root: string, img: VmImage): Promise<void> {
  const boot = readdirSync(join(root, 'boot'));
  const kernel = boot.find((f) => f.startsWith('vmlinuz-'));
  const initrd = boot.find((f) => f.startsWith('initrd.img-'));
  if (!kernel || !initrd) throw new NodeError(`the VM image has no kernel or initrd in ${join(root, 'boot')}`);
  copyFileSync(join(root, 'boot', kernel), img.kernel);
  copyFileSync(join(root, 'boot', initrd), img.initrd);
  writeFileSync(img.root, '');
  truncateSync(img.root, sizeBytes(VM_ROOT_SIZE));
  await must('mkfs.ext4', ['-q', '-F', '-L', 'hactl-root', '-d', root, img.root]);
  // only ever a read-only backing file: a write would corrupt every VM's overlay
  chmodSync(img.root, 0o444);
}

function sizeBytes(size: string): number {
  const m = /^(\d+)([KMG])$/.exec(size);
  if (!m) throw new NodeError(`bad image size ${size}`);
  return Number(m[1]) * 1024 ** ({ K: 1, M: 2, G: 3 } as const)[m[2] as 'K' | 'M' | 'G'];
}

/** Renames the finished image into place; if another hactl won the race, keep theirs. */
function publish(tmp: string, dir: string): void {
  try {
    renameSync(tmp, dir);
  } catch (err) {
    if (!existsSync(join(dir, MARKER))) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
}
