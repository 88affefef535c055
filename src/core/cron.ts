/**
 * Checks a five-field cron schedule the way cron(8) reads it (Vixie cron, as Debian's
 * and cronie): cron skips a bad line with only a log message, so a schedule is checked
 * here, before it is written, with an error that names the field.
 */
import { InputError } from './errors.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}
const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

export const CRON_HINT =
  'five fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12 or jan-dec, day of week 0-7 or sun-sat (0 and 7 are Sunday); ' +
  'each `*`, N, N-M, a list N,M or a step */S or N-M/S — e.g. "*/10 * * * *"; or a duration: 5m, 10m, 1h';

/** One value of a field: a number in range, or a month/day name where the field has names. */
function value(f: Field, v: string): number | string {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n < f.min || n > f.max ? `${v} is out of range (${f.min}-${f.max})` : n;
  }
  const i = f.names?.indexOf(v.toLowerCase()) ?? -1;
  if (i >= 0) return i + f.namesFrom!;
  return f.names ? `"${v}" is neither a number nor a name (${f.names[0]}, ${f.names[1]}, …)` : `"${v}" is not a number`;
}

/** Why one comma-separated item of a field is wrong, or undefined. */
function itemProblem(f: Field, item: string): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return `"${item}" has two steps`;
  if (step !== undefined) {
    if (!/^\d+$/.test(step) || Number(step) < 1) return `step "${step}" in "${item}" must be a whole number of 1 or more`;
    if (Number(step) > f.max) return `step ${step} in "${item}" is larger than the field's range (${f.min}-${f.max})`;
  }
  if (range === '*') return undefined;
  if (range === undefined || range === '') return `"${item}" is empty`;
  const [a, b, more] = range.split('-');
  if (more !== undefined) return `"${range}" is not a range`;
  if (b === undefined && step !== undefined) return `"${item}": a step needs * or a range before it (${f.min}-${f.max}/${step})`;
  const lo = value(f, a!);
  if (typeof lo === 'string') return lo;
  if (b === undefined) return undefined;
  const hi = value(f, b);
  if (typeof hi === 'string') return hi;
  return lo > hi ? `range "${range}" runs backwards` : undefined;
}

/**
 * Throws an InputError naming the field when `schedule` is not a valid five-field cron
 * schedule (`what` names the option in the message).
 * @example checkCronSchedule('*\/10 * * * *') // ok
 * @example checkCronSchedule('0 25 * * *')   // throws: --every "0 25 * * *": hour: 25 is out of range (0-23)
 */
export function checkCronSchedule(schedule: string, what = '--every'): void {
  const fields = schedule.trim().split(/\s+/);
  const bad = (why: string): InputError => new InputError(`${what} "${schedule}": ${why}`, { hint: CRON_HINT });
  if (/^@/.test(fields[0] ?? '')) throw bad('@-names are not taken here: use 1h for @hourly, or five fields ("0 0 * * *" for @daily)');
  if (fields.length !== 5) {
    throw bad(`a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this has ${fields.length}`);
  }
  fields.forEach((text, i) => {
    const f = FIELDS[i]!;
    if (!/^[0-9A-Za-z*,/-]+$/.test(text)) throw bad(`${f.name}: "${text}" holds characters cron does not take`);
    for (const item of text.split(',')) {
      const why = itemProblem(f, item);
      if (why) throw bad(`${f.name}: ${why}`);
    }
  });
}
