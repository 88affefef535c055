import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cronEntry, cronFileName, cronSchedule, installCron } from '../../../src/checks/drift/cron.js';
import { InputError } from '../../../src/core/errors.js';

describe('--every → cron schedule', () => {
  it.each([
    ['10m', '*/10 * * * *'],
    ['5', '*/5 * * * *'],
    ['1m', '* * * * *'],
    ['30min', '*/30 * * * *'],
    ['1h', '0 * * * *'],
    ['6h', '0 */6 * * *'],
    ['*/7 * * * 1-5', '*/7 * * * 1-5'],
  ])('%s → %s', (every, want) => {
    expect(cronSchedule(every)).toBe(want);
  });

  it.each(['7m', '0m', '90m', '5h', 'often', '1d'])('refuses %s (uneven or not a duration)', (every) => {
    expect(() => cronSchedule(every)).toThrow(InputError);
  });
});

describe('the cron entry', () => {
  const base = {
    cluster: 'web-prod',
    inventory: '/etc/hactl/web prod.yaml',
    every: '10m',
    node: '/usr/bin/node',
    hactl: '/opt/hactl/bin/hactl',
    user: 'root',
  };

  it('one line, quiet, absolute paths quoted for sh, one run at a time', () => {
    const text = cronEntry(base);
    const line = text.split('\n').find((l) => /^\*\/10 /.test(l));
    expect(line).toBe(
      "*/10 * * * * root flock -n /run/lock/hactl-drift-web-prod.lock /usr/bin/node /opt/hactl/bin/hactl drift -i '/etc/hactl/web prod.yaml' --quiet",
    );
    expect(text).toMatch(/^SHELL=\/bin\/sh$/m);
    expect(text.endsWith('\n')).toBe(true); // cron ignores a last line without a newline
  });

  it('passes --prometheus through and escapes % (cron would turn it into a newline)', () => {
    const line = cronEntry({ ...base, prometheus: '/var/lib/node-exporter/drift%1.prom' })
      .split('\n')
      .at(-2)!;
    // cron drops the backslash before handing the line to sh, which then sees a plain %
    expect(line.endsWith('--quiet --prometheus /var/lib/node-exporter/drift\\%1.prom')).toBe(true);
  });

  it('a fleet: one line, one -i per inventory or directory as given, named after the fleet', () => {
    const text = cronEntry({
      ...base,
      cluster: 'prod',
      inventory: ['/etc/hactl/prod', '/etc/hactl/lab 2.yaml'],
      clusters: ['web', 'db', 'lab'],
      prometheus: '/var/lib/node-exporter/hactl_drift.prom',
    });
    const lines = text.split('\n').filter((l) => /^\*\/10 /.test(l));
    expect(lines).toEqual([
      '*/10 * * * * root flock -n /run/lock/hactl-drift-prod.lock /usr/bin/node /opt/hactl/bin/hactl drift ' +
        "-i /etc/hactl/prod -i '/etc/hactl/lab 2.yaml' --quiet --prometheus /var/lib/node-exporter/hactl_drift.prom",
    ]);
    expect(text).toMatch(/^# hactl drift for fleet prod \(clusters web, db, lab\): read-only checks/);
  });

  it('file names follow the run-parts rules of /etc/cron.d', () => {
    expect(cronFileName('web.prod')).toBe('hactl-drift-web-prod');
  });

  it('installs atomically with mode 0644; a missing directory is an InputError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-cron-'));
    const file = installCron(cronEntry(base), 'web-prod', dir);
    expect(file).toBe(join(dir, 'hactl-drift-web-prod'));
    expect(readdirSync(dir)).toEqual(['hactl-drift-web-prod']);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readFileSync(file, 'utf8')).toContain('hactl drift -i');
    expect(() => installCron('x\n', 'c', join(dir, 'nope'))).toThrow(InputError);
  });
});
