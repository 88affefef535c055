/**
 * On a terminal with no ssh-agent, an encrypted key file's passphrase is asked once per
 * run (the transport asks through this prompt; it never touches the TTY itself).
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { setPassphrasePrompt } from '../transport/ssh-auth.js';

/** Reads one line from the terminal without echoing it. */
function askHidden(question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let muted = false;
    const output = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (!muted) process.stderr.write(chunk);
        cb();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      resolve(undefined);
    });
    muted = true;
  });
}

/** Offers the prompt when stdin and stderr are a terminal and no agent is set (one question at a time). */
export function offerPassphrasePrompt(): void {
  if (!process.stdin.isTTY || !process.stderr.isTTY || process.env.SSH_AUTH_SOCK) return;
  let queue: Promise<unknown> = Promise.resolve();
  setPassphrasePrompt((file) => {
    const asked = queue.then(() => askHidden(`Enter passphrase for key '${file}': `));
    queue = asked;
    return asked;
  });
}
