/** POSIX shell quoting: the result is one word for sh, whatever the input holds. */
export function quote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each argument and joins them into a command line. */
export function cmd(...args: string[]): string {
  return args.map(quote).join(' ');
}
