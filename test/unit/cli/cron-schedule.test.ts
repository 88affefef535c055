import { describe, expect, it } from 'vitest';
import { checkCronSchedule } from '../../../src/core/cron.js';
import { InputError } from '../../../src/core/errors.js';

const problem = (s: string): string | undefined => {
  try {
    checkCronSchedule(s);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).details.hint).toMatch(/minute 0-59, hour 0-23/);
    return (err as InputError).message;
  }
};

describe('checkCronSchedule (--every)', () => {
  it.each([
    '*/10 * * * *',
    '0 * * * *',
    '30 2 * * 0',
    '0 9 * * 7',
    '0 9 * * mon-fri',
    '0 9 * JAN,Jul 1-5',
    '0-30/5 8-18 1,15 * *',
    '59 23 31 12 6',
    '  */5   *  *  *  *  ',
  ])('takes %j', (s) => expect(problem(s)).toBeUndefined());

  it.each([
    ['*/10 * * *', 'a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this has 4'],
    ['* * * * * *', 'this has 6'],
    ['@hourly', '@-names are not taken here'],
    ['60 * * * *', 'minute: 60 is out of range (0-59)'],
    ['0 24 * * *', 'hour: 24 is out of range (0-23)'],
    ['0 0 0 * *', 'day of month: 0 is out of range (1-31)'],
    ['0 0 32 * *', 'day of month: 32 is out of range (1-31)'],
    ['0 0 * 13 *', 'month: 13 is out of range (1-12)'],
    ['0 0 * * 8', 'day of week: 8 is out of range (0-7)'],
    ['0 0 * * monday', 'day of week: "monday" is neither a number nor a name'],
    ['0 0 * foo *', 'month: "foo" is neither a number nor a name'],
    ['x * * * *', 'minute: "x" is not a number'],
    ['*/0 * * * *', 'minute: step "0" in "*/0" must be a whole number of 1 or more'],
    ['*/61 * * * *', 'minute: step 61 in "*/61" is larger than'],
    ['5/10 * * * *', 'minute: "5/10": a step needs * or a range before it'],
    ['30-10 * * * *', 'minute: range "30-10" runs backwards'],
    ['1-2-3 * * * *', 'minute: "1-2-3" is not a range'],
    ['1,,2 * * * *', 'minute: "" is empty'],
    ['*/5/2 * * * *', 'has two steps'],
    ['0 0 * * 1;reboot', 'day of week: "1;reboot" holds characters cron does not take'],
    ['0 0 * * %', 'holds characters cron does not take'],
  ])('refuses %j: %s', (s, why) => expect(problem(s)).toContain(why));

  it('names the option and the schedule', () => {
    expect(problem('0 25 * * *')).toBe('--every "0 25 * * *": hour: 25 is out of range (0-23)');
  });
});
