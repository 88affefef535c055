import { chalkStderr } from 'chalk';

/**
 * Ctrl-C once: abort the signal (the command winds down: restores, takes a move back);
 * twice: exit at once with 130. `first` and `twice` say what each means for the command.
 * @example const { signal, release } = interruptible('interrupted: restoring …', 'interrupted twice: exiting …');
 */
export function interruptible(first: string, twice: string): { signal: AbortSignal; release(): void } {
  const ac = new AbortController();
  const onInt = (): void => {
    if (ac.signal.aborted) {
      process.stderr.write(chalkStderr.red(`\n${twice}\n`));
      process.exit(130);
    }
    process.stderr.write(chalkStderr.yellow(`\n${first}\n`));
    ac.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: ac.signal, release: () => process.off('SIGINT', onInt) };
}
