import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseProbes } from '../../src/checks/failover/analyse.js';
import { Prober } from '../../src/checks/failover/prober.js';
import { canonical, readConfiguration } from '../../src/stack/cib.js';
import { eventually, hactl, labAddresses, labMissing, ROOT, ssh, TEST_LAB_INDEX } from './helpers.js';

// `hactl failover-test` on a real Corosync/Pacemaker lab cluster: the pre-flight refusing a
// degraded cluster; killing corosync without fencing reported as the split brain it is;
// then, with the lab's fence device and STONITH, switchover, kill-stack, cut-link and
// arbitrator-loss measured from real probes, within budget, the cluster restored each time.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

// per lab index: two developers' runs on one machine must not share a state dir
const STATE = `/tmp/hactl-lab-failover-pacemaker${TEST_LAB_INDEX ? `-${TEST_LAB_INDEX}` : ''}`;
const INV = join(STATE, 'inventory.yaml');
const json = (stdout: string): any => JSON.parse(stdout);
const sec = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);

/** One line per scenario for the test log: the measured figures. */
function figures(report: any): string {
  return report.results
    .map((r: any) => `  ${r.scenario.padEnd(16)} ${r.verdict.padEnd(5)} detection ${sec(r.detectionMs)} downtime ${sec(r.downtimeMs)} budget ${sec(r.budget?.ms)} ended on ${r.after} probes ${r.probes.length}`)
    .join('\n');
}

/** The CLI without blocking this process's event loop (the prober runs in it meanwhile). */
function hactlAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const c = spawn(process.execPath, [join(ROOT, 'bin/hactl'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const VOTERS = ['master', 'slave', 'arbitrator'];
/** sha256 of corosync.conf on each voter and of the desired CIB sections on the master. */
const fileSums = (): string =>
  VOTERS.map((n) => ssh(STATE, n, `sha256sum /etc/corosync/corosync.conf${n === 'master' ? ' /var/lib/hactl/cib/resources.xml /var/lib/hactl/cib/constraints.xml' : ''}`).stdout).join('');
/** The CIB elements hactl owns (and the tag), structurally (attribute order and whitespace do not count). */
function ownedCib(): string[] {
  const { elements, tagIds } = readConfiguration(ssh(STATE, 'master', 'cibadmin -Q --scope configuration').stdout);
  return [...elements.filter((e) => tagIds?.includes(e.id)).map((e) => canonical(e.el)), `tag: ${tagIds?.join(',')}`];
}

const vipHolder = (vip: string): string =>
  ['master', 'slave'].filter((n) => ssh(STATE, n, `ip -o -4 addr show | grep -qF ' ${vip}/'`).status === 0).join(',');

describe.skipIf(Boolean(missing))(`failover-test: pacemaker stack on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let vip = '';
  beforeAll(() => {
    const up = hactl(['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', STATE, '--stack', 'pacemaker']);
    expect(up.status, up.stderr).toBe(0);
    vip = labAddresses(STATE).vip;
    const b = hactl(['bootstrap', '-i', INV, '--json']);
    expect(b.status, b.stdout + b.stderr).toBe(0);
  });
  afterAll(() => {
    hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('pre-flight refuses a degraded cluster and names what is wrong; --restore heals it', async () => {
    // the arbitrator's stack goes away: still quorate (2 of 3), but not healthy
    ssh(STATE, 'arbitrator', "pkill -9 -x pacemakerd; pkill -9 -f '^/usr/lib/pacemaker/'; pkill -9 -x corosync; true");
    expect(await eventually(() => /OFFLINE: \[ arbitrator \]|offline.*arbitrator/i.test(ssh(STATE, 'master', 'crm_mon -1').stdout), 30_000)).toBe(true);
    const r = hactl(['failover-test', '-i', INV, '--yes']);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the cluster is not healthy: refusing to inject faults/);
    expect(r.stderr).toMatch(/members online: offline: arbitrator/);
    expect(r.stdout).not.toMatch(/PASS|FAIL/); // no scenario ran
    expect(vipHolder(vip)).toBe('master');
    const heal = hactl(['failover-test', '-i', INV, '--restore']);
    expect(heal.status, heal.stdout + heal.stderr).toBe(0);
    expect(heal.stdout).toMatch(/restored: the cluster is healthy/);
  });

  it('without fencing, kill -9 corosync on the master is a split brain: reported with the reason, never a pass', () => {
    const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '--scenario', 'kill-stack']);
    expect(r.status, r.stderr).toBe(1);
    const report = json(r.stdout);
    console.log(`no fencing:\n${figures(report)}`);
    const ks = report.results[0];
    expect(ks.verdict).toBe('fail');
    expect(ks.splitBrain.nodes).toEqual(['master', 'slave']);
    expect(ks.reasons[0]).toMatch(/^SPLIT BRAIN: the VIP was configured on master and slave at the same time .*without fencing/);
    expect(ks.restored).toBe(true);
    expect(vipHolder(vip)).toBe('master');
  });

  it('with the lab fence device: switchover, kill-stack, cut-link, arbitrator-loss pass their budgets', () => {
    const f = hactl(['lab', 'fence', 'up', '--state-dir', STATE]);
    expect(f.status, f.stderr).toBe(0);
    const b = hactl(['bootstrap', '-i', INV, '--no-smoke']);
    expect(b.status, b.stdout + b.stderr).toBe(0);
    expect(ssh(STATE, 'master', 'crm_attribute -t crm_config -n stonith-enabled -G -q').stdout.trim()).toBe('true');
    expect(ssh(STATE, 'master', 'cibadmin -Q --scope resources').stdout).toMatch(/class="stonith" type="fence_lab"/);

    const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '--scenario', 'switchover,kill-stack,cut-link,arbitrator-loss']);
    const report = json(r.stdout);
    console.log(`with fencing:\n${figures(report)}`);
    expect(r.status, JSON.stringify(report.results.map((x: any) => [x.scenario, x.reasons]))).toBe(0);
    expect(report.fencing).toBe(true);
    const by = Object.fromEntries(report.results.map((x: any) => [x.scenario, x]));
    for (const name of ['switchover', 'kill-stack', 'cut-link', 'arbitrator-loss']) {
      const x = by[name];
      expect(x.verdict, `${name}: ${x.reasons}`).toBe('pass');
      expect(x.restored).toBe(true);
      expect(x.probes.length).toBeGreaterThan(30); // every ~100 ms, from the baseline on
      expect(x.downtimeMs).toBeLessThanOrEqual(x.budget.ms);
    }
    for (const name of ['kill-stack', 'cut-link']) {
      expect(by[name].after).toBe('slave');
      expect(by[name].downtimeMs).toBeGreaterThan(0); // a real outage, measured by failed probes
      expect(by[name].detectionMs).toBeGreaterThan(1000); // token + consensus: 2.2 s here
    }
    expect(by['switchover'].outages.length).toBeGreaterThanOrEqual(1);
    expect(by['arbitrator-loss'].after).toBe('master');
    // the cluster ends healthy, resources back on the master
    const smoke = hactl(['smoke', '-i', INV]);
    expect(smoke.status, smoke.stdout).toBe(0);
    expect(vipHolder(vip)).toBe('master');
  });

  it('history and rollback: a corosync timing and an owned resource op changed through the inventory, then rolled back without an outage', async () => {
    const t0 = Date.now();
    const sumsBefore = fileSums();
    const cibBefore = ownedCib();
    const original = readFileSync(INV, 'utf8');
    expect(original).toMatch(/token: 1000/);
    const prober = new Prober({ address: vip, port: 80, path: '/' });
    prober.start();
    try {
      // the change: corosync.conf (totem token, reloaded) and the monitor interval of the owned VIP and service
      writeFileSync(INV, original.replace('token: 1000', 'token: 1200, monitor_interval: 7'));
      const changed = await hactlAsync(['bootstrap', '-i', INV, '--no-smoke', '--json']);
      expect(changed.status, changed.stdout + changed.stderr).toBe(0);
      const runId = JSON.parse(changed.stdout).runId as string;
      expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
      expect(fileSums()).not.toBe(sumsBefore);
      expect(ssh(STATE, 'master', 'cibadmin -Q --scope resources').stdout).toMatch(/interval="7s"/);

      const th = Date.now();
      const hist = await hactlAsync(['history', '-i', INV, '--json']);
      const historyMs = Date.now() - th;
      expect(hist.status, hist.stderr).toBe(0);
      const doc = JSON.parse(hist.stdout);
      const newest = doc.generations[0];
      expect(newest.run).toBe(runId);
      expect(newest.inventory).toBe(createHash('sha256').update(readFileSync(INV)).digest('hex'));
      expect(doc.inventory).toBe(newest.inventory);
      const master = newest.hosts.find((x: any) => x.host === 'master');
      expect(master.changes).toContain('/etc/corosync/corosync.conf');
      expect(master.cib).toBe(true);
      expect(newest.hosts.map((x: any) => x.host).sort()).toEqual(VOTERS.slice().sort());

      const tr = Date.now();
      const rb = await hactlAsync(['rollback', '-i', INV, '--json']);
      const rollbackMs = Date.now() - tr;
      expect(rb.status, rb.stdout + rb.stderr).toBe(0);
      const r = JSON.parse(rb.stdout);
      expect(r.rollback).toEqual({ to: runId, undone: [runId] });
      expect(r.smoke.ok).toBe(true);
      // files and owned CIB elements are back as before: sha256 and XML compared
      expect(fileSums()).toBe(sumsBefore);
      expect(ownedCib()).toEqual(cibBefore);
      const probes = await prober.stop();
      const a = analyseProbes(probes);
      console.log(`rollback: ${(rollbackMs / 1000).toFixed(1)}s, history: ${(historyMs / 1000).toFixed(1)}s; prober: ${probes.length} probes, ${probes.filter((p) => !p.ok).length} failed, longest outage ${a.longestMs} ms; test ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      expect(probes.length).toBeGreaterThan(50);
      expect(probes.filter((p) => !p.ok)).toEqual([]);
      // the rollback kept a generation of its own (it can be undone), listed first; the change after it
      const text = hactl(['history', '-i', INV]);
      console.log(`hactl history:\n${text.stdout.split('\n').slice(0, 9).join('\n')}`);
      expect(text.status, text.stderr).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^\\d{8}T\\d{6}Z-[0-9a-f]{4}  .* hactl rollback -i [^\\n]*\\n(    .*\\n)+${runId}  `));
    } finally {
      if (prober.running) await prober.stop();
      writeFileSync(INV, original);
    }
  }, 600_000);
});
