import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { probe } from '../../src/checks/http.js';
import { loadInventory } from '../../src/inventory/index.js';
import { LDIRECTORD_VALIDATE } from '../../src/stack/lvs.js';
import { hactl, labAddresses, labMissing, labUpArgs, ssh } from './helpers.js';

// The classic stack (Heartbeat R1: ha.cf, authkeys, haresources) built by
// `hactl bootstrap` on lab nodes; the VIP answers; a re-run changes nothing; a hard stop of
// the master (its Heartbeat dies with it) moves the IP to the slave, timed as a client sees it;
// then `hactl failover-test` with the lab's fence device (kill -9 heartbeat and a pulled
// cable on the master, measured from real probes), the day-two hand-over, and destroy. One
// lab boot and one bootstrap serve them all (CI time).
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = '/tmp/hactl-lab-heartbeat';
const INV = join(STATE, 'inventory.yaml');
const sec = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);

/** Heartbeat's timing in seconds, shorter than the defaults so the test stays quick. */
function shortTiming(): void {
  const doc = parseDocument(readFileSync(INV, 'utf8'));
  const timing = doc.createNode({ keepalive: 1, warntime: 3, deadtime: 5, initdead: 10 });
  timing.flow = true;
  doc.setIn(['cluster', 'timing'], timing);
  writeFileSync(INV, doc.toString({ lineWidth: 0 }));
}

describe.skipIf(Boolean(missing))(`bootstrap: heartbeat stack on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let vip = '';
  beforeAll(async () => {
    const r = hactl(labUpArgs(STATE, 'heartbeat', '--backplane'));
    expect(r.status, r.stderr).toBe(0);
    shortTiming();
    // the agent must be on the nodes before the stack is configured to use it
    const f = hactl(['lab', 'fence', 'up', '--state-dir', STATE]);
    expect(f.status, f.stderr).toBe(0);
    vip = (await loadInventory(INV)).floatingIps[0]!.address;
  });
  afterAll(() => {
    hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('builds it: both twins see each other, the IP is on the master only, the VIP answers', async () => {
    const t0 = Date.now();
    const r = hactl(['bootstrap', '-i', INV, '--json']);
    console.log(`heartbeat bootstrap: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.smoke.ok, JSON.stringify(out.smoke.checks, null, 1)).toBe(true);
    expect(ssh(STATE, 'master', 'cl_status nodestatus slave').stdout.trim()).toBe('active');
    // two networks (issue #20): a ucast path on each, both up
    expect(ssh(STATE, 'master', 'grep ^ucast /etc/ha.d/ha.cf').stdout).toMatch(
      /^ucast eth1 10\.79\.\d+\.12\nucast eth0 10\.77\.\d+\.12\n$/,
    );
    for (const link of ['eth0', 'eth1']) expect(ssh(STATE, 'master', `cl_status hblinkstatus slave ${link}`).stdout.trim()).toBe('up');
    expect(ssh(STATE, 'master', 'ip -o -4 addr show eth0').stdout).toContain(`${vip}/24`);
    expect(ssh(STATE, 'slave', 'ip -o -4 addr show eth0').stdout).not.toContain(`${vip}/`);
    expect(ssh(STATE, 'slave', 'stat -c %a /etc/ha.d/authkeys').stdout.trim()).toBe('600');
    const authkeys = ssh(STATE, 'master', 'cat /etc/ha.d/authkeys').stdout;
    expect(authkeys).toMatch(/^auth 1\n1 sha1 [0-9a-f]{64}\n$/);
    expect(r.stdout + r.stderr).not.toContain(authkeys.split(' ').pop()!.trim());
    expect(ssh(STATE, 'master', 'cat /etc/ha.d/haresources').stdout).toMatch(/^master IPaddr2::\S+\/24\/eth0 apache2$/m);
    expect((await probe(vip, 80, '/', 3000)).status).toBe(200);
  });

  it('LVS without IPVS (namespace lab): ldirectord.cf rendered, validated and checked, with a clear notice', () => {
    const doc = parseDocument(readFileSync(INV, 'utf8'));
    const net = vip.split('.').slice(0, 3).join('.');
    doc.setIn(
      ['lvs'],
      doc.createNode([
        { name: 'web', virtual: `${net}.200:80`, real_servers: [`${net}.13:80`], check: { type: 'http', path: '/', expect: 'It works' } },
      ]),
    );
    const lvs = join(STATE, 'lvs.yaml');
    writeFileSync(lvs, doc.toString());
    const r = hactl(['bootstrap', '-i', lvs, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.warnings.join('\n')).toMatch(/no IPVS in master's kernel: ldirectord.cf is rendered and validated/);
    const check = out.smoke.checks.find((k: { check: string }) => k.check.startsWith('LVS'));
    expect(check.ok).toBe(true);
    expect(check.detail).toMatch(/IPVS is not available in this kernel: checked the deployed ldirectord.cf/);
    expect(ssh(STATE, 'slave', 'cat /etc/ha.d/ldirectord.cf').stdout).toContain(`virtual=${net}.200:80`);
    // the validator hactl runs before the swap refuses what ldirectord's parser refuses
    const v = (file: string) => ssh(STATE, 'slave', `sh -c '${LDIRECTORD_VALIDATE.split('%s').join(file)}' 2>&1`);
    expect(v('/etc/ha.d/ldirectord.cf').status).toBe(0);
    ssh(STATE, 'slave', "sed 's/checktype=negotiate/chektype=negotiate/' /etc/ha.d/ldirectord.cf > /tmp/bad.cf");
    const bad = v('/tmp/bad.cf');
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/Unknown command/);
  });

  it('a second run reports 0 changed', () => {
    const again = JSON.parse(hactl(['bootstrap', '-i', INV, '--json', '--no-smoke']).stdout);
    expect(again.ok).toBe(true);
    expect(again.changed).toBe(0);
  });

  it('a hard stop of the master moves the IP to the slave (time measured)', async () => {
    const deadtime = (await loadInventory(INV)).timing.deadtime;
    const t0 = Date.now();
    expect(hactl(['lab', 'poweroff', 'master', '--state-dir', STATE]).status).toBe(0);
    let firstFail = 0;
    let back = 0;
    while (Date.now() - t0 < (deadtime + 30) * 1000) {
      const p = await probe(vip, 80, '/', 300);
      if (!p.ok && !firstFail) firstFail = Date.now();
      if (p.ok && firstFail) {
        back = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const takeover = (back - t0) / 1000;
    console.log(`heartbeat takeover after power-off of master: VIP answered again after ${takeover.toFixed(1)}s (deadtime ${deadtime}s)`);
    expect(back).toBeGreaterThan(0);
    expect(ssh(STATE, 'slave', 'ip -o -4 addr show eth0').stdout).toContain(`${vip}/24`);
    expect(takeover).toBeLessThan(deadtime + 15);
  });

  it('the master comes back and takes the IP back (auto_failback on)', async () => {
    expect(hactl(['lab', 'boot', 'master', '--state-dir', STATE]).status).toBe(0);
    // a rebooted node starts its stack like at boot: hactl's service task does it
    const r = hactl(['bootstrap', '-i', INV, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const end = Date.now() + 60_000;
    while (Date.now() < end && !ssh(STATE, 'master', 'ip -o -4 addr show eth0').stdout.includes(`${vip}/`))
      await new Promise((res) => setTimeout(res, 500));
    expect(ssh(STATE, 'master', 'ip -o -4 addr show eth0').stdout).toContain(`${vip}/24`);
    expect(readFileSync(join(STATE, 'inventory.yaml'), 'utf8')).toContain('stack: heartbeat');
  });
  it('kill-stack and cut-link: the slave takes over within deadtime + budget, the cluster is restored', () => {
    const vip = labAddresses(STATE).vip;
    const fenced = /^stonith_host \* external\/fence_lab \S+ \d+$/m.test(ssh(STATE, 'master', 'cat /etc/ha.d/ha.cf').stdout);
    const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '--scenario', 'kill-stack,cut-link']);
    const report = JSON.parse(r.stdout);
    console.log(
      report.results
        .map(
          (x: any) =>
            `  ${x.scenario.padEnd(11)} ${x.verdict} detection ${sec(x.detectionMs)} downtime ${sec(x.downtimeMs)} budget ${sec(x.budget?.ms)} ended on ${x.after}${x.splitBrain ? ' SPLIT BRAIN' : ''}`,
        )
        .join('\n'),
    );
    const by = Object.fromEntries(report.results.map((x: any) => [x.scenario, x]));
    for (const x of report.results) {
      expect(x.restored, `${x.scenario}: ${x.reasons}`).toBe(true);
      expect(x.probes.length).toBeGreaterThan(30);
    }
    const cut = by['cut-link'];
    expect(cut.verdict, String(cut.reasons)).toBe('pass');
    expect(cut.after).toBe('slave');
    expect(cut.downtimeMs).toBeGreaterThan(0);
    // deadtime 5 s after the last heartbeat heard, which left up to keepalive (1 s) before the cut
    expect(cut.detectionMs).toBeGreaterThanOrEqual(3500);
    // bootstrap rendered cluster.stonith into ha.cf: the slave powers the master off before taking over
    expect(fenced).toBe(true);
    const kill = by['kill-stack'];
    expect(r.status, String(kill.reasons)).toBe(0);
    expect(kill.verdict, String(kill.reasons)).toBe('pass');
    expect(kill.after).toBe('slave');
    expect(['master', 'slave'].filter((n) => ssh(STATE, n, `ip -o -4 addr show | grep -qF ' ${vip}/'`).status === 0)).toEqual(['master']);
  });

  it("two links (issue #20): cutting the master's backplane alone moves nothing, no outage", () => {
    const r = hactl(['failover-test', '-i', INV, '--yes', '--json', '-s', 'cut-link', '--link', 'backplane', '--no-report']);
    const x = JSON.parse(r.stdout).results[0];
    console.log(`heartbeat cut-link --link backplane: ${x.verdict} downtime ${sec(x.downtimeMs)} ended on ${x.after}`);
    expect(r.status, String(x.reasons)).toBe(0);
    expect(x.after).toBe('master');
    expect(x.outages).toEqual([]);
  });

  // issue #19, day two (docs/day-two.md): Heartbeat R1's hand-over with hb_standby / hb_takeover
  it('day two: standby of the master hands the service to the slave, unstandby takes it back; maintenance is refused with the reason', () => {
    const vip = labAddresses(STATE).vip;
    const holder = (): string =>
      ['master', 'slave'].filter((n) => ssh(STATE, n, `ip -o -4 addr show | grep -qF ' ${vip}/'`).status === 0).join(',');
    const day2 = (args: string[]): { status: number | null; doc: any; stderr: string } => {
      const r = hactl([...args, '-i', INV, '--json']);
      return { status: r.status, doc: JSON.parse(r.stdout), stderr: r.stderr };
    };
    const s = day2(['standby', 'master']);
    console.log(`heartbeat standby master: ${s.doc.message}, downtime ${sec(s.doc.downtimeMs)}, move ${sec(s.doc.move?.ms)}`);
    expect(s.status, s.stderr + JSON.stringify(s.doc)).toBe(0);
    expect(s.doc).toMatchObject({ ok: true, before: 'master', after: 'slave', move: { status: 'moved' } });
    expect(holder()).toBe('slave');
    const u = day2(['unstandby', 'master']);
    console.log(`heartbeat unstandby master: ${u.doc.message}, downtime ${sec(u.doc.downtimeMs)}, move ${sec(u.doc.move?.ms)}`);
    expect(u.status, u.stderr + JSON.stringify(u.doc)).toBe(0);
    expect(u.doc).toMatchObject({ ok: true, before: 'slave', after: 'master', move: { status: 'moved' } });
    expect(holder()).toBe('master');
    const m = hactl(['maintenance', 'on', '-i', INV]);
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/Heartbeat R1 has no maintenance mode: it does not monitor resources/);
  });

  it('destroy: refuses without a terminal or --yes; takes everything of hactl away, data kept; a second run finds nothing; bootstrap builds it again', () => {
    const t0 = Date.now();
    const no = hactl(['destroy', '-i', INV]);
    expect(no.status).toBe(2);
    expect(no.stderr).toMatch(/--yes/);
    const d = hactl(['destroy', '-i', INV, '--yes']);
    expect(d.status, d.stdout + d.stderr).toBe(0);
    expect(d.stdout).toMatch(/master: stack stopped and disabled; removed .*\/etc\/ha.d\/ha.cf/);
    for (const n of ['master', 'slave']) {
      const left = ssh(
        STATE,
        n,
        'ls /etc/ha.d/ha.cf /etc/ha.d/authkeys /etc/ha.d/haresources 2>/dev/null; pgrep -x heartbeat; ls /var/lib/hactl/cib 2>/dev/null; true',
      ).stdout.trim();
      expect(left, `${n} still has: ${left}`).toBe('');
      // the copies are kept in a generation (0700), the authkeys copy private
      expect(ssh(STATE, n, 'stat -c %a /var/lib/hactl/generations/*/files/etc/ha.d/authkeys').stdout.trim()).toBe('600');
    }
    expect(ssh(STATE, 'master', `ip -o -4 addr show eth0`).stdout).not.toContain(`${vip}/`);
    const again = hactl(['destroy', '-i', INV, '--yes']);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing left of cluster/);
    const destroySecs = (Date.now() - t0) / 1000;
    const b = hactl(['bootstrap', '-i', INV, '--json']);
    expect(b.status, b.stdout + b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).smoke.ok).toBe(true);
    console.log(`destroy ×2: ${destroySecs.toFixed(1)}s; destroy + bootstrap again: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(ssh(STATE, 'master', 'ip -o -4 addr show eth0').stdout).toContain(`${vip}/24`);
  });
});
