/** Small statistics for the bench: medians and ratios of wall times. */

export function median(xs: readonly number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export const round = (x: number | undefined, digits = 2): number | undefined => (x === undefined ? undefined : Number(x.toFixed(digits)));

export const fmtS = (x: number | undefined): string => (x === undefined ? '—' : x < 10 ? `${x.toFixed(2)} s` : `${x.toFixed(1)} s`);
export const fmtR = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(2));
