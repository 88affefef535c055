/**
 * Control characters: no config file hactl writes, and no command line it builds, can
 * carry one inside a value (a newline adds a directive or a command, a NUL cuts short).
 */

/** C0 controls (tab and newline included), DEL, C1 controls, Unicode line and paragraph separators. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMES: Record<number, string> = { 0: 'NUL', 9: 'tab', 10: 'newline', 13: 'carriage return', 27: 'escape', 127: 'DEL' };

/**
 * Names the first control character of `s`, or undefined when it has none.
 * @example controlCharacterIn('a\nb') === 'a newline (U+000A)'
 */
export function controlCharacterIn(s: string): string | undefined {
  const m = CONTROL_CHARACTER.exec(s);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return NAMES[code] ? `a ${NAMES[code]} (${hex})` : `the control character ${hex}`;
}
