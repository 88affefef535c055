import { Command, CommanderError } from 'commander';
import { HactlError, InputError } from '../core/errors.js';
import { hactlVersion } from '../core/version.js';
import { applyColour } from './colour.js';
import { registerCommands } from './commands/index.js';
import { jsonDocumentPrinted, printError, printJsonError } from './output.js';
import { offerPassphrasePrompt } from './passphrase.js';

/** Builds the commander program with the commands `args` name (all of them when none). */
export async function buildProgram(args: string[] = []): Promise<Command> {
  const program = new Command('hactl')
    .description('Build, extend, prove and watch highly-available Linux clusters over SSH.')
    .version(hactlVersion(), '-V, --version')
    .option('--debug', 'show stack traces and every command sent to the nodes')
    .option('--no-color', 'no colours on stdout or stderr (so does NO_COLOR=1; FORCE_COLOR=1 forces them off a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, args);
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok · 1 failure on a node (or could not check) · 2 bad input (inventory, arguments)
Environment: HACTL_INVENTORY=FILE stands in for -i FILE · NO_COLOR=1, FORCE_COLOR=1
Completion and manual: hactl completion bash|zsh · hactl man

Typical session:
  $ sudo hactl lab up                       # three practice nodes on this machine
  $ hactl inventory check -i /var/lib/hactl/lab/inventory.yaml
  $ hactl plan -i inventory.yaml playbooks/site.ts
  $ hactl run  -i inventory.yaml playbooks/site.ts`,
  );
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `hactl … | head` closes the pipe early: that is the reader's choice, not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  // before anything is printed: each stream's colour from its own TTY, NO_COLOR, FORCE_COLOR, --no-color
  applyColour(argv.slice(2));
  offerPassphrasePrompt();
  const program = await buildProgram(argv.slice(2));
  const debug = argv.includes('--debug');
  // a command run with --json prints one JSON document on stdout, on failure too
  const json = wantsJson(program, argv.slice(2));
  const failed = (err: unknown): void => {
    if (json && !jsonDocumentPrinted()) printJsonError(err);
  };
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its own message already; help/version exit 0
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      if (err.exitCode !== 0) failed(new InputError(err.message.replace(/^error: /, ''), { hint: 'run with --help for usage' }));
      return;
    }
    failed(err);
    if (err instanceof HactlError) {
      printError(err);
      if (debug && err.stack) process.stderr.write(err.stack + '\n');
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`hactl: internal error (this is a bug): ${(err as Error)?.message ?? String(err)}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = 1;
  }
}

/**
 * Whether the command named by `args` has a `--json` option and it was given (before a
 * `--`). The command is found by walking its name and its subcommands' names.
 * @example wantsJson(program, ['inventory', 'check', '-i', 'x.yaml', '--json']) // true
 */
export function wantsJson(program: Command, args: string[]): boolean {
  const end = args.indexOf('--');
  const own = end < 0 ? args : args.slice(0, end);
  if (!own.includes('--json')) return false;
  let cmd = program;
  for (const a of own) {
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (sub) cmd = sub;
  }
  return cmd !== program && cmd.options.some((o) => o.long === '--json');
}
