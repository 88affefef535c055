/**
 * `hactl completion bash|zsh` and `hactl man`: a shell completion script and the man page,
 * both generated from the full command tree (every command module registered), so a new
 * command or flag shows up in them without touching this file.
 */
import { Argument, type Command } from 'commander';
import { hactlVersion } from '../../core/version.js';
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { manPage } from '../man.js';

/** The program with every command, not only the one on this command line. */
async function fullProgram(): Promise<Command> {
  const { buildProgram } = await import('../main.js');
  return buildProgram([]);
}

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, options, option values)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      `
Install:
  $ hactl completion bash | sudo tee /etc/bash_completion.d/hactl    # or in ~/.bashrc: source <(hactl completion bash)
  $ hactl completion zsh > "\${fpath[1]}/_hactl"                      # or in ~/.zshrc after compinit: source <(hactl completion zsh)`,
    )
    .action(async (shell: Shell) => {
      process.stdout.write(completionScript(await fullProgram(), shell));
    });
  program
    .command('man')
    .description('print the hactl(1) man page (roff), generated from the commands')
    .addHelpText('after', '\nExamples:\n  $ hactl man | man -l -\n  $ hactl man | sudo tee /usr/local/share/man/man1/hactl.1')
    .action(async () => {
      process.stdout.write(manPage(await fullProgram(), hactlVersion()));
    });
}
