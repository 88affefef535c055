/** Checks before touching the machine; each failure is one line and exit 2. */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { HOST_TOOLS } from './constants.js';
import { run, which } from './proc.js';

/** The lab creates namespaces, links and mounts: only root may. */
export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InputError('hactl lab needs root: run it as root or with sudo');
  }
}

/** Host tools the lab runs; missing ones are named with the package to install (`packages`: tool -> package). */
export function requireTools(
  tools: readonly string[] = Object.keys(HOST_TOOLS),
  packages: Readonly<Record<string, string>> = HOST_TOOLS,
): void {
  const missing = tools.filter((t) => !which(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => packages[t] ?? t))].join(' ');
    throw new InputError(`hactl lab needs ${missing.join(', ')} on this host: apt-get install ${pkgs}`);
  }
}

/**
 * Namespaces can be disabled by the kernel or forbidden to a container, even for root:
 * try the exact set of namespaces a node uses, once.
 */
export async function requireNamespaces(): Promise<void> {
  const kinds = ['net', 'pid', 'mnt', 'uts', 'ipc'];
  const missing = kinds.filter((k) => !existsSync(`/proc/self/ns/${k}`));
  let ok = missing.length === 0;
  if (ok) {
    try {
      const r = await run('unshare', ['--net', '--pid', '--mount', '--uts', '--ipc', '--fork', 'true'], { timeoutMs: 10_000 });
      ok = r.code === 0;
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new InputError('hactl lab needs Linux namespaces (net, pid, mount, uts, ipc), which this machine does not allow');
  }
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    throw new InputError('hactl lab needs overlayfs, which this kernel does not offer (modprobe overlay)');
  }
}

/** All checks of commands that change the lab. */
export async function preflight(tools?: readonly string[]): Promise<void> {
  requireRoot();
  requireTools(tools);
  await requireNamespaces();
}
