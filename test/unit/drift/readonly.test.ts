import { describe, expect, it } from 'vitest';
import { liveScript, liveSections } from '../../../src/checks/drift/live.js';
import { example } from './helpers.js';

// The live checks must never write to a node. Every script the examples generate is held
// to a deny-list of writing commands and to "redirect only to /dev/null or another fd".
// (`drbdadm -d adjust` is adjust's dry run: it prints the commands and runs none.)
const WRITERS = [
  /\bmktemp\b/,
  /\bmodprobe\b/,
  /\brm\s/,
  /\bmv\s/,
  /\bcp\s/,
  /\bchmod\b/,
  /\bchown\b/,
  /\btee\b/,
  /\btouch\b/,
  /\bmkdir\b/,
  /\bdd\s/,
  /\bsed\s+-i/,
  /\bapt(-get)?\s/,
  /\bdpkg\s+-[iPr]/,
  /\bcrm_resource\b/,
  /\bcrm_attribute\b/,
  /\bcrm_shadow\b/,
  /\bcibadmin\s+(?!-Q\b)/,
  /\bdrbdadm\s+(?!status\b|-d adjust\b)/,
  /\bsystemctl\s+(?!is-)/,
  /\bservice\s+\S+\s+(start|stop|restart|reload)/,
  /\bcorosync-cfgtool\s+(?!-s\b)/, // -s reads the links' state; -R, -H and the rest act
  /\bcorosync-qdevice-tool\s+(?!-s\b)/, // -s reads qdevice's state; -d/-s… -v only print, but only -s is allowed
  /\bcorosync-qnetd-tool\s+(?!-l\b)/, // -l lists the clusters; -d, -s… stay out
  /\bcorosync-q(device|netd)(-net)?-certutil\b/,
  /\bupdate-rc\.d\b/,
  /\bln\s/,
  /\bip\s+(?!-o -4 addr show)/,
];

const redirects = (script: string): string[] =>
  [...script.matchAll(/(\d?)>>?\s*("[^"]*"|'[^']*'|[^\s;)]+)/g)].map((m) => m[2]!).filter((t) => !/^(&\d|\/dev\/null)$/.test(t));

describe('the live-check script is read-only', () => {
  for (const name of ['lab', 'lab-heartbeat', 'example-pacemaker-drbd-kvm', 'example-heartbeat-xen'] as const) {
    it(`${name}: every node's script holds no writing command and no redirect into a file`, () => {
      const c = example(name);
      for (const n of c.nodes) {
        const script = liveScript(c, n);
        for (const w of WRITERS) expect(script, `${n.name}: ${w}`).not.toMatch(w);
        expect(redirects(script), n.name).toEqual([]);
      }
    });
  }

  it('with SBD (cluster.stonith.sbd) too: its state section writes nothing', () => {
    const c = example('lab', (y) => y.replace(/ {4}enabled: false[^\n]*\n/, '    enabled: true\n    sbd: {}\n'));
    for (const n of c.nodes) {
      const script = liveScript(c, n);
      expect(script).toContain('systemctl is-active sbd');
      for (const w of WRITERS) expect(script, `${n.name}: ${w}`).not.toMatch(w);
      expect(redirects(script), n.name).toEqual([]);
    }
  });

  it('asks each role only what it can answer: votes everywhere, CIB on the master, DRBD on twins', () => {
    const c = example('example-pacemaker-drbd-kvm');
    const names = (n: string) => liveSections(c, c.nodes.find((x) => x.name === n)!).map(([s]) => s);
    expect(names('kvm-a')).toEqual([
      'packages',
      'quorum',
      'crm_mon',
      'constraints',
      'cib',
      'properties',
      'running-corosync',
      'links',
      'drbd',
      'running-drbd',
    ]);
    expect(names('kvm-b')).toEqual(['packages', 'quorum', 'crm_mon', 'constraints', 'running-corosync', 'links', 'drbd', 'running-drbd']);
    expect(names('quorum')).toEqual(['packages', 'quorum', 'running-corosync', 'links']);
  });

  it('with a QNetd arbitrator (cluster.arbitrator.mode: qdevice): qdevice-tool -s on the twins, qnetd-tool -l on the arbitrator, nothing else', () => {
    const c = example('lab', (y) => y.replace('  stack: pacemaker\n', '  stack: pacemaker\n  arbitrator: { mode: qdevice }\n'));
    for (const n of c.nodes) {
      const script = liveScript(c, n);
      for (const w of WRITERS) expect(script, `${n.name}: ${w}`).not.toMatch(w);
      expect(redirects(script), n.name).toEqual([]);
    }
    expect(liveScript(c, c.master)).toContain('corosync-qdevice-tool -s');
    expect(liveSections(c, c.arbitrator!)).toEqual([
      ['packages', expect.stringContaining('corosync-qnetd')],
      ['qnetd', 'corosync-qnetd-tool -l'],
    ]);
    expect(WRITERS.some((w) => w.test('corosync-qnetd-tool -d'))).toBe(true);
    expect(WRITERS.some((w) => w.test('corosync-qdevice-net-certutil -i -c ca.crt'))).toBe(true);
    expect(WRITERS.some((w) => w.test('corosync-qdevice-tool -s') || w.test('corosync-qnetd-tool -l'))).toBe(false);
  });

  it('the deny-list itself catches writes (so a green run means something)', () => {
    expect(WRITERS.some((w) => w.test('modprobe drbd'))).toBe(true);
    expect(WRITERS.some((w) => w.test('cibadmin --replace --scope constraints'))).toBe(true);
    expect(WRITERS.some((w) => w.test('corosync-cfgtool -R'))).toBe(true);
    expect(WRITERS.some((w) => w.test('corosync-cfgtool -s'))).toBe(false);
    expect(redirects('cibadmin -Q > /var/lib/hactl/cib/.live.xml 2>/dev/null')).toEqual(['/var/lib/hactl/cib/.live.xml']);
  });
});
