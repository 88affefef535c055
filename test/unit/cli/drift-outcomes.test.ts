import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uncheckedReport } from '../../../src/checks/drift/items.js';
import { clusterLabel } from '../../../src/cli/commands/drift-textfile.js';
import { NodeError } from '../../../src/core/errors.js';
import { ensureBuilt, hactlAsync, unreachableCluster } from './built.js';

// `hactl drift --prometheus FILE` writes the textfile whatever happens, so a stale
// check_ok 1 never outlives a run that could not check.
const sample = (text: string, metric: string): string | undefined =>
  new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`, 'm').exec(text)?.slice(1).join(' ');

describe('drift --prometheus on every outcome (the built CLI)', { timeout: 90_000 }, () => {
  let dir: string;
  let unreachable: string;
  let env: () => Record<string, string>;
  beforeAll(() => {
    ensureBuilt();
    ({ dir, inventory: unreachable, env } = unreachableCluster('hactl-drift-prom-', 'web'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the inventory does not load: check_ok 0 and exit code 1 replace the last good run, under its cluster label', async () => {
    const prom = join(dir, 'missing.prom');
    writeFileSync(prom, 'hactl_drift_check_ok{cluster="web"} 1\nhactl_drift_exit_code{cluster="web"} 0\n');
    const r = await hactlAsync(['drift', '-i', join(dir, 'gone.yaml'), '--prometheus', prom], env());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot read inventory');
    const text = readFileSync(prom, 'utf8');
    expect(sample(text, 'hactl_drift_check_ok')).toBe('cluster="web" 0');
    expect(sample(text, 'hactl_drift_exit_code')).toBe('cluster="web" 1');
    expect(sample(text, 'hactl_drift_items')).toBe('cluster="web",kind="files" 0');
    const at = Number(sample(text, 'hactl_drift_last_check_timestamp_seconds')!.split(' ')[1]);
    expect(Math.abs(at - Date.now() / 1000)).toBeLessThan(120);
  });

  it('an invalid inventory and no earlier file: the label from its cluster.name; --json still one document', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'cluster: { name: shop, stack: pacemaker, network: 10.0.0.0/24, floating_ips: [10.0.0.100/24] }\nnodes: []\n');
    const prom = join(dir, 'bad.prom');
    const r = await hactlAsync(['drift', '-i', bad, '--prometheus', prom, '--json'], env());
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { kind: 'input', file: bad } });
    expect(sample(readFileSync(prom, 'utf8'), 'hactl_drift_check_ok')).toBe('cluster="shop" 0');
  });

  it('a bad argument after the inventory loaded: check_ok 0 as well', async () => {
    const prom = join(dir, 'forks.prom');
    const r = await hactlAsync(['drift', '-i', unreachable, '--forks', 'many', '--prometheus', prom], env());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--forks must be a positive number');
    expect(sample(readFileSync(prom, 'utf8'), 'hactl_drift_check_ok')).toBe('cluster="web" 0');
  });

  it('no node answers: the report is written with check_ok 0', async () => {
    const prom = join(dir, 'unreachable.prom');
    const r = await hactlAsync(['drift', '-i', unreachable, '--prometheus', prom, '--connect-timeout', '5'], env());
    expect(r.status).toBe(1);
    const text = readFileSync(prom, 'utf8');
    expect(sample(text, 'hactl_drift_check_ok')).toBe('cluster="web" 0');
    expect(sample(text, 'hactl_drift_exit_code')).toBe('cluster="web" 1');
  });

  it('an unwritable textfile while the inventory failed: both errors are told, exit 1', async () => {
    const prom = join(dir, 'no-such-dir', 'x.prom');
    const r = await hactlAsync(['drift', '-i', join(dir, 'gone.yaml'), '--prometheus', prom], env());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot read inventory');
    expect(r.stderr).toContain('cannot write the Prometheus textfile');
    expect(existsSync(prom)).toBe(false);
  });

  it('--every with a bad cron schedule: refused before anything is written, naming the field', async () => {
    const r = await hactlAsync(['drift', '-i', unreachable, '--install-cron', '--every', '0 24 * * *', '--cron-dir', dir], env());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--every "0 24 * * *": hour: 24 is out of range (0-23)');
    expect(existsSync(join(dir, 'hactl-drift-web'))).toBe(false);
    const ok = await hactlAsync(['drift', '-i', unreachable, '--install-cron', '--every', '*/15 8-18 * * mon-fri', '--print'], env());
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^\*\/15 8-18 \* \* mon-fri root flock /m);
  });
});

describe('the textfile of a run that could not check', () => {
  it('takes the label from the previous file (escapes undone), else the YAML, else empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-label-'));
    try {
      writeFileSync(join(dir, 'old.prom'), '# HELP x\nhactl_drift_items{cluster="a\\"b",kind="files"} 0\n');
      expect(clusterLabel('/nonexistent.yaml', join(dir, 'old.prom'))).toBe('a"b');
      writeFileSync(join(dir, 'inv.yaml'), 'cluster:\n  name: db-2\n');
      expect(clusterLabel(join(dir, 'inv.yaml'), join(dir, 'none.prom'))).toBe('db-2');
      writeFileSync(join(dir, 'odd.yaml'), 'cluster: { name: "x\\ny" }\n');
      expect(clusterLabel(join(dir, 'odd.yaml'), join(dir, 'none.prom'))).toBe('');
      expect(clusterLabel('/nonexistent.yaml', join(dir, 'none.prom'))).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('is one error, exit 1, nothing found', () => {
    const r = uncheckedReport({
      inventory: 'web.yaml',
      label: 'web',
      error: new NodeError('boom', { host: 'one', hint: 'h' }),
      startedAt: new Date(0),
    });
    expect(r).toMatchObject({
      cluster: 'web',
      status: 'error',
      exitCode: 1,
      items: [],
      errors: [{ host: 'one', message: 'boom', hint: 'h' }],
    });
    expect(Object.values(r.counts).every((n) => n === 0)).toBe(true);
  });
});
