/**
 * hactl(1), generated from the commander program: NAME, SYNOPSIS, DESCRIPTION, the global
 * OPTIONS, every COMMAND with its options, ENVIRONMENT and EXIT STATUS (the codes come
 * from src/core/errors.ts). `npm run man` writes man/hactl.1; `hactl man` prints it.
 */
import type { Command } from 'commander';
import { InputError, NodeError } from '../core/errors.js';
import { commandTree, type TreeOption } from './command-tree.js';
import { INVENTORY_ENV } from './options.js';

/** Text for a roff line: backslashes, hyphens and a leading dot or quote made literal. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

function optionItem(o: TreeOption): string {
  // "-i, --inventory <file>" → bold names, italic value
  const m = /^(.*?)(?:\s+([<[].*))?$/.exec(o.flags)!;
  const value = m[2] ? ` \\fI${roff(m[2])}\\fR` : '';
  return `.TP\n\\fB${roff(m[1]!)}\\fR${value}\n${roff(o.detail)}`;
}

const ENVIRONMENT: Array<[string, string]> = [
  [INVENTORY_ENV, 'the inventory file for every command that takes -i, when -i is not given.'],
  ['NO_COLOR', 'when set (to anything but an empty string), no colours on stdout or stderr (like --no-color).'],
  [
    'FORCE_COLOR',
    'FORCE_COLOR=1 (2, 3: more colours) colours output that is not a terminal; 0 or false: none. NO_COLOR and --no-color win over it.',
  ],
  ['HACTL_LOCK_DIR', 'where run locks are kept on this machine (default $XDG_RUNTIME_DIR/hactl, else ~/.cache/hactl/locks).'],
  ['HACTL_LAB_DIR', "the practice lab's state directory (default /var/lib/hactl/lab)."],
];

/**
 * The man page as roff, generated from `program` (build it with every command).
 * @example writeFileSync('man/hactl.1', manPage(await buildProgram(), '0.1.0'))
 */
export function manPage(program: Command, version: string): string {
  const tree = commandTree(program);
  const top = tree[0]!;
  const leaves = tree.filter((t) => t.path.length && !t.subcommands.length);
  const ok = 0;
  const node = new NodeError('').exitCode;
  const input = new InputError('').exitCode;
  return [
    `.TH HACTL 1 "" "hactl ${roff(version)}" "User Commands"`,
    '.SH NAME',
    `hactl \\- ${roff(top.description.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase()))}`,
    '.SH SYNOPSIS',
    '.B hactl',
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    roff(top.description),
    `Every command that reads an inventory takes \\fB\\-i\\fR \\fIfile\\fR, or the file named by \\fB${INVENTORY_ENV}\\fR.`,
    'Commands print one JSON document on stdout with \\fB\\-\\-json\\fR, on failure too.',
    'Shell completion: \\fBhactl completion bash\\fR or \\fBhactl completion zsh\\fR.',
    '.SH OPTIONS',
    ...top.options.map(optionItem),
    '.SH COMMANDS',
    ...leaves.flatMap((t) => [`.SS "${roff(t.usage.replace(/"/g, ''))}"`, roff(t.description), ...t.options.map(optionItem)]),
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.map(([name, text]) => `.TP\n.B ${name}\n${roff(text)}`),
    '.SH EXIT STATUS',
    `.TP\n.B ${ok}\nsuccess.`,
    `.TP\n.B ${node}\na failure on a node, or a node that could not be checked (unreachable, authentication, a validator refusing a file).`,
    `.TP\n.B ${input}\nbad input: the inventory, arguments or options (nothing was changed); ` +
      `\\fBdrift\\fR also exits ${input} when it found drift.`,
    '.SH SEE ALSO',
    '.BR ssh (1),',
    '.BR crm_mon (8),',
    '.BR drbdadm (8)',
    '',
  ].join('\n');
}
