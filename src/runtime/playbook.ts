import type { ClusterModel } from '../inventory/model.js';
import type { HostGroup } from './group.js';
import type { HostContext } from './host.js';

export type Handler = (h: HostContext) => Promise<void>;

/**
 * What a playbook's body receives. Nothing is global: everything comes through here.
 * `H`: the names of the playbook's handlers (what its tasks may `notify`).
 */
export interface PlaybookContext<H extends string = string> {
  cluster: ClusterModel;
  /** every selected host (after --limit); `.role('master')`, `.only('slave')`, `.all(fn)` */
  hosts: HostGroup<H>;
  check: boolean;
  /** command-line options passed through to the playbook (e.g. `--set key=value`) */
  options: Record<string, unknown>;
  log(message: string): void;
  warn(message: string): void;
}

export interface Playbook<H extends string = string> {
  name: string;
  description?: string;
  /** run once per host at the end of a phase, when a task notified them */
  handlers?: Record<H, Handler>;
  run(ctx: PlaybookContext<H>): Promise<void>;
}

/**
 * Declares a playbook: imperative TypeScript, read top to bottom like a howto. The names of
 * its `handlers` are the only ones its tasks may `notify` (checked by the compiler: without
 * handlers, nothing may be notified).
 *
 * @example
 *   export default definePlaybook('motd', async ({ hosts, cluster }) => {
 *     await hosts.all(async (h) => {
 *       await h.file('/etc/motd', { content: `member of ${cluster.name}\n` });
 *     });
 *   });
 */
export function definePlaybook<H extends string = never>(
  name: string,
  run: (ctx: PlaybookContext<H>) => Promise<void>,
  extra: { description?: string; handlers?: Record<H, Handler> } = {},
): Playbook<H> {
  return { name, run, ...extra };
}

export function isPlaybook(v: unknown): v is Playbook {
  return typeof v === 'object' && v !== null && typeof (v as Playbook).run === 'function' && typeof (v as Playbook).name === 'string';
}
