import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { driftUnits, installUnits, onCalendar } from '../../../src/checks/drift/timer.js';

// The units are checked by systemd itself (`systemd-analyze verify` / `calendar`) on files in a temp dir; nothing is installed.
const dir = mkdtempSync(join(tmpdir(), 'hactl-timer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const HACTL = resolve('bin/hactl');
const opts = { cluster: 'lab', inventory: '/etc/hactl/my lab%.yaml', every: '10m', node: process.execPath, hactl: HACTL, user: 'root' };

describe('drift as a systemd timer', () => {
  it('turns --every into OnCalendar=, and systemd reads it as the same times', () => {
    expect(onCalendar('10m')).toBe('*-*-* *:0/10:00');
    expect(onCalendar('2h')).toBe('*-*-* 0/2:0:00');
    expect(onCalendar('30 2 * * 1-5')).toBe('Mon..Fri *-*-* 2:30:00');
    expect(onCalendar('0,30 8-18 1 */3 *')).toBe('*-1/3-1 8..18:0,30:00');
    if (!analyze) return;
    for (const e of ['10m', '2h', '30 2 * * 1-5', '0,30 8-18 1 */3 *']) {
      const r = spawnSync('systemd-analyze', ['calendar', onCalendar(e)], { encoding: 'utf8' });
      expect(r.status, `${e}: ${r.stderr}`).toBe(0);
    }
    const next = spawnSync('systemd-analyze', ['calendar', onCalendar('30 2 * * 1-5')], { encoding: 'utf8' }).stdout;
    expect(next).toMatch(/Next elapse: (Mon|Tue|Wed|Thu|Fri) \S+ 02:30:00/);
  });

  it('refuses what it cannot convert faithfully, and a bad cron schedule', () => {
    expect(() => onCalendar('0 0 1 * 1')).toThrow(/either.*both/);
    expect(() => onCalendar('0 0 * jan *')).toThrow(/names/);
    expect(() => onCalendar('7m')).toThrow(/divide an hour/);
  });

  it('writes a oneshot service and its timer that systemd-analyze verify accepts; arguments quoted for systemd', () => {
    const units = driftUnits({ ...opts, prometheus: '/var/lib/node_exporter/hactl.prom' });
    expect(units.service).toContain(
      `ExecStart=${process.execPath} ${HACTL} drift -i "/etc/hactl/my lab%%.yaml" --quiet --prometheus /var/lib/node_exporter/hactl.prom`,
    );
    expect(units.timer).toContain('OnCalendar=*-*-* *:0/10:00\nUnit=hactl-drift-lab.service');
    const files = installUnits(units, 'lab', dir);
    expect(files).toEqual([join(dir, 'hactl-drift-lab.service'), join(dir, 'hactl-drift-lab.timer')]);
    expect(statSync(files[0]!).mode & 0o777).toBe(0o644);
    expect(readFileSync(files[1]!, 'utf8')).toBe(units.timer);
    if (!analyze) return;
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('');
  });

  it('a fleet: one service running drift over every inventory, described as the fleet', () => {
    const units = driftUnits({ ...opts, cluster: 'prod', inventory: ['/etc/hactl/prod', '/etc/hactl/lab.yaml'], clusters: ['web', 'lab'] });
    expect(units.service).toContain(`ExecStart=${process.execPath} ${HACTL} drift -i /etc/hactl/prod -i /etc/hactl/lab.yaml --quiet\n`);
    expect(units.service).toContain('Description=hactl drift checks for fleet prod (clusters web, lab)\n');
    expect(units.timer).toContain('Unit=hactl-drift-prod.service');
  });
});
