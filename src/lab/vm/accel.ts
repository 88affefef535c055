/**
 * KVM or TCG. A /dev/kvm that opens is not enough: on some hosts it is a paravirtual KVM
 * (kvm_pvm) that runs a stock Debian kernel ~1000x slower than TCG. So a short probe boots
 * the image's kernel without a root under KVM: a usable KVM reaches the "unable to mount
 * root" panic within a second or two (TCG: ~2.5 s), a useless one not within the timeout.
 * The verdict is cached per host kernel, qemu and image.
 */
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { LabListener } from '../events.js';
import { hashOf } from '../fsutil.js';
import { run } from '../proc.js';
import type { VmImage } from './image.js';

export type Accel = 'kvm' | 'tcg';

/** How long the KVM probe may take before KVM counts as unusable. */
const PROBE_MS = 10_000;

/** qemu arguments selecting the accelerator (TCG: one thread, a big translation cache). */
export function accelArgs(accel: Accel): string[] {
  return accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=single,tb-size=256', '-cpu', 'max,la57=off'];
}

/**
 * The accelerator for this machine: $HACTL_VM_ACCEL (kvm|tcg) if set, TCG without a
 * usable /dev/kvm, else the (cached) probe's verdict. Reports the choice as an event.
 */
export async function chooseAccel(image: VmImage, cacheDir: string, emit?: LabListener): Promise<Accel> {
  const forced = process.env.HACTL_VM_ACCEL;
  if (forced) {
    if (forced !== 'kvm' && forced !== 'tcg') throw new InputError(`HACTL_VM_ACCEL must be kvm or tcg, not "${forced}"`);
    emit?.({ phase: 'info', step: `accelerator: ${forced} (HACTL_VM_ACCEL)` });
    return forced;
  }
  if (!kvmOpens()) {
    emit?.({ phase: 'info', step: 'accelerator: tcg (no usable /dev/kvm)' });
    return 'tcg';
  }
  const file = join(cacheDir, 'vm-accel.json');
  const key = hashOf({ kernel: release(), qemu: await qemuVersion(), image: basename(image.dir) });
  const cached = readCache(file, key);
  if (cached) {
    emit?.({ phase: 'info', step: `accelerator: ${cached} (probed earlier)` });
    return cached;
  }
  const t0 = performance.now();
  const accel: Accel = (await kvmBoots(image)) ? 'kvm' : 'tcg';
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(file, JSON.stringify({ key, accel }) + '\n');
  emit?.({
    phase: 'done',
    step: `KVM probe: ${accel === 'kvm' ? 'KVM works' : 'KVM cannot boot a stock kernel here (fails or too slow), using TCG'}`,
    seconds,
  });
  return accel;
}

function kvmOpens(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function qemuVersion(): Promise<string> {
  const r = await run('qemu-system-x86_64', ['--version']);
  return r.stdout.split('\n')[0] ?? '';
}

function readCache(file: string, key: string): Accel | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; accel?: Accel };
    return c.key === key && (c.accel === 'kvm' || c.accel === 'tcg') ? c.accel : undefined;
  } catch {
    return undefined;
  }
}

/** Boots the kernel without a root under KVM; true when it gets to the expected panic in time. */
async function kvmBoots(image: VmImage): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-kvm-probe-'));
  const log = join(dir, 'serial.log');
  try {
    await run(
      'qemu-system-x86_64',
      [
        ...accelArgs('kvm'),
        '-m',
        '256',
        '-nodefaults',
        '-no-user-config',
        '-display',
        'none',
        '-no-reboot',
        '-serial',
        `file:${log}`,
        '-kernel',
        image.kernel,
        '-append',
        'console=ttyS0 panic=-1',
      ],
      { timeoutMs: PROBE_MS },
    );
    const out = existsSync(log) ? readFileSync(log, 'utf8') : '';
    return /VFS: Unable to mount root|Kernel panic/.test(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
