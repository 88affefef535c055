import { chalkStderr } from 'chalk';
import { formatError, HactlError } from '../core/errors.js';
import { mask } from '../core/secret.js';

/** One clear message on stderr, secrets masked, no stack trace. */
export function printError(err: HactlError): void {
  const text = mask(formatError(err));
  const [first, ...rest] = text.split('\n');
  process.stderr.write(`${chalkStderr.red('error')} ${first}\n${rest.length ? rest.join('\n') + '\n' : ''}`);
}

/** Writes JSON to stdout (secrets are Secret objects and serialise as ***). */
export function printJson(value: unknown): void {
  process.stdout.write(mask(JSON.stringify(value, null, 2)) + '\n');
}
