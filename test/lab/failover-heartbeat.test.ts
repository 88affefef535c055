import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { hactl, labAddresses, labMissing, ssh, TEST_LAB_INDEX } from './helpers.js';

// `hactl failover-test` on a Heartbeat R1 lab cluster with the lab's fence device:
// kill -9 heartbeat and a pulled cable on the master, measured from real probes.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = '/tmp/hactl-lab-failover-heartbeat';
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

describe.skipIf(Boolean(missing))(`failover-test: heartbeat stack on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(() => {
    const up = hactl(['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', STATE, '--stack', 'heartbeat']);
    expect(up.status, up.stderr).toBe(0);
    shortTiming();
    // the agent must be on the nodes before the stack is configured to use it
    const f = hactl(['lab', 'fence', 'up', '--state-dir', STATE]);
    expect(f.status, f.stderr).toBe(0);
    const b = hactl(['bootstrap', '-i', INV]);
    expect(b.status, b.stdout + b.stderr).toBe(0);
  });
  afterAll(() => {
    hactl(['lab', 'down', '--state-dir', STATE]);
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
});
