import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildReport, type CheckError, type DriftItem, mergeItems } from '../../../src/checks/drift/items.js';
import { prometheusText } from '../../../src/checks/drift/report.js';
import {
  collectInventory,
  expandInventories,
  fileLabel,
  fleetExitCode,
  fleetJson,
  fleetLine,
  fleetPrometheusText,
} from '../../../src/cli/commands/drift-fleet.js';

const report = (name: string, items: DriftItem[] = [], errors: CheckError[] = []) =>
  buildReport({
    cluster: { name, stack: 'pacemaker', source: `/etc/hactl/${name}.yaml`, nodes: [{ name: 'master' }, { name: 'slave' }] },
    items: mergeItems(items),
    errors,
    notes: [],
    checkedAt: new Date('2026-11-22T21:00:00Z'),
    ms: 1000,
  });
const DRIFT: DriftItem = { kind: 'files', host: 'slave', subject: '/etc/corosync/corosync.conf', message: 'content differs' };

describe('fleet drift: inventories', () => {
  it('-i repeats; a directory is its *.yaml/*.yml, sorted; a file stays as given', () => {
    const d = mkdtempSync(join(tmpdir(), 'hactl-fleet-'));
    mkdirSync(join(d, 'fleet'));
    for (const f of ['web.yaml', 'db.yml', 'notes.txt']) writeFileSync(join(d, 'fleet', f), '');
    const cmd = new Command().option('-i, --inventory <file>', '', collectInventory).exitOverride();
    cmd.parse(['-i', join(d, 'a.yaml'), '-i', join(d, 'fleet')], { from: 'user' });
    expect(cmd.opts().inventory).toEqual([join(d, 'a.yaml'), join(d, 'fleet')]);
    expect(expandInventories(cmd.opts().inventory)).toEqual([join(d, 'a.yaml'), join(d, 'fleet', 'db.yml'), join(d, 'fleet', 'web.yaml')]);
    expect(expandInventories([join(d, 'a.yaml'), join(d, 'a.yaml')])).toEqual([join(d, 'a.yaml')]);
    mkdirSync(join(d, 'empty'));
    expect(() => expandInventories([join(d, 'empty')])).toThrow(/no inventories in/);
    expect(fileLabel('/etc/hactl/web.yaml')).toBe('web');
  });
});

describe('fleet drift: merging', () => {
  it('exit code: could not check (1) over drift (2) over clean (0), as for one cluster', () => {
    expect(fleetExitCode([report('a'), report('b')])).toBe(0);
    expect(fleetExitCode([report('a'), report('b', [DRIFT])])).toBe(2);
    expect(fleetExitCode([report('a', [], [{ host: 'x', message: 'unreachable' }]), report('b', [DRIFT])])).toBe(1);
  });

  it('JSON: one document, each cluster its own report, a summary and the overall exit code', () => {
    const doc = fleetJson([report('web'), report('db', [DRIFT])]);
    expect(doc.exitCode).toBe(2);
    expect(doc.clusters.map((c) => [c.cluster, c.exitCode])).toEqual([
      ['web', 0],
      ['db', 2],
    ]);
    expect(doc.summary).toEqual({ clusters: 2, clean: 1, drift: 1, error: 0, drifted: ['db'], unchecked: [] });
    expect(fleetLine([report('web'), report('db', [DRIFT])])).toBe('hactl drift: 2 clusters: 1 clean, 1 with drift (db)\n');
  });

  it('prometheus: the same metrics, HELP/TYPE once, a sample per cluster', () => {
    const text = fleetPrometheusText([report('web'), report('db', [DRIFT])]);
    expect(text.match(/^# HELP hactl_drift_exit_code /gm)).toHaveLength(1);
    expect(text).toContain('hactl_drift_exit_code{cluster="web"} 0\nhactl_drift_exit_code{cluster="db"} 2\n');
    expect(text).toContain('hactl_drift_items{cluster="db",kind="files"} 1');
    // one cluster's lines are the single-cluster textfile's
    expect(fleetPrometheusText([report('web')])).toBe(prometheusText(report('web')));
  });
});
