import { describe, expect, it } from 'vitest';
import { drbdProblems } from '../../../src/checks/drbd.js';
import type { DriftItem } from '../../../src/checks/drift/items.js';
import { splitSections } from '../../../src/checks/drift/live.js';
import { pacemakerItems, unmanagedItems } from '../../../src/checks/drift/pacemaker-rules.js';
import { drbdItems, heartbeatItems, skewItems } from '../../../src/checks/drift/stack-rules.js';
import { example, fixture, liveFrom } from './helpers.js';

// Fixtures were captured on the namespace lab (index 4, 10.77.4.0/24) by running the
// live script of src/checks/drift/live.ts on each node; see fixtures/README.md.
const brief = (items: DriftItem[]): string[] => items.map((i) => `${i.host ?? '*'} ${i.subject}: ${i.message}`);

describe('pacemaker rules (captured lab states)', () => {
  const lab = example('lab');

  it('a freshly bootstrapped cluster has no drift', () => {
    const live = liveFrom({
      master: 'pacemaker-master-ok.txt',
      slave: 'pacemaker-slave-ok.txt',
      arbitrator: 'pacemaker-arbitrator-ok.txt',
    });
    expect(pacemakerItems(lab, live)).toEqual([]);
    expect(skewItems(live)).toEqual([]);
  });

  it('after `crm_resource --move -r vip -N slave` and apache2 stopped by hand on slave', () => {
    const live = liveFrom({ master: 'pacemaker-master-moved.txt', slave: 'pacemaker-slave-moved.txt' });
    const items = pacemakerItems(lab, live);
    // the cli-prefer constraint is not hactl's: a leftover, but no change to hactl's CIB elements
    expect(brief(items)).toEqual([
      '* cli-prefer-vip: leftover `crm_resource --move`: vip is pinned to slave (score INFINITY)',
      "* ha-services: runs on slave, not on master, the inventory's master (online)",
      'slave svc-apache2: failcount 1, failed svc-apache2_monitor_5000: not running',
    ]);
    expect(items[0]!.hint).toBe('crm_resource --clear -r vip');
    expect(items[2]!.hint).toMatch(/crm_resource --cleanup -r svc-apache2 -N slave/);
    expect(unmanagedItems(lab, live)).toEqual([]);
  });

  it("an owned element edited by hand is drift with its diff; an operator's additions are listed, not drift", () => {
    const ok = fixture('pacemaker-master-ok.txt');
    const edited = ok
      .replace(/(<configuration>[\s\S]*?)score="100"/, '$1score="70"')
      .replace(
        '  </resources>\n  <constraints>',
        '    <primitive id="op-dummy" class="ocf" provider="heartbeat" type="Dummy"/>\n  </resources>\n  <constraints>',
      )
      .replace(
        '  </constraints>\n',
        '    <rsc_location id="op-dummy-on-slave" rsc="op-dummy" node="slave" score="50"/>\n  </constraints>\n',
      )
      .replace(
        '    </cluster_property_set>',
        '      <nvpair id="cib-bootstrap-options-operator-note" name="operator-note" value="x"/>\n    </cluster_property_set>',
      );
    const live = new Map([['master', splitSections(edited)]]);
    const items = pacemakerItems(lab, live).filter((i) => i.subject === 'cib');
    expect(brief(items)).toEqual(['master cib: the CIB elements hactl owns differ from what it applies (replace 1)']);
    expect(items[0]!.diff).toMatch(
      /^-<rsc_location id="loc-ha-services-prefers-master" rsc="ha-services" node="master" score="70"\/>\n\+<rsc_location id="loc-ha-services-prefers-master" rsc="ha-services" node="master" score="100"\/>$/m,
    );
    expect(items[0]!.diff).not.toMatch(/op-dummy|operator-note/);
    expect(unmanagedItems(lab, live)).toEqual([
      { section: 'resources', kind: 'primitive', id: 'op-dummy' },
      { section: 'constraints', kind: 'rsc_location', id: 'op-dummy-on-slave' },
      { section: 'crm_config', kind: 'property', id: 'cib-bootstrap-options-operator-note', detail: 'operator-note=x' },
    ]);
  });

  it('a CIB of the previous hactl (no tag): drift until the next bootstrap adopts its elements', () => {
    const old = fixture('pacemaker-master-ok.txt').replace(/ {2}<tags>[\s\S]*?<\/tags>\n/, '');
    const items = pacemakerItems(lab, new Map([['master', splitSections(old)]]));
    expect(brief(items)).toEqual([
      'master cib: CIB elements made by an earlier hactl are not marked as owned yet (3; the next bootstrap adopts them)',
    ]);
  });

  it('corosync stopped on the arbitrator: offline and no quorum answer there', () => {
    const items = pacemakerItems(
      lab,
      liveFrom({ master: 'pacemaker-master-arb-down.txt', arbitrator: 'pacemaker-arbitrator-arb-down.txt' }),
    );
    expect(brief(items)).toEqual(
      expect.arrayContaining([
        'arbitrator quorum: corosync does not answer: Cannot initialize CMAP service',
        'arbitrator pacemaker node: offline (seen from master)',
      ]),
    );
  });

  it('Pacemaker not answering on either twin is one item, quorum lost is per node', () => {
    const down = splitSections(
      '@@hactl-live:quorum\nQuorate:          No\nExpected votes:   3\nTotal votes:      1\n@@hactl-rc:2\n@@hactl-live:crm_mon\ncrm_mon: Error: cluster is not available on this node\n@@hactl-rc:102\n',
    );
    const items = pacemakerItems(
      lab,
      new Map([
        ['master', down],
        ['slave', down],
      ]),
    );
    expect(brief(items)).toEqual([
      'master quorum: quorum lost: 1 of 3 expected votes',
      'slave quorum: quorum lost: 1 of 3 expected votes',
      '* pacemaker: Pacemaker does not answer on master or slave: crm_mon: Error: cluster is not available on this node',
    ]);
  });

  it('an unreadable CIB on the master is named, not taken as "differs"', () => {
    const live = new Map([
      [
        'master',
        splitSections(
          '@@hactl-live:cib\nstate cibadmin-failed\nCould not connect to the CIB: Transport endpoint is not connected\n@@hactl-rc:0\n',
        ),
      ],
    ]);
    expect(brief(pacemakerItems(lab, live))).toEqual([
      'master cib: cannot read the CIB: Could not connect to the CIB: Transport endpoint is not connected',
    ]);
  });
});

describe('heartbeat rules (captured lab states)', () => {
  const hb = example('lab-heartbeat', (y) => y.replaceAll('10.77.0.', '10.77.4.'));

  it('both twins up, the VIP on the master: no drift', () => {
    const ok = fixture('heartbeat-master-ok.txt');
    const slave = ok.replace(/.*10\.77\.4\.100\/24.*\n/, ''); // the same view, without the VIP
    expect(
      heartbeatItems(
        hb,
        new Map([
          ['master', splitSections(ok)],
          ['slave', splitSections(slave)],
        ]),
      ),
    ).toEqual([]);
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
    const run = (m: string, s: string) =>
      brief(
        heartbeatItems(
          hb,
          new Map([
            ['master', splitSections(m)],
            ['slave', splitSections(s)],
          ]),
        ),
      );
    expect(run(withIp, withIp)).toEqual(['* floating ip: both twins hold 10.77.4.100 (split brain)']);
    expect(run(withoutIp, withoutIp)).toEqual(['* floating ip: no twin holds 10.77.4.100']);
    expect(run(withoutIp, withIp)).toEqual([
      "* floating ip: 10.77.4.100 is on slave, not on master, the inventory's master, although auto_failback is on",
    ]);
  });
});

describe('DRBD rules', () => {
  const kvm = example('example-pacemaker-drbd-kvm');
  const section = (status: string) => splitSections(`@@hactl-live:drbd\n${status}@@proc\n@@hactl-rc:0\n`);

  it('Connected/UpToDate on both twins is fine; no module loaded means nothing to check', () => {
    const ok = fixture('drbd9-status-ok.txt');
    expect(
      drbdItems(
        kvm,
        new Map([
          ['kvm-a', section(ok)],
          ['kvm-b', section(ok.replace(/role:Primary/g, 'role:Secondary'))],
        ]),
      ),
    ).toEqual([]);
    expect(drbdItems(kvm, new Map([['kvm-a', splitSections('@@hactl-live:drbd\nno-drbd-module\n@@hactl-rc:0\n')]]))).toEqual([]);
  });

  it('names StandAlone, syncing, a resource that is not up, and two Primaries', () => {
    const a = section(fixture('drbd-status-standalone.txt').replace('role:Secondary', 'role:Primary'));
    const b = section(fixture('drbd84-status-syncing.txt'));
    expect(
      brief(
        drbdItems(
          kvm,
          new Map([
            ['kvm-a', a],
            ['kvm-b', b],
          ]),
        ),
      ),
    ).toEqual([
      'kvm-a drbd r0: connection StandAlone (not trying to connect)',
      'kvm-a drbd r1: not up (drbdadm status does not list it)',
      'kvm-b drbd r0: SyncSource 45.12%; peer disk Inconsistent',
      'kvm-b drbd r1: not up (drbdadm status does not list it)',
      '* drbd r0: Primary on kvm-a and kvm-b at once (split brain)',
    ]);
  });

  it('a diskless or inconsistent local disk is a problem', () => {
    expect(
      drbdProblems({
        name: 'r0',
        role: 'Secondary',
        disks: ['Diskless'],
        peers: [{ name: 'p', connection: 'Connected', peerDisk: 'UpToDate' }],
      }),
    ).toEqual(['disk Diskless']);
  });
});

describe('package version skew', () => {
  it("names each package whose versions differ, with every node's version", () => {
    const pkgs = (v: string) => splitSections(`@@hactl-live:packages\ncorosync\tii \t${v}\npacemaker\tii \t2.1.5-1\n@@hactl-rc:0\n`);
    const items = skewItems(
      new Map([
        ['master', pkgs('3.1.7-1+deb12u2')],
        ['slave', pkgs('3.1.7-1+deb12u1')],
        ['arbitrator', pkgs('3.1.7-1+deb12u2')],
      ]),
    );
    expect(brief(items)).toEqual([
      '* corosync: versions differ: 3.1.7-1+deb12u2 on master, 3.1.7-1+deb12u1 on slave, 3.1.7-1+deb12u2 on arbitrator',
    ]);
  });
});

describe('one DRBD judge for smoke, drift and failover-test', () => {
  const syncTarget = {
    name: 'r0',
    role: 'Secondary',
    disks: ['Inconsistent'],
    peers: [{ name: 'p', connection: 'Connected', replication: 'SyncTarget', peerDisk: 'UpToDate', done: 40 }],
  };
  const waiting = { name: 'r0', role: 'Primary', disks: ['UpToDate'], peers: [{ name: 'p', connection: 'WFConnection' }] };
  it('in-sync (drift, preflight): a resync or a missing peer is a problem', () => {
    expect(drbdProblems(syncTarget)).toEqual(['disk Inconsistent', 'SyncTarget 40%']);
    expect(drbdProblems(waiting)).toEqual(['connection WFConnection']);
  });
  it('serving (smoke): a resync runs, a peer being waited for is not a problem; StandAlone always is', () => {
    expect(drbdProblems(syncTarget, { strictness: 'serving' })).toEqual([]);
    expect(drbdProblems(waiting, { strictness: 'serving' })).toEqual(['connection WFConnection']);
    expect(drbdProblems(waiting, { strictness: 'serving', peerMayBeGone: true })).toEqual([]);
    const alone = { ...waiting, peers: [{ name: 'p', connection: 'StandAlone' }] };
    expect(drbdProblems(alone, { strictness: 'serving', peerMayBeGone: true })).toEqual(['connection StandAlone (not trying to connect)']);
  });
});
