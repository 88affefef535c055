import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseProbes } from '../../src/checks/failover/analyse.js';
import { Prober } from '../../src/checks/failover/prober.js';
import { formatResult } from '../../src/checks/failover/report.js';
import { canonical, readConfiguration } from '../../src/stack/cib.js';
import { eventually, hactl, hactlAsync, labAddresses, labMissing, labUpArgs, ROOT, ssh, TEST_LAB_INDEX } from './helpers.js';

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
    .map(
      (r: any) =>
        `  ${r.scenario.padEnd(16)} ${r.verdict.padEnd(5)} detection ${sec(r.detectionMs)} downtime ${sec(r.downtimeMs)} budget ${sec(r.budget?.ms)} ended on ${r.after} probes ${r.probes.length}`,
    )
    .join('\n');
}

const VOTERS = ['master', 'slave', 'arbitrator'];
/** sha256 of corosync.conf on each voter and of the desired CIB sections on the master. */
const fileSums = (): string =>
  VOTERS.map(
    (n) =>
      ssh(
        STATE,
        n,
        `sha256sum /etc/corosync/corosync.conf${n === 'master' ? ' /var/lib/hactl/cib/resources.xml /var/lib/hactl/cib/constraints.xml' : ''}`,
      ).stdout,
  ).join('');
/** The CIB elements hactl owns (and the tag), structurally (attribute order and whitespace do not count). */
function ownedCib(): string[] {
  const { elements, tagIds } = readConfiguration(ssh(STATE, 'master', 'cibadmin -Q --scope configuration').stdout);
  return [...elements.filter((e) => tagIds?.includes(e.id)).map((e) => canonical(e.el)), `tag: ${tagIds?.join(',')}`];
}

const vipHolder = (vip: string): string =>
  ['master', 'slave'].filter((n) => ssh(STATE, n, `ip -o -4 addr show | grep -qF ' ${vip}/'`).status === 0).join(',');

/** The report a failed scenario wrote (its reasons name it): checked to be there, then removed (it lands in the checkout). */
function reportOf(reasons: string[]): string {
  const path = /note: report written to (\S+)/.exec(reasons.join('\n'))?.[1] ?? '';
  expect(path && existsSync(path), reasons.join('\n')).toBe(true);
  rmSync(path, { force: true });
  return path;
}

describe.skipIf(Boolean(missing))(`failover-test: pacemaker stack on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let vip = '';
  beforeAll(() => {
    // two networks (issue #20): cut-link cuts both links, split-twins blackholes both of the peer's addresses
    const up = hactl(labUpArgs(STATE, 'pacemaker', '--backplane'));
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
    expect(
      await eventually(() => /OFFLINE: \[ arbitrator \]|offline.*arbitrator/i.test(ssh(STATE, 'master', 'crm_mon -1').stdout), 30_000),
    ).toBe(true);
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

  it('without fencing, kill-stack, freeze, split-twins and poweroff are never a pass: split brain or data at risk, with the reason', () => {
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
    // a failed scenario collects a report (hactl report) into the working directory
    expect(reportOf(ks.reasons)).toMatch(/\/lab-report-\d{8}T\d{6}Z\.tar\.gz$/);

    // issue #18: the master hangs longer than the budget, then resumes still holding the
    // VIP: without fencing nobody stopped it, so both twins serve at once: data at risk
    const t0 = Date.now();
    const fr = hactl(['failover-test', '-i', INV, '--yes', '--json', '--scenario', 'freeze']);
    const frozen = json(fr.stdout).results[0];
    console.log(`freeze, no fencing (${sec(Date.now() - t0)}):\n${figures(json(fr.stdout))}\n${frozen.reasons.join('\n')}`);
    expect(fr.status, fr.stderr).toBe(1);
    expect(frozen.verdict).toBe('fail');
    expect(frozen.reasons[0]).toMatch(/^SPLIT BRAIN: .*master and slave.*data at risk: no fencing/);
    expect(frozen.restored).toBe(true);
    expect(vipHolder(vip)).toBe('master');
    reportOf(frozen.reasons);

    // issue #18: a lost twin without fencing is never a pass, even when the probes saw no
    // overlap (the inquorate twin stopped by itself, the master was really off)
    const t1 = Date.now();
    const lost = hactl(['failover-test', '-i', INV, '--yes', '--json', '--no-report', '--scenario', 'split-twins,poweroff']);
    const byName = (name: string) => json(lost.stdout).results.find((x: any) => x.scenario === name);
    const [split, off] = [byName('split-twins'), byName('poweroff')];
    console.log(`split-twins and poweroff, no fencing (${sec(Date.now() - t1)}):\n${figures(json(lost.stdout))}`);
    expect(lost.status, lost.stderr).toBe(1);
    for (const [x, why] of [
      [split, /data at risk: no fencing: the twins lost each other|SPLIT BRAIN: .*data at risk: no fencing/],
      [off, /^data at risk: no fencing: master was lost and nothing made sure/],
    ] as const) {
      expect(x.verdict, x.reasons.join('\n')).toBe('fail');
      expect(x.reasons.join('\n')).toMatch(why);
      expect(x.restored, x.reasons.join('\n')).toBe(true);
    }
    expect(off.after).toBe('slave');
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

  it('with the lab fence device: split-twins and freeze pass, and their reports name who fenced whom', () => {
    const t0 = Date.now();
    // on the fenced cluster of the test above (fence device and STONITH set up there, or here when run alone)
    if (ssh(STATE, 'master', 'crm_attribute -t crm_config -n stonith-enabled -G -q').stdout.trim() !== 'true') {
      expect(hactl(['lab', 'fence', 'up', '--state-dir', STATE]).status).toBe(0);
      const b = hactl(['bootstrap', '-i', INV, '--no-smoke']);
      expect(b.status, b.stdout + b.stderr).toBe(0);
    }
    const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '--scenario', 'split-twins,freeze']);
    const report = json(r.stdout);
    const text = report.results
      .map((x: any) => {
        const fenced = x.fenced?.map((e: any) => ({ ...e, at: e.at && Date.parse(e.at) }));
        return formatResult({ ...x, faultAt: Date.parse(x.faultAt), fenced });
      })
      .join('\n');
    console.log(`split-twins and freeze with fencing (${sec(Date.now() - t0)}):\n${figures(report)}\n${text}`);
    const by = Object.fromEntries(report.results.map((x: any) => [x.scenario, x]));
    // Corosync 3.1.7 does not always fence on a twin-only cut: seen by hand on a lab, the master
    // can end alone and inquorate while the slave and the arbitrator keep a stale view with it in
    // (nothing moves, nobody fenced, the master keeps serving). hactl must not call that a pass:
    // its judge fails it as "kept the floating IP … without quorum … data at risk" (issue #18).
    // That verdict, with that reason only, is the cluster's fault, not hactl's: accepted here.
    const stale = by['split-twins'].verdict === 'fail' && by['split-twins'].reasons.every((x: string) => /without quorum/.test(x));
    if (stale) console.log(`split-twins: the master served without quorum, judged: ${by['split-twins'].reasons.join('; ')}`);
    expect(r.status, JSON.stringify(report.results.map((x: any) => [x.scenario, x.reasons]))).toBe(stale ? 1 : 0);
    for (const name of ['split-twins', 'freeze']) {
      const x = by[name];
      if (name === 'split-twins' && stale) expect(x.after).toBe('master');
      else expect(x.verdict, `${name}: ${x.reasons}`).toBe('pass');
      expect(x.restored).toBe(true);
      expect(x.splitBrain).toBeUndefined();
      expect(x.downtimeMs).toBeLessThanOrEqual(x.budget.ms);
      expect(Array.isArray(x.fenced), `${name}: no fencing history`).toBe(true);
    }
    // split-twins: one twin kept the service, the other was fenced at most once, the winner never
    // (in the stale case above: nobody fenced); the other runs fenced the master within 5 s.
    const split = by['split-twins'];
    expect(['master', 'slave']).toContain(split.after);
    const loser = split.after === 'master' ? 'slave' : 'master';
    const shot = split.fenced.filter((e: any) => e.result === 'success').map((e: any) => e.target);
    expect([[], [loser]]).toContainEqual(shot);
    // freeze: the slave took over and the frozen master was fenced before it could answer again
    expect(by['freeze'].after).toBe('slave');
    expect(by['freeze'].fenced.filter((e: any) => e.result === 'success').map((e: any) => e.target)).toEqual(['master']);
    if (shot.length) expect(text).toMatch(new RegExp(`fenced: \\S+ → ${loser} \\(`));
    expect(text).toMatch(/fenced: \S+ → master \(/);
    expect(vipHolder(vip)).toBe('master');
  }, 900_000);

  it("history and rollback: a corosync timing, an owned resource op and a declared resource's params changed through the inventory, then rolled back without an outage", async () => {
    const t0 = Date.now();
    const original = readFileSync(INV, 'utf8');
    expect(original).toMatch(/token: 1000/);
    // a declared resource (issue #17: `pacemaker:` in the inventory) is part of the state rolled back to
    const declared = (fake: string): string =>
      `${original.trimEnd()}\npacemaker:\n  resources:\n    - { id: extra-dummy, agent: 'ocf:heartbeat:Dummy', params: { fake: ${fake} }, ops: [{ name: monitor, interval: 10s, timeout: 20s }] }\n`;
    writeFileSync(INV, declared('before'));
    const base = await hactlAsync(['bootstrap', '-i', INV, '--no-smoke', '--json']);
    expect(base.status, base.stdout + base.stderr).toBe(0);
    const sumsBefore = fileSums();
    const cibBefore = ownedCib();
    expect(JSON.stringify(cibBefore)).toMatch(/extra-dummy/);
    const prober = new Prober({ address: vip, port: 80, path: '/' });
    prober.start();
    try {
      // the change: corosync.conf (totem token, reloaded), the monitor interval of the owned VIP
      // and service, and the declared Dummy's params
      writeFileSync(INV, declared('after').replace('token: 1000', 'token: 1200, monitor_interval: 7'));
      const changed = await hactlAsync(['bootstrap', '-i', INV, '--no-smoke', '--json']);
      expect(changed.status, changed.stdout + changed.stderr).toBe(0);
      const runId = JSON.parse(changed.stdout).runId as string;
      expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
      expect(fileSums()).not.toBe(sumsBefore);
      expect(ssh(STATE, 'master', 'cibadmin -Q --scope resources').stdout).toMatch(/interval="7s"/);
      expect(ssh(STATE, 'master', 'crm_resource -r extra-dummy -g fake').stdout.trim()).toBe('after');

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
      expect(ssh(STATE, 'master', 'crm_resource -r extra-dummy -g fake').stdout.trim()).toBe('before');
      const probes = await prober.stop();
      const a = analyseProbes(probes);
      console.log(
        `rollback: ${(rollbackMs / 1000).toFixed(1)}s, history: ${(historyMs / 1000).toFixed(1)}s; prober: ${probes.length} probes, ${probes.filter((p) => !p.ok).length} failed, longest outage ${a.longestMs} ms; test ${((Date.now() - t0) / 1000).toFixed(1)}s`,
      );
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
      // the later tests run on the cluster as the lab made it: the declared Dummy goes
      const undeclared = await hactlAsync(['bootstrap', '-i', INV, '--no-smoke']);
      expect(undeclared.status, undeclared.stdout + undeclared.stderr).toBe(0);
    }
  }, 600_000);
  // issue #19, day two (docs/day-two.md): on the fenced cluster of the test above
  const day2 = (args: string[]): { status: number | null; doc: any; stderr: string } => {
    const r = hactl([...args, '-i', INV, '--json']);
    return { status: r.status, doc: JSON.parse(r.stdout), stderr: r.stderr };
  };
  const cliConstraints = (): string =>
    ssh(STATE, 'master', 'cibadmin -Q --scope constraints')
      .stdout.split('\n')
      .filter((l) => /id="cli-(prefer|ban)-/.test(l))
      .join('\n');

  it('day two: standby of the master moves the service to the slave and unstandby back, each with its downtime', () => {
    const s = day2(['standby', 'master']);
    console.log(`standby master: ${s.doc.message}, downtime ${sec(s.doc.downtimeMs)}, move ${sec(s.doc.move?.ms)}`);
    expect(s.status, s.stderr).toBe(0);
    expect(s.doc).toMatchObject({ ok: true, before: 'master', after: 'slave', move: { status: 'moved', from: 'master', to: 'slave' } });
    expect(s.doc.probes).toBeGreaterThan(20);
    expect(ssh(STATE, 'master', 'crm_standby -N master -G -q').stdout.trim()).toBe('on');
    const u = day2(['unstandby', 'master']);
    console.log(`unstandby master: ${u.doc.message}, downtime ${sec(u.doc.downtimeMs)}, move ${sec(u.doc.move?.ms)}`);
    expect(u.status, u.stderr).toBe(0);
    expect(u.doc).toMatchObject({ ok: true, before: 'slave', after: 'master', move: { status: 'moved', to: 'master' } });
    expect(ssh(STATE, 'master', 'crm_standby -N master -G -q').stdout.trim()).toBe('off');
    expect(vipHolder(vip)).toBe('master');
  });

  it('day two: in maintenance a killed service is not recovered; after maintenance off it is', async () => {
    const on = day2(['maintenance', 'on']);
    expect(on.status, on.stderr).toBe(0);
    ssh(STATE, 'master', 'pkill -9 -x apache2');
    await new Promise((r) => setTimeout(r, 10_000)); // two monitor intervals: the cluster would have restarted it
    expect(ssh(STATE, 'master', 'pgrep -x apache2').status).toBe(1);
    const off = day2(['maintenance', 'off']);
    console.log(`maintenance off: ${off.doc.message}; ${off.doc.notes.join('; ')}`);
    expect(off.status, off.stderr).toBe(0);
    expect(await eventually(() => ssh(STATE, 'master', 'pgrep -x apache2').status === 0, 30_000)).toBe(true);
    expect(ssh(STATE, 'master', 'crm_attribute -t crm_config -n maintenance-mode -G -q 2>/dev/null').stdout.trim()).not.toBe('true');
    ssh(STATE, 'master', 'crm_resource --cleanup >/dev/null; crm_resource --wait --timeout=60s');
  });

  it('day two: move and clear leave no cli-prefer/cli-ban constraint; drift exits 0', () => {
    const m = day2(['move']);
    console.log(`move: ${m.doc.message}, downtime ${sec(m.doc.downtimeMs)}`);
    expect(m.status, m.stderr).toBe(0);
    expect(m.doc).toMatchObject({ after: 'slave', move: { status: 'moved' } });
    expect(cliConstraints()).toBe('');
    // a leftover of a hand-made `crm_resource --ban`, as an operator leaves it
    ssh(STATE, 'slave', 'crm_resource --ban -r ha-services -N master >/dev/null 2>&1');
    expect(cliConstraints()).toMatch(/cli-ban-ha-services-on-master/);
    const c = day2(['clear']);
    expect(c.status, c.stderr).toBe(0);
    expect(c.doc.cleared).toEqual(['cli-ban-ha-services-on-master']);
    expect(c.doc.after).toBe('slave');
    expect(cliConstraints()).toBe('');
    const back = day2(['move', '--to', 'master']);
    expect(back.status, back.stderr).toBe(0);
    expect(cliConstraints()).toBe('');
    const d = hactl(['drift', '-i', INV]);
    expect(d.status, d.stdout + d.stderr).toBe(0);
  });

  it('day two: a move back that cannot complete (apache2 cannot start on the master) keeps the service on the slave, exit 1', () => {
    // the CI incident: `failover-test -s poweroff`, then the restore's move back fails. The
    // master's apache2 configuration is broken before (the running apache2 does not read it
    // again), so the move back fails on the start and must leave the service on the slave.
    ssh(STATE, 'master', 'echo BrokenDirective > /etc/apache2/conf-enabled/zz-hactl-broken.conf');
    try {
      const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '--scenario', 'poweroff']);
      const ks = json(r.stdout).results[0];
      console.log(
        `move back blocked: ${ks.verdict}, restored ${ks.restored}, restore downtime ${sec(ks.restoreDowntimeMs)}: ${ks.reasons.join(' | ')}`,
      );
      expect(r.status).toBe(1);
      expect(ks.restored).toBe(false);
      expect(ks.reasons.join('\n')).toMatch(/move back failed, service kept on slave/);
      expect(reportOf(ks.reasons)).toMatch(/\.tar\.gz$/);
      expect(vipHolder(vip)).toBe('slave');
      expect(ssh(STATE, 'master', 'crm_mon -1').stdout).not.toMatch(/Stopped/);
      expect(cliConstraints()).toBe('');
      // and `move` itself, the same one operation (the failed start cleared first: an
      // unhealthy cluster is refused, and it is what keeps the group off the master)
      ssh(STATE, 'master', 'crm_resource --cleanup >/dev/null; crm_resource --wait --timeout=60s');
      expect(vipHolder(vip)).toBe('slave');
      const m = day2(['move', '--to', 'master']);
      expect(m.status).toBe(1);
      expect(m.doc).toMatchObject({
        ok: false,
        message: 'move failed, service kept on slave',
        after: 'slave',
        move: { status: 'kept', on: 'slave' },
      });
      console.log(`move --to master blocked: downtime ${sec(m.doc.downtimeMs)} in ${sec(m.doc.move.ms)}: ${m.doc.notes.join(' | ')}`);
      expect(vipHolder(vip)).toBe('slave');
      expect(cliConstraints()).toBe('');
    } finally {
      ssh(
        STATE,
        'master',
        'rm -f /etc/apache2/conf-enabled/zz-hactl-broken.conf; crm_resource --cleanup >/dev/null; crm_resource --wait --timeout=60s',
      );
    }
    const back = day2(['move', '--to', 'master']);
    expect(back.status, back.stderr).toBe(0);
    expect(vipHolder(vip)).toBe('master');
  });
  // issue #19, rolling upgrade: a real package (the lab's canary, built with dpkg-deb and
  // published into this lab's repo) upgraded node by node while the prober runs
  const canary = (): string[] => VOTERS.map((n) => ssh(STATE, n, "dpkg-query -W -f='${Version}' hactl-lab-canary").stdout.trim());
  const records = (): string => VOTERS.map((n) => ssh(STATE, n, 'cat /var/lib/hactl/rolling-upgrade.json 2>/dev/null').stdout).join('');
  const standbys = (): string[] =>
    VOTERS.filter((n) => ssh(STATE, 'master', `crm_standby -N ${n} -G -q 2>/dev/null`).stdout.trim() === 'on');

  // One run covers both proofs (CI time): the upgrade is killed after its first node and
  // --resume finishes it; the resumed run holds both switchovers, and clients must see
  // outages only while the service moves.
  it('rolling upgrade 1.0 → 1.1 (a dry run first), killed (SIGKILL) after its first node, --resume finishes it: every node 1.1, none in standby, downtime only in its two switchovers', async () => {
    const t0 = Date.now();
    const p0 = hactl(['lab', 'publish', '--canary', '1.0', '--state-dir', STATE]);
    expect(p0.status, p0.stderr).toBe(0);
    for (const n of VOTERS) {
      const i = ssh(
        STATE,
        n,
        'DEBIAN_FRONTEND=noninteractive apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -y -q install hactl-lab-canary >/dev/null 2>&1',
      );
      expect(i.status, i.stderr).toBe(0);
    }
    expect(canary()).toEqual(['1.0', '1.0', '1.0']);
    const p1 = hactl(['lab', 'publish', '--canary', '1.1', '--state-dir', STATE]);
    expect(p1.status, p1.stderr).toBe(0);
    const plan = day2(['rolling-upgrade', '--packages', 'hactl-lab-canary', '--dry-run']);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.doc.plan).toEqual([
      'upgrade arbitrator',
      'upgrade slave',
      'switchover master → slave',
      'upgrade master',
      'move back slave → master',
    ]);
    expect(plan.doc.nodes.map((n: any) => n.after['hactl-lab-canary'])).toEqual(['1.1', '1.1', '1.1']);
    expect(canary()).toEqual(['1.0', '1.0', '1.0']); // a dry run changes nothing

    const child = spawn(process.execPath, [join(ROOT, 'bin/hactl'), 'rolling-upgrade', '-i', INV, '--packages', 'hactl-lab-canary'], {
      cwd: ROOT,
    });
    let err = '';
    const killed = new Promise<string>((done) => {
      child.stderr.on('data', (d) => {
        err += d;
        // the first node is done; kill while the next one is under way
        if (/\] slave: standby/.test(err) && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          done(err);
        }
      });
      child.on('close', () => done(err));
    });
    const out = await killed;
    await new Promise((r) => (child.exitCode !== null || child.signalCode ? r(undefined) : child.on('close', r)));
    expect(child.signalCode, out).toBe('SIGKILL');
    expect(out).toMatch(/arbitrator: upgraded and back in service \(hactl-lab-canary 1\.0 → 1\.1\)/);
    expect(canary()[2]).toBe('1.1');
    expect(records()).toMatch(/"phase":"done"/);
    // a new run refuses while one is recorded
    const again = hactl(['rolling-upgrade', '-i', INV, '--packages', 'hactl-lab-canary']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/an interrupted rolling upgrade .* is recorded on .*arbitrator \(done\).*\n?.*--resume/s);
    const tr = Date.now();
    const res = await hactlAsync(['rolling-upgrade', '-i', INV, '--resume', '--json']);
    const r = JSON.parse(res.stdout);
    console.log(
      `--resume after SIGKILL: ${r.message}; ${r.steps.map((s: any) => `${s.step} ${sec(s.ms)}${s.outagesMs.length ? ` (outage ${s.outagesMs.map(sec).join('+')})` : ''}`).join(', ')}; ` +
        `downtime ${sec(r.downtimeMs)} (${sec(r.switchoverDowntimeMs)} in switchovers), ${r.probes} probes; resume ${sec(Date.now() - tr)}, test ${sec(Date.now() - t0)}`,
    );
    expect(res.status, res.stderr).toBe(0);
    expect(r.resumed).toBe(true);
    expect(r.nodes.find((n: any) => n.name === 'arbitrator').status).toBe('done before');
    const steps = r.steps.map((s: any) => s.step);
    expect(steps).not.toContain('upgrade arbitrator');
    expect(steps).toEqual(
      expect.arrayContaining(['upgrade slave', 'switchover master → slave', 'upgrade master', 'move back slave → master']),
    );
    for (const n of r.nodes.filter((x: any) => x.name !== 'arbitrator'))
      expect([n.status, n.before['hactl-lab-canary'], n.after['hactl-lab-canary']]).toEqual(['upgraded', '1.0', '1.1']);
    expect(r.probes).toBeGreaterThan(50);
    // clients saw outages only while the service moved: no more than the two switchovers
    expect(r.downtimeMs).toBe(r.switchoverDowntimeMs);
    expect(canary()).toEqual(['1.1', '1.1', '1.1']);
    expect(standbys()).toEqual([]);
    expect(records()).toBe('');
    expect(vipHolder(vip)).toBe('master');
    const smoke = hactl(['smoke', '-i', INV]);
    expect(smoke.status, smoke.stdout).toBe(0);
  }, 900_000);
});
