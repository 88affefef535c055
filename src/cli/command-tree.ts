/**
 * The commander program as plain data, for the generated shell completion and man page
 * (and the flag-consistency test): every command with its path, options and arguments.
 */
import type { Command, Help, Option } from 'commander';

export interface TreeOption {
  /** every spelling: ['-i', '--inventory'] */
  names: string[];
  flags: string;
  description: string;
  /** the description with commander's notes: (choices: …, default: …, env: …) */
  detail: string;
  takesValue: boolean;
  choices?: readonly string[];
  defaultValue?: unknown;
  env?: string;
  negate: boolean;
}

export interface TreeCommand {
  /** [] for the program, ['inventory', 'check'] for a subcommand */
  path: string[];
  command: Command;
  description: string;
  usage: string;
  options: TreeOption[];
  /** the subcommands' names (none for a leaf) */
  subcommands: string[];
  /** the first argument's choices, if it has any (e.g. `completion bash|zsh`) */
  argumentChoices?: readonly string[];
}

function option(o: Option, help: Help): TreeOption {
  return {
    detail: help.optionDescription(o),
    names: [o.short, o.long].filter((n): n is string => Boolean(n)),
    flags: o.flags,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
    defaultValue: o.defaultValue,
    env: o.envVar,
    negate: o.negate,
  };
}

/** The program and every command under it, parents before children. Hidden commands are left out. */
export function commandTree(program: Command): TreeCommand[] {
  const out: TreeCommand[] = [];
  const visit = (cmd: Command, path: string[]): void => {
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    const help = cmd.createHelp();
    out.push({
      path,
      command: cmd,
      description: cmd.description(),
      usage: help.commandUsage(cmd),
      options: [
        ...cmd.options.filter((o) => !o.hidden).map((o) => option(o, help)),
        {
          names: ['-h', '--help'],
          flags: '-h, --help',
          description: 'display help for command',
          detail: 'display help for command',
          takesValue: false,
          negate: false,
        },
      ],
      subcommands: subs.map((c) => c.name()),
      argumentChoices: cmd.registeredArguments[0]?.argChoices,
    });
    for (const c of subs) visit(c, [...path, c.name()]);
  };
  visit(program, []);
  return out;
}
