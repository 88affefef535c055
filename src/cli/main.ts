import { Command, CommanderError } from 'commander';
import { HactlError } from '../core/errors.js';
import { hactlVersion } from '../core/version.js';
import { applyColour } from './colour.js';
import { printError } from './output.js';
import { registerCommands } from './commands/index.js';

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
  const program = await buildProgram(argv.slice(2));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its own message already; help/version exit 0
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
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
