import { quote } from '../core/shell.js';
import { noop, type TaskDef, type TaskPlan } from './types.js';

export interface CommandOptions {
  /** skip when this path exists on the node */
  creates?: string;
  /** skip when this command exits 0 on the node */
  unless?: string;
  /** run only when this command exits 0 on the node */
  onlyIf?: string;
  stdin?: string | Buffer;
  /** a short name for progress output instead of the command line */
  name?: string;
}

/** The guards' outcomes, read from the node before deciding. */
export interface CommandGuards {
  createsExists?: boolean;
  unlessOk?: boolean;
  onlyIfOk?: boolean;
}

/**
 * Runs a command unless a guard says it is done already.
 *
 * @example
 *   planCommand('drbdadm create-md r0', { creates: '/var/lib/hactl/r0.md' }, { createsExists: true })
 *   // { changed: false, reason: '/var/lib/hactl/r0.md exists', steps: [] }
 */
export function planCommand(command: string, o: CommandOptions, g: CommandGuards): TaskPlan {
  if (o.creates && g.createsExists) return noop(`${o.creates} exists`);
  if (o.unless && g.unlessOk) return noop(`\`${o.unless}\` succeeded`);
  if (o.onlyIf && g.onlyIfOk === false) return noop(`\`${o.onlyIf}\` failed`);
  return { changed: true, reason: o.name ?? command, steps: [{ command, stdin: o.stdin, label: o.name }] };
}

/** The shell test behind `creates`. */
const existsProbe = (path: string): string => `[ -e ${quote(path)} ]`;

/** The command task: runs `command` unless its guard (creates / unless / onlyIf, read as probes) says it is done. */
export const commandTask: TaskDef<CommandOptions & { command: string }> = {
  name: (o) => o.name ?? `command ${o.command.split('\n')[0]!.slice(0, 60)}`,
  facts: (o) => ({
    probes: [o.creates && existsProbe(o.creates), o.unless, o.onlyIf].filter((x): x is string => Boolean(x)),
  }),
  plan: (f, o) =>
    planCommand(o.command, o, {
      createsExists: o.creates ? f.probe(existsProbe(o.creates)) : undefined,
      unlessOk: o.unless ? f.probe(o.unless) : undefined,
      onlyIfOk: o.onlyIf ? f.probe(o.onlyIf) : undefined,
    }),
};
