/**
 * Colour per stream: stdout's colour follows stdout, stderr's follows stderr, so
 * `hactl … 2>err.txt` on a terminal keeps colours on screen and none in the file.
 * `chalk` paints what goes to stdout, `chalkStderr` what goes to stderr.
 *
 * Precedence, first match wins:
 *   `--no-color` → none; `NO_COLOR` set and not empty (https://no-color.org) → none;
 *   `FORCE_COLOR` (`0`/`false` → none, empty/`true` → basic, `1`–`3` → that level);
 *   the stream is not a terminal → none; else what chalk detected for the terminal.
 * listr2 (colorette) reads NO_COLOR and `--no-color` itself and only draws on a terminal.
 */
import chalk, { type ColorSupportLevel, chalkStderr, supportsColor, supportsColorStderr } from 'chalk';

export { chalk, chalkStderr };

export interface ColourInput {
  env: NodeJS.ProcessEnv;
  /** `--no-color` was given */
  noColorFlag: boolean;
  isTTY: boolean;
  /** chalk's own detection for this stream's terminal (TERM, COLORTERM, CI …) */
  detected: ColorSupportLevel;
}

/**
 * The colour level for one stream.
 * @example colourLevel({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, noColorFlag: false, isTTY: true, detected: 3 }) // 0
 */
export function colourLevel(i: ColourInput): ColorSupportLevel {
  if (i.noColorFlag) return 0;
  if (i.env.NO_COLOR) return 0;
  const force = i.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === 'true') return 1;
    if (force === 'false') return 0;
    const n = Number.parseInt(force, 10);
    return Number.isNaN(n) ? 1 : (Math.max(0, Math.min(n, 3)) as ColorSupportLevel);
  }
  if (!i.isTTY) return 0;
  return i.detected;
}

/** `--no-color` among the arguments (before a `--` that ends the options). */
export function hasNoColorFlag(argv: string[]): boolean {
  const end = argv.indexOf('--');
  const at = argv.indexOf('--no-color');
  return at >= 0 && (end < 0 || at < end);
}

/**
 * Sets chalk's and chalkStderr's levels for this process from the environment, the
 * arguments and each stream's TTY. Called once by main() before anything is printed.
 */
export function applyColour(argv: string[], env: NodeJS.ProcessEnv = process.env): Record<'stdout' | 'stderr', ColorSupportLevel> {
  const noColorFlag = hasNoColorFlag(argv);
  const level = (isTTY: boolean | undefined, detected: false | { level: ColorSupportLevel }): ColorSupportLevel =>
    colourLevel({ env, noColorFlag, isTTY: Boolean(isTTY), detected: detected ? detected.level : 0 });
  const stdout = level(process.stdout.isTTY, supportsColor);
  const stderr = level(process.stderr.isTTY, supportsColorStderr);
  chalk.level = stdout;
  chalkStderr.level = stderr;
  // listr2's colorette takes any FORCE_COLOR, even 0, as "force"; it is loaded after this
  // and gives NO_COLOR precedence, so FORCE_COLOR=0 on a terminal is passed on as NO_COLOR
  if (stdout === 0 && process.stdout.isTTY && env.FORCE_COLOR !== undefined && !env.NO_COLOR) env.NO_COLOR = '1';
  return { stdout, stderr };
}
