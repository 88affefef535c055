import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkFleet, fileLabel, fleetExitCode, fleetJson, fleetLine, fleetPrometheusText } from '../../../src/checks/drift/fleet.js';
import { buildReport, type CheckError, type DriftItem, mergeItems } from '../../../src/checks/drift/items.js';
import { prometheusText } from '../../../src/checks/drift/report.js';
import { collectInventory, expandInventories } from '../../../src/cli/commands/drift-fleet.js';
import type { ConnectFn } from '../../../src/runtime/connector.js';
import { definePlaybook } from '../../../src/runtime/playbook.js';
import { HostSlots } from '../../../src/runtime/pool.js';
import { example } from './helpers.js';

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

describe('fleet drift: one --forks bound over every cluster', () => {
  /** n clusters of `size` hosts, each host with its own address (node names repeat across clusters). */
  const fleet = (n: number, size = 2) =>
    Array.from({ length: n }, (_, k) => {
      const c = example('lab');
      const nodes = c.nodes.slice(0, size).map((node, j) => ({ ...node, address: `10.0.${k}.${j + 1}` }));
      return { inventory: `/etc/hactl/c${k}.yaml`, cluster: { ...c, name: `c${k}`, nodes } };
    });
  /** A fake transport that records the hosts at work and the connections open at once. */
  const transport = (down: (address: string) => boolean = () => false) => {
    const busy = new Set<string>();
    const open = new Set<string>();
    const seen = { busy: 0, open: 0, connects: [] as string[] };
    const connect: ConnectFn = async (node) => {
      if (down(node.address)) throw new Error(`cannot connect to ${node.address}:22: Timed out while waiting for handshake`);
      seen.connects.push(node.address);
      open.add(node.address);
      seen.open = Math.max(seen.open, open.size);
      return {
        host: node.name,
        exec: async () => {
          busy.add(node.address);
          seen.busy = Math.max(seen.busy, busy.size);
          await new Promise((r) => setTimeout(r, 5));
          busy.delete(node.address);
          return { stdout: '', stderr: '', code: 0 };
        },
        put: async () => undefined,
        get: async () => Buffer.from(''),
        close: async () => void open.delete(node.address),
      };
    };
    return { connect, seen, open };
  };
  const playbook = definePlaybook('light', async ({ hosts }) => {
    await hosts.all(async (h) => {
      await h.exec('true');
      await h.exec('true');
    });
  });

  it('forks=2 over 3 clusters of 2 hosts: never more than 2 hosts at work, one connection per host, all closed', async () => {
    const t = transport();
    const order: number[] = [];
    const reports = await checkFleet(fleet(3), {
      playbook,
      connect: t.connect,
      forks: 2,
      cluster: false,
      onReport: (_r, i) => order.push(i),
    });
    expect(reports.map((r) => [r.cluster, r.exitCode])).toEqual([
      ['c0', 0],
      ['c1', 0],
      ['c2', 0],
    ]);
    expect(t.seen.busy).toBe(2);
    expect(t.seen.open).toBeLessThanOrEqual(2);
    expect(t.seen.connects.sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.1.2', '10.0.2.1', '10.0.2.2']);
    expect(t.open.size).toBe(0);
    expect(order).toEqual([0, 1, 2]);
  });

  it('forks=4: two clusters side by side, the bound still holds; forks=1: one host at a time', async () => {
    const four = transport();
    await checkFleet(fleet(3), { playbook, connect: four.connect, forks: 4, cluster: false });
    expect(four.seen.busy).toBe(4);
    expect(four.seen.open).toBeLessThanOrEqual(4);
    const one = transport();
    await checkFleet(fleet(3, 3), { playbook, connect: one.connect, forks: 1, cluster: false });
    expect(one.seen.busy).toBe(1);
  });

  it('an unreachable cluster and one that does not load never hide the others', async () => {
    const t = transport((a) => a.startsWith('10.0.1.'));
    const errors: string[] = [];
    const members = [...fleet(3), { inventory: '/etc/hactl/broken.yaml', error: new Error('broken.yaml:1:1: not YAML') }];
    const reports = await checkFleet(members, {
      playbook,
      connect: t.connect,
      forks: 2,
      cluster: false,
      onError: (_e, inv) => errors.push(inv),
    });
    expect(reports.map((r) => [r.cluster, r.exitCode])).toEqual([
      ['c0', 0],
      ['c1', 1],
      ['c2', 0],
      ['broken', 1],
    ]);
    expect(errors).toEqual(['/etc/hactl/broken.yaml']);
    expect(fleetExitCode(reports)).toBe(1);
    // only the judged report is kept: no facts, no run summary
    expect(Object.keys(reports[0]!).sort()).toEqual(
      [
        'checkedAt',
        'cluster',
        'counts',
        'errors',
        'exitCode',
        'inventory',
        'items',
        'ms',
        'nodes',
        'notes',
        'stack',
        'status',
        'unmanaged',
      ].sort(),
    );
  });
});

describe('HostSlots', () => {
  it('is re-entrant per host and serves waiters in order', async () => {
    const slots = new HostSlots(1);
    const log: string[] = [];
    await Promise.all([
      slots.use('a', async () => {
        await slots.use('a', async () => void log.push('a inner'));
        await new Promise((r) => setTimeout(r, 5));
        log.push('a');
      }),
      slots.use('b', async () => void log.push('b')),
      slots.use('c', async () => void log.push('c')),
    ]);
    expect(log).toEqual(['a inner', 'a', 'b', 'c']);
    expect(slots.inUse).toBe(0);
  });
});
