/**
 * The flags commands share, offered by one helper each so every command spells, defaults
 * and checks them alike (test/unit/cli/flags.test.ts walks the tree and holds them to it):
 * a command asks only for the flags it honours.
 */
import { type Command, Option } from 'commander';
import { InputError } from '../core/errors.js';
import { type ClusterModel, canonicalRole, type Role } from '../inventory/model.js';

/** The environment variable that stands in for `-i FILE`. */
export const INVENTORY_ENV = 'HACTL_INVENTORY';

/**
 * `-i, --inventory <file>`, defaulting to `$HACTL_INVENTORY`; with neither, the command
 * stops before its action with an input error (exit 2) naming both.
 * @example addInventoryOption(program.command('smoke')).action((o) => loadInventory(o.inventory))
 */
export function addInventoryOption(cmd: Command): Command {
  cmd.addOption(new Option('-i, --inventory <file>', 'inventory YAML file').env(INVENTORY_ENV));
  cmd.hook('preAction', (_self, action) => {
    if (action.opts().inventory === undefined || action.opts().inventory === '') {
      throw new InputError(`no inventory: give -i FILE or set ${INVENTORY_ENV}`, {
        hint: `e.g. export ${INVENTORY_ENV}=/etc/hactl/web.yaml`,
      });
    }
  });
  return cmd;
}

/** Which shared flags a command honours (a flag it would ignore is not offered). */
export interface NodeFlags {
  /** `-l, --limit <nodes>`: names, roles and globs (see {@link resolveLimit}) */
  limit?: boolean;
  /** `-f, --forks <n>` with this help text (hosts worked on in parallel) */
  forks?: string | boolean;
  /** `--json` with this help text */
  json?: string | boolean;
  /** `-q, --quiet` with this help text */
  quiet?: string;
  /** `--connect-timeout <seconds>`: its default (seconds), or a text saying where it comes from */
  connectTimeout?: string | { derived: string };
  /** `--accept-new-hostkeys` (default true: every command that opens SSH connections) */
  hostkeys?: boolean;
  /** false: the command checks --forks and --connect-timeout itself (default: before its action) */
  checkEarly?: boolean;
}

/** The SSH connect timeout ssh2 gets when a command does not say (src/transport/ssh.ts). */
export const DEFAULT_CONNECT_TIMEOUT = '15';

/**
 * `-i` plus the shared flags a command that talks to nodes honours, with their checks
 * (a preAction hook: a bad value is an input error before any node is contacted).
 * @example addNodeFlags(program.command('smoke'), { json: true, quiet: 'print nothing when every check passes' })
 */
export function addNodeFlags(cmd: Command, f: NodeFlags): Command {
  addInventoryOption(cmd);
  if (f.limit)
    cmd.option('-l, --limit <nodes>', 'only these nodes: comma-separated names, roles (master, slave, promoted…) or globs (web*)');
  if (f.forks) cmd.option('-f, --forks <n>', typeof f.forks === 'string' ? f.forks : 'hosts worked on in parallel', '10');
  if (f.json) cmd.option('--json', typeof f.json === 'string' ? f.json : 'print a machine-readable summary on stdout (progress is silent)');
  if (f.quiet) cmd.option('-q, --quiet', f.quiet);
  const ct = f.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  if (typeof ct === 'string') cmd.option('--connect-timeout <seconds>', 'SSH connect timeout per node', ct);
  else cmd.option('--connect-timeout <seconds>', `SSH connect timeout per node (default: ${ct.derived})`);
  if (f.hostkeys !== false)
    cmd.option('--accept-new-hostkeys', 'record unknown SSH host keys (like OpenSSH accept-new); changed keys are still refused');
  if (f.checkEarly === false) return cmd;
  cmd.hook('preAction', (_self, action) => {
    const o = action.opts();
    if (o.forks !== undefined) wholeNumber(o.forks, '--forks');
    if (o.connectTimeout !== undefined) connectTimeoutMs(o);
  });
  return cmd;
}

function wholeNumber(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag} must be a whole number ≥ 1, got "${String(v)}"`);
  return n;
}

/** `--connect-timeout` in milliseconds (undefined when the command derives its own). */
export function connectTimeoutMs(o: { connectTimeout?: string }): number | undefined {
  if (o.connectTimeout === undefined) return undefined;
  const n = Number(o.connectTimeout);
  if (!Number.isFinite(n) || n <= 0)
    throw new InputError(`--connect-timeout must be a positive number of seconds, got "${o.connectTimeout}"`);
  return n * 1000;
}

const GLOB = /[*?[]/;

function globRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) re += ch === '*' ? '.*' : ch === '?' ? '.' : /[\\^$.|+(){}]/.test(ch) ? `\\${ch}` : ch;
  return new RegExp(`^${re}$`);
}

/**
 * `--limit` to node names: each comma-separated item is a node name, a role (every node
 * with it) or a glob over names (`web*`, `node[12]`); an item that selects nothing is an
 * input error naming the nodes and roles there are. Undefined: no limit.
 * @example resolveLimit(cluster, 'master,web*') // ['master', 'web1', 'web2']
 */
export function resolveLimit(cluster: Pick<ClusterModel, 'nodes'>, spec: string | undefined): string[] | undefined {
  const items =
    spec
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  if (!items.length) return undefined;
  const picked = new Set<string>();
  const none: string[] = [];
  for (const item of items) {
    const match = cluster.nodes.filter(
      (n) => n.name === item || n.role === canonicalRole(item as Role) || (GLOB.test(item) && globRegExp(item).test(n.name)),
    );
    if (!match.length) none.push(item);
    for (const n of match) picked.add(n.name);
  }
  if (none.length) {
    const roles = [...new Set(cluster.nodes.map((n) => n.role))];
    throw new InputError(`--limit selects no node with ${none.map((s) => `"${s}"`).join(', ')}`, {
      hint:
        `nodes are ${cluster.nodes.map((n) => n.name).join(', ')}; roles ${roles.join(', ')}; ` +
        `globs like ${cluster.nodes[0]?.name.slice(0, 1) ?? 'w'}* match names`,
    });
  }
  // in inventory order, as the run goes
  return cluster.nodes.map((n) => n.name).filter((n) => picked.has(n));
}
