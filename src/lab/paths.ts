/**
 * Where both kinds of lab keep their files: the files every state dir holds, the cache (per
 * machine) and this installation's lab assets. Each kind adds its own (`ns/paths.ts`: the
 * nodes' dirs; `vm/paths.ts`: the VMs' disks).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeError } from '../core/errors.js';

/** Default cache of node roots and apt repos: $HACTL_CACHE_DIR, else /var/cache/hactl. */
export function defaultCacheDir(): string {
  return resolve(process.env.HACTL_CACHE_DIR || '/var/cache/hactl');
}

/** The files every lab keeps in its state dir, whatever its kind. */
export interface LabFiles {
  stateDir: string;
  state: string;
  /** client private key, authorised as root on every node; `.pub` beside it */
  identity: string;
  sshConfig: string;
  knownHosts: string;
  inventory: string;
  repoLog: string;
  /** debs published into this lab (`hactl lab publish`), served beside its cached repo */
  repoExtra: string;
}

/** The files of the lab (of either kind) whose state dir is `stateDir`. */
export function labFiles(stateDir: string): LabFiles {
  const dir = resolve(stateDir);
  return {
    stateDir: dir,
    state: join(dir, 'state.json'),
    identity: join(dir, 'id_ed25519'),
    sshConfig: join(dir, 'ssh_config'),
    knownHosts: join(dir, 'known_hosts'),
    inventory: join(dir, 'inventory.yaml'),
    repoLog: join(dir, 'repo-server.log'),
    repoExtra: join(dir, 'repo-extra'),
  };
}

const here = dirname(fileURLToPath(import.meta.url));

/** The package root (holds lab-assets/), found from this module in src/ or dist/src/. */
function packageRoot(): string {
  for (let d = here; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'lab-assets', 'node-init.sh'))) return d;
  }
  throw new NodeError('cannot find lab-assets/node-init.sh next to the hactl installation');
}

/** A file under lab-assets/ of this installation (shell scripts the lab runs or installs). */
export function labAsset(name: string): string {
  return join(packageRoot(), 'lab-assets', name);
}

/**
 * The compiled repo server. Under a TypeScript runner this module is a .ts file, and
 * node cannot run the .ts sibling, so fall back to the build output.
 */
export function repoServerScript(): string {
  const sibling = join(here, 'repo-server.js');
  if (existsSync(sibling)) return sibling;
  const built = join(packageRoot(), 'dist', 'src', 'lab', 'repo-server.js');
  if (existsSync(built)) return built;
  throw new NodeError('the lab repo server is not built', { hint: 'run `npm run build` first' });
}
