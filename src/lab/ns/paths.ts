/** Where the namespace lab keeps its files: the state dir's shared files, /etc/hosts for the nodes and each node's dir. */
import { join, resolve } from 'node:path';
import { type LabFiles, labAsset, labFiles } from '../paths.js';

/** Default state dir: $HACTL_LAB_DIR, else /var/lib/hactl/lab. */
export function defaultStateDir(): string {
  return resolve(process.env.HACTL_LAB_DIR || '/var/lib/hactl/lab');
}

/** Every file the namespace lab writes into its state dir. */
export interface LabPaths extends LabFiles {
  /** /etc/hosts given to every node */
  hosts: string;
  nodesDir: string;
  /** one node's dir: upper/ and work/ (its disk), root/ (overlay mount point), console.log */
  node(name: string): { dir: string; upper: string; work: string; root: string; console: string };
}

/** Paths of the lab whose state dir is `stateDir` (default: {@link defaultStateDir}). */
export function labPaths(stateDir: string = defaultStateDir()): LabPaths {
  const files = labFiles(stateDir);
  const nodesDir = join(files.stateDir, 'nodes');
  return {
    ...files,
    hosts: join(files.stateDir, 'hosts'),
    nodesDir,
    node(name: string) {
      const d = join(nodesDir, name);
      return { dir: d, upper: join(d, 'upper'), work: join(d, 'work'), root: join(d, 'root'), console: join(d, 'console.log') };
    },
  };
}

/** The shell script that becomes PID 1 of every node. */
export function nodeInitScript(): string {
  return labAsset('node-init.sh');
}
