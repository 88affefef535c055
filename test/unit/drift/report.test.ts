import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, type CheckError, type DriftItem, mergeItems } from '../../../src/checks/drift/items.js';
import { formatText, headline, prometheusText, writePrometheusFile } from '../../../src/checks/drift/report.js';
import { NodeError } from '../../../src/core/errors.js';

const cluster = {
  name: 'lab',
  stack: 'pacemaker',
  source: '/tmp/lab/inventory.yaml',
  nodes: [{ name: 'master' }, { name: 'slave' }, { name: 'arbitrator' }],
};
const report = (items: DriftItem[], errors: CheckError[] = []) =>
  buildReport({ cluster, items: mergeItems(items), errors, notes: [], checkedAt: new Date('2026-11-22T21:00:00Z'), ms: 3210 });

const ITEMS: DriftItem[] = [
  {
    kind: 'files',
    host: 'slave',
    subject: '/etc/corosync/corosync.conf',
    message: 'content differs from the inventory',
    diff: '--- a\n+++ b\n@@ -1 +1 @@\n-token: 2000\n+token: 1000\n',
  },
  {
    kind: 'cluster',
    subject: 'cli-prefer-vip',
    message: 'leftover `crm_resource --move`: vip is pinned to slave (score INFINITY)',
    hint: 'crm_resource --clear -r vip',
  },
];

describe('text report', () => {
  it('clean: one line', () => {
    expect(formatText(report([]))).toBe('hactl drift: cluster lab (pacemaker, 3 nodes) in 3.2s: no drift\n');
  });

  it("an operator's CIB elements: listed as not managed, still no drift (exit 0)", () => {
    const r = buildReport({
      cluster,
      items: [],
      errors: [],
      notes: [],
      checkedAt: new Date('2026-11-22T21:00:00Z'),
      ms: 3210,
      unmanaged: [
        { section: 'resources', kind: 'primitive', id: 'op-dummy' },
        { section: 'crm_config', kind: 'property', id: 'cib-bootstrap-options-operator-note', detail: 'operator-note=x' },
      ],
    });
    expect(r.exitCode).toBe(0);
    expect(formatText(r)).toBe(
      [
        'hactl drift: cluster lab (pacemaker, 3 nodes) in 3.2s: no drift',
        'not managed by hactl (left as they are): 2',
        '  *       primitive op-dummy (resources)',
        '  *       property operator-note=x (crm_config)',
        '',
      ].join('\n'),
    );
  });

  it('drift: grouped by kind, host column, diff indented, hints', () => {
    expect(formatText(report(ITEMS))).toBe(
      [
        'hactl drift: cluster lab (pacemaker, 3 nodes) in 3.2s: 2 drift items (files 1, cluster 1)',
        'files',
        '  slave   /etc/corosync/corosync.conf: content differs from the inventory',
        '            --- a',
        '            +++ b',
        '            @@ -1 +1 @@',
        '            -token: 2000',
        '            +token: 1000',
        'cluster',
        '  *       cli-prefer-vip: leftover `crm_resource --move`: vip is pinned to slave (score INFINITY)',
        '          hint: crm_resource --clear -r vip',
        '',
      ].join('\n'),
    );
  });

  it('could not check: names the node in the headline and in its own section', () => {
    const r = report(
      [],
      [
        {
          host: 'slave',
          message: 'cannot connect to 10.77.0.12:22: Timed out while waiting for handshake',
          hint: 'the node is down or unreachable',
        },
      ],
    );
    expect(headline(r)).toBe('hactl drift: cluster lab (pacemaker, 3 nodes) in 3.2s: COULD NOT CHECK slave; no drift on the rest');
    expect(formatText(r)).toContain(
      'could not check\n  slave   cannot connect to 10.77.0.12:22: Timed out while waiting for handshake\n          hint: the node is down or unreachable\n',
    );
  });

  it('a painter colours the diff only', () => {
    expect(formatText(report(ITEMS), { paintDiff: (d) => d.toUpperCase() })).toContain('            -TOKEN: 2000');
  });
});

describe('Prometheus textfile', () => {
  it('drift items per kind, check ok, last check time and duration, in the exposition format', () => {
    expect(prometheusText(report(ITEMS))).toBe(
      [
        '# HELP hactl_drift_items Drift items found by the last hactl drift run, by kind.',
        '# TYPE hactl_drift_items gauge',
        'hactl_drift_items{cluster="lab",kind="files"} 1',
        'hactl_drift_items{cluster="lab",kind="packages"} 0',
        'hactl_drift_items{cluster="lab",kind="services"} 0',
        'hactl_drift_items{cluster="lab",kind="cluster"} 1',
        'hactl_drift_items{cluster="lab",kind="timing"} 0',
        '# HELP hactl_drift_check_ok 1 when the last run could check every node, 0 when it could not (exit code 1).',
        '# TYPE hactl_drift_check_ok gauge',
        'hactl_drift_check_ok{cluster="lab"} 1',
        '# HELP hactl_drift_unreachable_nodes Nodes (or prerequisites) the last run could not check.',
        '# TYPE hactl_drift_unreachable_nodes gauge',
        'hactl_drift_unreachable_nodes{cluster="lab"} 0',
        '# HELP hactl_drift_exit_code Exit code of the last run: 0 clean, 2 drift, 1 could not check.',
        '# TYPE hactl_drift_exit_code gauge',
        'hactl_drift_exit_code{cluster="lab"} 2',
        '# HELP hactl_drift_last_check_timestamp_seconds Unix time the last run started.',
        '# TYPE hactl_drift_last_check_timestamp_seconds gauge',
        'hactl_drift_last_check_timestamp_seconds{cluster="lab"} 1795381200',
        '# HELP hactl_drift_check_duration_seconds How long the last run took.',
        '# TYPE hactl_drift_check_duration_seconds gauge',
        'hactl_drift_check_duration_seconds{cluster="lab"} 3.210',
        '',
      ].join('\n'),
    );
  });

  it('is written atomically, leaving no temp file; a missing directory is a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-prom-'));
    writePrometheusFile(join(dir, 'hactl_drift.prom'), report([], [{ host: 'slave', message: 'down' }]));
    expect(readdirSync(dir)).toEqual(['hactl_drift.prom']);
    expect(readFileSync(join(dir, 'hactl_drift.prom'), 'utf8')).toMatch(/^hactl_drift_check_ok\{cluster="lab"\} 0$/m);
    expect(() => writePrometheusFile(join(dir, 'no/such/dir.prom'), report([]))).toThrow(NodeError);
  });
});

describe('JSON', () => {
  it('is the report itself: stable keys for machines', () => {
    const r = JSON.parse(JSON.stringify(report(ITEMS)));
    expect(Object.keys(r)).toEqual([
      'cluster',
      'stack',
      'inventory',
      'nodes',
      'checkedAt',
      'ms',
      'status',
      'exitCode',
      'counts',
      'items',
      'errors',
      'notes',
      'unmanaged',
    ]);
    expect(r.items[1]).toEqual({
      kind: 'cluster',
      subject: 'cli-prefer-vip',
      message: expect.any(String),
      hint: 'crm_resource --clear -r vip',
    });
  });
});
