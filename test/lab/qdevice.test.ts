import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, hactl, ipOut, labMissing, labUpArgs, ssh, TEST_LAB_INDEX } from './helpers.js';

// Issue #20: a QNetd arbitrator (`lab up --qdevice`, cluster.arbitrator.mode: qdevice) on the
// namespace lab, with the lab fence device from the first bootstrap on (a lost twin without
// fencing is never a pass): the twins quorate through corosync-qnetd, smoke and drift see
// both ends (corosync-qdevice-tool -s, corosync-qnetd-tool -l), a second bootstrap changes
// nothing, arbitrator-loss moves nothing, poweroff of the master fails over to the slave with
// the qdevice vote within the budget (its own qdevice term) and the restore brings the master
// back with its qdevice connected. Then a second lab (`lab up --qnetd-lab`, the next index)
// shares the first lab's qnetd: its own cluster name, its own certificate signed there, and
// corosync-qnetd-tool -l lists both clusters. One boot of each lab, one bootstrap each.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = `/tmp/qdev-lab${TEST_LAB_INDEX ? `-${TEST_LAB_INDEX}` : ''}`;
const INV = join(STATE, 'inventory.yaml');
const INDEX2 = (TEST_LAB_INDEX + 1) % 10;
const STATE2 = `/tmp/qdev-lab2-${INDEX2}`;
const INV2 = join(STATE2, 'inventory.yaml');
const json = (stdout: string): any => JSON.parse(stdout);
const sec = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

describe.skipIf(Boolean(missing))(`qdevice arbitrator on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let bootstrapMs = 0;
  beforeAll(() => {
    const up = hactl(labUpArgs(STATE, 'pacemaker', '--qdevice'));
    expect(up.status, up.stderr).toBe(0);
    // fencing from the first bootstrap on: the twins fence each other, the arbitrator runs qnetd only
    const f = hactl(['lab', 'fence', 'up', '--state-dir', STATE]);
    expect(f.status, f.stderr).toBe(0);
    const t0 = Date.now();
    const b = hactl(['bootstrap', '-i', INV, '--json']);
    bootstrapMs = Date.now() - t0;
    expect(b.status, b.stdout + b.stderr).toBe(0);
  }, 900_000);
  afterAll(() => {
    // the QNetd lab first: its netns takes the link between the labs with it
    hactl(['lab', 'down', '--state-dir', STATE]);
    const net2 = INDEX2 === 0 ? 'hactl-lab' : `hactl-l${INDEX2}`;
    expect(ipOut('-n', net2, 'link', 'show')).not.toMatch(/\bqn\d@/);
    const down2 = hactl(['lab', 'down', '--state-dir', STATE2]);
    expect(down2.status, down2.stderr).toBe(0);
  });

  it('the twins are quorate through qnetd; smoke and drift see qdevice and qnetd', async () => {
    const t0 = Date.now();
    const quorate = await eventually(() => {
      const q = ssh(STATE, 'master', 'corosync-quorumtool -s').stdout;
      return /Quorate:\s+Yes/.test(q) && /Qdevice/.test(q);
    }, 60_000);
    console.log(`bootstrap (fencing on) ${sec(bootstrapMs)}; quorate with the qdevice vote ${sec(Date.now() - t0)} after it returned`);
    expect(quorate).toBe(true);
    for (const n of ['master', 'slave']) expect(ssh(STATE, n, 'corosync-qdevice-tool -s').stdout).toMatch(/State:\s+Connected/);
    expect(ssh(STATE, 'arbitrator', 'corosync-qnetd-tool -l').stdout).toMatch(/Cluster "lab"/);
    // the arbitrator is no corosync member and runs no pacemaker
    expect(ssh(STATE, 'arbitrator', 'pgrep -x corosync || pgrep -x pacemakerd').status).toBe(1);
    const smoke = hactl(['smoke', '-i', INV]);
    expect(smoke.status, smoke.stdout + smoke.stderr).toBe(0);
    expect(smoke.stdout).toMatch(/qdevice\s+master: connected \(ffsplit\); slave: connected \(ffsplit\)/);
    expect(smoke.stdout).toMatch(/qnetd\s+arbitrator serves "lab" with master, slave/);
    expect(hactl(['drift', '-i', INV]).status).toBe(0);

    // one twin's qdevice stopped: still quorate (2 of 3 votes and the vote), so only drift and smoke show it
    ssh(STATE, 'slave', 'service corosync-qdevice stop >/dev/null 2>&1');
    const d = hactl(['drift', '-i', INV, '--json']);
    expect(d.status, d.stderr).toBe(2);
    const items = json(d.stdout).items.map((i: any) => `${i.kind} ${i.host} ${i.subject}`);
    expect(items).toContain('cluster slave qdevice');
    expect(items).not.toContain('cluster arbitrator qnetd'); // the same fact, named once
    expect(hactl(['smoke', '-i', INV]).stdout).toMatch(/✘ qdevice\s+master: connected \(ffsplit\); slave: corosync-qdevice does not run/);
    ssh(STATE, 'slave', 'service corosync-qdevice start >/dev/null 2>&1');
    expect(await eventually(() => /State:\s+Connected/.test(ssh(STATE, 'slave', 'corosync-qdevice-tool -s').stdout), 30_000)).toBe(true);
  });

  it('a second bootstrap changes nothing, the certificates included', () => {
    const b = hactl(['bootstrap', '-i', INV, '--json', '--no-smoke']);
    expect(b.status, b.stderr).toBe(0);
    expect(json(b.stdout).changed ?? 0).toBe(0);
  });

  it('with fencing: arbitrator-loss moves nothing; poweroff of the master fails over to the slave within the qdevice budget', () => {
    const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '--no-report', '--scenario', 'arbitrator-loss,poweroff']);
    const report = json(r.stdout);
    for (const x of report.results)
      console.log(
        `${x.scenario}: ${x.verdict} detection ${sec(x.detectionMs)} VIP moved ${sec(x.takeoverMs)} downtime ${sec(x.downtimeMs)} ` +
          `budget ${sec(x.budget?.ms)} (${x.budget?.basis}) ended on ${x.after}; ` +
          `fenced ${(x.fenced ?? []).map((e: any) => `${e.by ?? '?'} → ${e.target} ${e.result}`).join(', ') || 'nobody'}`,
      );
    expect(r.status, JSON.stringify(report.results.map((x: any) => [x.scenario, x.reasons]))).toBe(0);
    expect(report.fencing).toBe(true);
    const by = Object.fromEntries(report.results.map((x: any) => [x.scenario, x]));
    const [arb, off] = [by['arbitrator-loss'], by.poweroff];
    expect(arb.verdict).toBe('pass');
    expect(arb.after).toBe('master');
    expect(off.verdict, off.reasons.join('\n')).toBe('pass');
    expect(off.after).toBe('slave');
    expect(off.restored).toBe(true);
    expect(off.budget.basis).toMatch(/qdevice vote round 10000/);
    // the slave's watch saw the master leave (its membership table has a Qdevice column)
    expect(off.detectionMs).toBeGreaterThan(0);
    expect(off.fenced.filter((e: any) => e.result === 'success').map((e: any) => e.target)).toEqual(['master']);
    // the restore started the master's corosync-qdevice once its corosync answered: connected again
    expect(ssh(STATE, 'master', 'corosync-qdevice-tool -s').stdout).toMatch(/State:\s+Connected/);
  });

  it('a second lab shares the qnetd: its own cluster name and certificate, qnetd lists both clusters', () => {
    const up = hactl(['lab', 'up', '--recreate', '--index', String(INDEX2), '--state-dir', STATE2, '--qnetd-lab', STATE]);
    expect(up.status, up.stderr).toBe(0);
    const t0 = Date.now();
    const b = hactl(['bootstrap', '-i', INV2]);
    const ms = Date.now() - t0;
    expect(b.status, b.stdout + b.stderr).toBe(0);
    expect(b.stdout).toMatch(new RegExp(`qnetd\\s+arbitrator serves "lab${INDEX2}" with master, slave`));
    const list = ssh(STATE, 'arbitrator', 'corosync-qnetd-tool -l').stdout;
    console.log(`second lab (index ${INDEX2}): bootstrap ${sec(ms)}; corosync-qnetd-tool -l on the shared arbitrator:\n${list}`);
    expect(list).toMatch(/^Cluster "lab":$/m);
    expect(list).toMatch(new RegExp(`^Cluster "lab${INDEX2}":$`, 'm'));
    expect(list.match(/Node ID \d+:/g)?.length).toBe(4);
    // each cluster its own certificate, signed by the one qnetd CA
    expect(ssh(STATE, 'arbitrator', `ls /etc/corosync/qnetd/nssdb/cluster-lab${INDEX2}.crt`).status).toBe(0);
    expect(hactl(['drift', '-i', INV2]).status).toBe(0);
    expect(hactl(['drift', '-i', INV]).status).toBe(0);
  });
});
