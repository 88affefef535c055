import { describe, expect, it } from 'vitest';
import { splitSections } from '../../../src/checks/drift/live.js';
import { holdsAddress } from '../../../src/facts/addresses.js';
import { parseCliConstraints } from '../../../src/facts/cib-constraints.js';
import { parseFailCounts, parseGroups, resourceOfOp } from '../../../src/facts/crm-mon.js';
import { parseDrbdSection, parseDrbdStatus, parseProcDrbd } from '../../../src/facts/drbd-status.js';
import { heartbeatStatusCommand, parseHeartbeatStatus } from '../../../src/facts/heartbeat-status.js';
import { fixture } from './helpers.js';

describe('drbdadm status', () => {
  it('reads DRBD 9 output: roles, volumes, peers (connection omitted = Connected)', () => {
    const [r0, r1] = parseDrbdStatus(fixture('drbd9-status-ok.txt'));
    expect(r0).toEqual({
      name: 'r0',
      role: 'Primary',
      disks: ['UpToDate'],
      peers: [{ name: 'slave', connection: 'Connected', role: 'Secondary', peerDisk: 'UpToDate', replication: undefined }],
    });
    expect(r1!.disks).toEqual(['UpToDate']);
    expect(r1!.peers[0]).toMatchObject({ replication: 'Established', peerDisk: 'UpToDate' });
  });

  it('reads the 8.4 kernel through drbd-utils 9: peer named "peer", resync progress', () => {
    const [r0] = parseDrbdStatus(fixture('drbd84-status-syncing.txt'));
    expect(r0!.peers[0]).toEqual({
      name: 'peer',
      connection: 'Connected',
      role: 'Secondary',
      peerDisk: 'Inconsistent',
      replication: 'SyncSource',
      done: 45.12,
    });
  });

  it('reads a disconnected resource and skips error lines', () => {
    const states = parseDrbdStatus('r9: No such resource\n' + fixture('drbd-status-standalone.txt'));
    expect(states).toEqual([
      { name: 'r0', role: 'Secondary', disks: ['UpToDate'], peers: [{ name: 'peer', connection: 'StandAlone', role: undefined }] },
    ]);
  });

  it('falls back to /proc/drbd (8.4), mapping minors to the inventory names', () => {
    const states = parseProcDrbd(
      fixture('proc-drbd-84.txt'),
      new Map([
        [0, 'r0'],
        [1, 'r1'],
      ]),
    );
    expect(
      states.map((s) => [
        s.name,
        s.role,
        s.disks[0],
        s.peers[0]!.connection,
        s.peers[0]!.replication,
        s.peers[0]!.peerDisk,
        s.peers[0]!.done,
      ]),
    ).toEqual([
      ['r0', 'Primary', 'UpToDate', 'Connected', 'Established', 'UpToDate', undefined],
      ['r1', 'Primary', 'UpToDate', 'Connected', 'SyncSource', 'Inconsistent', 16],
      ['minor 2', 'Primary', 'UpToDate', 'WFConnection', undefined, 'DUnknown', undefined],
    ]);
  });

  it('tells "no DRBD module" apart from an empty status', () => {
    expect(parseDrbdSection('no-drbd-module\n', new Map())).toBeUndefined();
    const viaProc = parseDrbdSection(`drbdsetup: command failed\n@@proc\n${fixture('proc-drbd-84.txt')}`, new Map([[0, 'r0']]));
    expect(viaProc![0]!.name).toBe('r0');
  });
});

describe("cl_status (captured on the lab's heartbeat stack)", () => {
  it('reads running state, peers, the ping node and resource status', () => {
    expect(parseHeartbeatStatus(fixture('heartbeat-master-peer-dead.txt').split('@@hactl-live:heartbeat\n')[1]!)).toEqual({
      running: true,
      nodes: { master: 'active', slave: 'dead', '10.77.4.13': 'ping' },
      resources: 'all',
      links: {},
    });
    expect(parseHeartbeatStatus('hb stopped\nnode master unknown\nrsc unknown\n').running).toBe(false);
    expect(parseHeartbeatStatus('hb running\nlink slave /dev/ttyS1 up\nlink slave eth1 dead\nlink slave eth0\n').links).toEqual({
      'slave /dev/ttyS1': 'up',
      'slave eth1': 'dead',
      'slave eth0': 'unknown',
    });
  });

  it('asks every name in one line of shell, quoting each', () => {
    expect(heartbeatStatusCommand(['master', '10.77.0.13'])).toContain('cl_status nodestatus 10.77.0.13');
    expect(heartbeatStatusCommand(['slave'], [{ node: 'slave', link: '/dev/ttyS1' }])).toContain(
      'cl_status hblinkstatus slave /dev/ttyS1 2>/dev/null); echo "link slave /dev/ttyS1 ${s:-unknown}"',
    );
  });

  it('finds the floating IP in `ip -o -4 addr show`, not a longer address sharing its prefix', () => {
    const ip = splitSections(fixture('heartbeat-master-ok.txt')).addresses!.out;
    expect(holdsAddress(ip, '10.77.4.100')).toBe(true);
    expect(holdsAddress(ip, '10.77.4.10')).toBe(false);
  });
});

describe('Pacemaker state', () => {
  it('finds the constraint `crm_resource --move -r vip -N slave` leaves (captured)', () => {
    const xml = `<constraints>
  <rsc_location id="loc-ha-services-prefers-master" rsc="ha-services" node="master" score="100"/>
  <rsc_location id="cli-prefer-vip" rsc="vip" role="Started" node="slave" score="INFINITY"/>
</constraints>`;
    expect(parseCliConstraints(xml)).toEqual([
      { id: 'cli-prefer-vip', resource: 'vip', kind: 'prefer', node: 'slave', score: 'INFINITY', expires: undefined },
    ]);
  });

  it('reads --ban and --lifetime constraints (node and end date inside a rule)', () => {
    const xml = `<constraints>
  <rsc_location id="cli-ban-vip-on-master" rsc="vip" role="Started" node="master" score="-INFINITY"/>
  <rsc_location id="cli-prefer-ha-services" rsc="ha-services" role="Started">
    <rule id="cli-prefer-rule-ha-services" score="INFINITY" boolean-op="and">
      <expression id="cli-prefer-expr-ha-services" attribute="#uname" operation="eq" value="slave" type="string"/>
      <date_expression id="cli-prefer-lifetime-end-ha-services" operation="lt" end="2026-11-23 10:00:00 +00:00"/>
    </rule>
  </rsc_location>
</constraints>`;
    expect(parseCliConstraints(xml)).toEqual([
      { id: 'cli-ban-vip-on-master', resource: 'vip', kind: 'ban', node: 'master', score: '-INFINITY', expires: undefined },
      {
        id: 'cli-prefer-ha-services',
        resource: 'ha-services',
        kind: 'prefer',
        node: 'slave',
        score: 'INFINITY',
        expires: '2026-11-23 10:00:00 +00:00',
      },
    ]);
  });

  it('reads fail counts and groups from crm_mon XML (captured after apache2 was stopped by hand)', () => {
    const xml = fixture('crm-mon-failcount.xml');
    expect(parseFailCounts(xml)).toEqual([{ resource: 'svc-apache2', node: 'master', count: 1, lastFailure: 'Sun Nov 22 21:04:34 2026' }]);
    expect([...parseGroups(xml)]).toEqual([
      ['vip', 'ha-services'],
      ['svc-apache2', 'ha-services'],
    ]);
  });

  it('names the resource of an operation key, underscores and all', () => {
    expect(resourceOfOp('svc-apache2_monitor_5000')).toBe('svc-apache2');
    expect(resourceOfOp('my_db_start_0')).toBe('my_db');
  });
});

describe('live sections', () => {
  it('splits one round trip back into sections with their exit status', () => {
    const s = splitSections(
      '@@hactl-live:quorum\nQuorate: Yes\n@@hactl-rc:0\n@@hactl-live:crm_mon\ncrm_mon: Error: cluster is not available\n@@hactl-rc:102\n',
    );
    expect(s).toEqual({
      quorum: { out: 'Quorate: Yes\n', rc: 0 },
      crm_mon: { out: 'crm_mon: Error: cluster is not available\n', rc: 102 },
    });
  });
});

describe('waits judge facts (HostContext.waitFor)', () => {
  it('clusterFormed: every member online and quorate, else what is missing', async () => {
    const { clusterFormed, CRM_MON } = await import('../../../src/facts/crm-mon.js');
    const xml = (online: string, quorum: string) =>
      `<pacemaker-result><summary><current_dc present="true" name="a" with_quorum="${quorum}"/></summary><nodes>` +
      `<node name="a" id="1" online="true"/><node name="b" id="2" online="${online}"/></nodes><resources/></pacemaker-result>`;
    expect(clusterFormed(['a', 'b'])(CRM_MON.parse(xml('true', 'true'), 0))).toBe(true);
    expect(clusterFormed(['a', 'b'])(CRM_MON.parse(xml('false', 'false'), 0))).toBe('no quorum, b not online');
    expect(clusterFormed(['a'])(CRM_MON.parse('', 102))).toBe('Pacemaker does not answer yet');
  });
  it('heartbeatSettled: the peer active and no transition', async () => {
    const { heartbeatSettled, heartbeatStatus } = await import('../../../src/facts/heartbeat-status.js');
    const f = heartbeatStatus(['slave']);
    expect(heartbeatSettled('slave')(f.parse('hb running\nnode slave active\nrsc all\n', 0))).toBe(true);
    expect(heartbeatSettled('slave')(f.parse('hb running\nnode slave dead\nrsc transition\n', 0))).toBe(
      'peer slave: dead, resources: transition',
    );
    // auto_failback on: the master must hold them, the slave none (a pause between takeover and failback is not settled)
    expect(heartbeatSettled('slave', 'holder')(f.parse('hb running\nnode slave active\nrsc none\n', 0))).toBe(
      'peer slave: active, resources: none (waiting for all of them here)',
    );
    expect(heartbeatSettled('slave', 'holder')(f.parse('hb running\nnode slave active\nrsc all\n', 0))).toBe(true);
    expect(heartbeatSettled('master', 'idle')(f.parse('hb running\nnode master active\nrsc all\n', 0))).toBe(
      'peer master: active, resources: all (waiting for them to leave)',
    );
    expect(heartbeatSettled('master', 'idle')(f.parse('hb running\nnode master active\nrsc none\n', 0))).toBe(true);
    // the slave owns nothing in haresources: idle, Heartbeat says it holds its own (local), seen on the VM lab
    expect(heartbeatSettled('master', 'idle')(f.parse('hb running\nnode master active\nrsc local\n', 0))).toBe(true);
    expect(heartbeatSettled('master', 'idle')(f.parse('hb running\nnode master active\nrsc foreign\n', 0))).toBe(
      'peer master: active, resources: foreign (waiting for them to leave)',
    );
  });
});
