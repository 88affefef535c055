import { describe, expect, it } from 'vitest';
import type { DriftItem } from '../../../src/checks/drift/items.js';
import { splitSections } from '../../../src/checks/drift/live.js';
import { pacemakerItems } from '../../../src/checks/drift/pacemaker-rules.js';
import { drbdItems, drbdProblems, heartbeatItems, skewItems } from '../../../src/checks/drift/stack-rules.js';
import { example, fixture, liveFrom } from './helpers.js';

// Fixtures were captured on the namespace lab (index 4, 10.77.4.0/24) by running the
// live script of src/checks/drift/live.ts on each node; see fixtures/README.md.
const brief = (items: DriftItem[]): string[] => items.map((i) => `${i.host ?? '*'} ${i.subject}: ${i.message}`);

describe('pacemaker rules (captured lab states)', () => {
  const lab = example('lab');

  it('a freshly bootstrapped cluster has no drift', () => {
    const live = liveFrom({ master: 'pacemaker-master-ok.txt', slave: 'pacemaker-slave-ok.txt', arbitrator: 'pacemaker-arbitrator-ok.txt' });
    expect(pacemakerItems(lab, live)).toEqual([]);
    expect(skewItems(live)).toEqual([]);
  });

  it('after `crm_resource --move -r vip -N slave` and apache2 stopped by hand on slave', () => {
    const items = pacemakerItems(lab, liveFrom({ master: 'pacemaker-master-moved.txt', slave: 'pacemaker-slave-moved.txt' }));
    expect(brief(items)).toEqual([
      '* cli-prefer-vip: leftover `crm_resource --move`: vip is pinned to slave (score INFINITY)',
      "master cib: the live CIB's constraints differ from what hactl applies",
      '* ha-services: runs on slave, not on master, the inventory\'s master (online)',
      'slave svc-apache2: failcount 1, failed svc-apache2_monitor_5000: not running',
    ]);
    expect(items[0]!.hint).toBe('crm_resource --clear -r vip');
    // the diff says what applying would do: the cli-prefer line goes
    expect(items[1]!.diff).toMatch(/^-\s+<rsc_location id="cli-prefer-vip" rsc="vip" role="Started" node="slave" score="INFINITY"\/>$/m);
    expect(items[3]!.hint).toMatch(/crm_resource --cleanup -r svc-apache2 -N slave/);
  });

  it('corosync stopped on the arbitrator: offline and no quorum answer there', () => {
    const items = pacemakerItems(lab, liveFrom({ master: 'pacemaker-master-arb-down.txt', arbitrator: 'pacemaker-arbitrator-arb-down.txt' }));
    expect(brief(items)).toEqual(expect.arrayContaining([
      'arbitrator quorum: corosync does not answer: Cannot initialize CMAP service',
      'arbitrator pacemaker node: offline (seen from master)',
    ]));
  });

  it('Pacemaker not answering on either twin is one item, quorum lost is per node', () => {
    const down = splitSections('@@hactl-live:quorum\nQuorate:          No\nExpected votes:   3\nTotal votes:      1\n@@hactl-rc:2\n@@hactl-live:crm_mon\ncrm_mon: Error: cluster is not available on this node\n@@hactl-rc:102\n');
    const items = pacemakerItems(lab, new Map([['master', down], ['slave', down]]));
    expect(brief(items)).toEqual([
      'master quorum: quorum lost: 1 of 3 expected votes',
      'slave quorum: quorum lost: 1 of 3 expected votes',
      '* pacemaker: Pacemaker does not answer on master or slave: crm_mon: Error: cluster is not available on this node',
    ]);
  });

  it('an unreadable CIB on the master is named, not taken as "differs"', () => {
    const live = new Map([['master', splitSections('@@hactl-live:cib-resources\nstate cibadmin-failed\nCould not connect to the CIB: Transport endpoint is not connected\n@@hactl-rc:0\n')]]);
    expect(brief(pacemakerItems(lab, live))).toEqual(['master cib: cannot read the CIB: Could not connect to the CIB: Transport endpoint is not connected']);
  });
});

describe('heartbeat rules (captured lab states)', () => {
  const hb = example('lab-heartbeat', (y) => y.replaceAll('10.77.0.', '10.77.4.'));

  it('both twins up, the VIP on the master: no drift', () => {
    const ok = fixture('heartbeat-master-ok.txt');
    const slave = ok.replace(/.*10\.77\.4\.100\/24.*\n/, ''); // the same view, without the VIP
    expect(heartbeatItems(hb, new Map([['master', splitSections(ok)], ['slave', splitSections(slave)]]))).toEqual([]);
  });

  it('heartbeat stopped on slave; the master sees it dead, then the ping node dead too', () => {
    const live = liveFrom({ master: 'heartbeat-master-ping-dead.txt', slave: 'heartbeat-slave-stopped.txt' });
    expect(brief(heartbeatItems(hb, live))).toEqual([
      'master peer slave: Heartbeat sees its peer slave as dead',
      'master ping 10.77.4.13: Heartbeat sees the ping node 10.77.4.13 (arbitrator) as dead',
      'slave heartbeat: Heartbeat is not running',
    ]);
  });

  it('the floating IP on both twins, on none, or on the slave while auto_failback is on', () => {
    const withIp = fixture('heartbeat-master-ok.txt');
    const withoutIp = withIp.replace(/.*10\.77\.4\.100\/24.*\n/, '');
    const run = (m: string, s: string) => brief(heartbeatItems(hb, new Map([['master', splitSections(m)], ['slave', splitSections(s)]])));
    expect(run(withIp, withIp)).toEqual(['* floating ip: both twins hold 10.77.4.100 (split brain)']);
    expect(run(withoutIp, withoutIp)).toEqual(['* floating ip: no twin holds 10.77.4.100']);
    expect(run(withoutIp, withIp)).toEqual(["* floating ip: 10.77.4.100 is on slave, not on master, the inventory's master, although auto_failback is on"]);
  });
});

describe('DRBD rules', () => {
  const kvm = example('example-pacemaker-drbd-kvm');
  const section = (status: string) => splitSections(`@@hactl-live:drbd\n${status}@@proc\n@@hactl-rc:0\n`);

  it('Connected/UpToDate on both twins is fine; no module loaded means nothing to check', () => {
    const ok = fixture('drbd9-status-ok.txt');
    expect(drbdItems(kvm, new Map([['kvm-a', section(ok)], ['kvm-b', section(ok.replace(/role:Primary/g, 'role:Secondary'))]]))).toEqual([]);
    expect(drbdItems(kvm, new Map([['kvm-a', splitSections('@@hactl-live:drbd\nno-drbd-module\n@@hactl-rc:0\n')]]))).toEqual([]);
  });

  it('names StandAlone, syncing, a resource that is not up, and two Primaries', () => {
    const a = section(fixture('drbd-status-standalone.txt').replace('role:Secondary', 'role:Primary'));
    const b = section(fixture('drbd84-status-syncing.txt'));
    expect(brief(drbdItems(kvm, new Map([['kvm-a', a], ['kvm-b', b]])))).toEqual([
      'kvm-a drbd r0: not connected to its peer: StandAlone',
      'kvm-a drbd r1: not up (drbdadm status does not list it)',
      'kvm-b drbd r0: SyncSource 45.12%; peer disk Inconsistent',
      'kvm-b drbd r1: not up (drbdadm status does not list it)',
      '* drbd r0: Primary on kvm-a and kvm-b at once (split brain)',
    ]);
  });

  it('a diskless or inconsistent local disk is a problem', () => {
    expect(drbdProblems({ name: 'r0', role: 'Secondary', disks: ['Diskless'], peers: [{ name: 'p', connection: 'Connected', peerDisk: 'UpToDate' }] })).toEqual(['local disk Diskless']);
  });
});

describe('package version skew', () => {
  it('names each package whose versions differ, with every node\'s version', () => {
    const pkgs = (v: string) => splitSections(`@@hactl-live:packages\ncorosync\tii \t${v}\npacemaker\tii \t2.1.5-1\n@@hactl-rc:0\n`);
    const items = skewItems(new Map([['master', pkgs('3.1.7-1+deb12u2')], ['slave', pkgs('3.1.7-1+deb12u1')], ['arbitrator', pkgs('3.1.7-1+deb12u2')]]));
    expect(brief(items)).toEqual(['* corosync: versions differ: 3.1.7-1+deb12u2 on master, 3.1.7-1+deb12u1 on slave, 3.1.7-1+deb12u2 on arbitrator']);
  });
});
