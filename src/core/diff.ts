import { createRequire } from 'node:module';

type Jsdiff = typeof import('diff');
let jsdiff: Jsdiff | undefined;

/**
 * jsdiff's `createTwoFilesPatch` with 3 lines of context, loaded on the first diff: jsdiff is
 * ~20 modules that a run with nothing to change (the no-op, drift of a clean node) never needs.
 */
export function twoFilesPatch(oldName: string, newName: string, oldText: string, newText: string): string {
  jsdiff ??= createRequire(import.meta.url)('diff') as Jsdiff;
  return jsdiff.createTwoFilesPatch(oldName, newName, oldText, newText, '', '', { context: 3 });
}
