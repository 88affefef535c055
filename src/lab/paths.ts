/** Where the lab keeps its files: the state dir (per lab) and the cache (per machine). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeError } from '../core/errors.js';

/** Default state dir: $HACTL_LAB_DIR, else /var/lib/hactl/lab. */
export function defaultStateDir(): string {
  return resolve(process.env.HACTL_LAB_DIR || '/var/lib/hactl/lab');
}

/** Default cache of node roots and apt repos: $HACTL_CACHE_DIR, else /var/cache/hactl. */
export function defaultCacheDir(): string {
  return resolve(process.env.HACTL_CACHE_DIR || '/var/cache/hactl');
}

/** Every file the lab writes into its state dir. */
export interface LabPaths {
  stateDir: string;
  state: string;
  /** client private key, authorised as root on every node; `.pub` beside it */
  identity: string;
  sshConfig: string;
  knownHosts: string;
  inventory: string;
  /** /etc/hosts given to every node */
  hosts: string;
  repoLog: string;
  /** debs published into this lab (`hactl lab publish`), served beside the cached repo */
  repoExtra: string;
  nodesDir: string;
  /** one node's dir: upper/ and work/ (its disk), root/ (overlay mount point), console.log */
  node(name: string): { dir: string; upper: string; work: string; root: string; console: string };
}

/** Paths of the lab whose state dir is `stateDir` (default: {@link defaultStateDir}). */
export function labPaths(stateDir: string = defaultStateDir()): LabPaths {
  const dir = resolve(stateDir);
  const nodesDir = join(dir, 'nodes');
  return {
    stateDir: dir,
    state: join(dir, 'state.json'),
    identity: join(dir, 'id_ed25519'),
    sshConfig: join(dir, 'ssh_config'),
    knownHosts: join(dir, 'known_hosts'),
    inventory: join(dir, 'inventory.yaml'),
    hosts: join(dir, 'hosts'),
    repoLog: join(dir, 'repo-server.log'),
    repoExtra: join(dir, 'repo-extra'),
    nodesDir,
    node(name: string) {
      const d = join(nodesDir, name);
      return { dir: d, upper: join(d, 'upper'), work: join(d, 'work'), root: join(d, 'root'), console: join(d, 'console.log') };
    },
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

/** The shell script that becomes PID 1 of every node. */
export function nodeInitScript(): string {
  return join(packageRoot(), 'lab-assets', 'node-init.sh');
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
