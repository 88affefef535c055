import { describe, expect, it } from 'vitest';
import { budgetFor } from '../../../src/checks/failover/budget.js';
import type { Faults } from '../../../src/checks/failover/faults.js';
import { arpMac, identifier } from '../../../src/checks/failover/identify.js';
import { planScenarios } from '../../../src/checks/failover/plan.js';
import { drbdInSyncOf as drbdInSync } from '../../../src/checks/failover/preflight.js';
import { failoverSettings } from '../../../src/checks/failover/settings.js';
import { heartbeatOps, pacemakerOps, parseSample, watchCommand } from '../../../src/checks/failover/stacks.js';
import { InputError } from '../../../src/core/errors.js';
import type { ClusterModel } from '../../../src/inventory/model.js';
import { labCluster, master, slave } from './fixtures.js';

const c = labCluster;

describe('parseSample', () => {
  it('reads VIP, stack, quorum and the membership list of corosync-quorumtool -s', () => {
    const out = [
      'vip=1',
      'stack=1',
      'Quorum information',
      'Node ID:          1',
      'Quorate:          Yes',
      '',
      'Membership information',
      '----------------------',
      '    Nodeid      Votes Name',
      '         1          1 master (local)',
      '         3          1 arbitrator',
      'x:fail=2',
    ].join('\n');
    expect(parseSample(out, 'master', 5)).toEqual({
      t: 5,
      node: 'master',
      reachable: true,
      vip: true,
      stack: true,
      quorate: true,
      members: ['master', 'arbitrator'],
      extra: { fail: '2' },
    });
  });
  it('reads heartbeat node states', () => {
    const s = parseSample('vip=0\nstack=1\nhbnode slave active\nhbnode master dead\n', 'slave', 0);
    expect(s).toMatchObject({ vip: false, stack: true, members: ['slave'], quorate: undefined });
  });
});

describe('stack commands', () => {
  it('watch lines: VIP test, stack test, membership; extras prefixed', () => {
    const w = watchCommand(pacemakerOps, c(), master, 'echo fail=1');
    expect(w).toContain("grep -qF -- ' 10.77.0.100/'");
    expect(w).toContain('corosync-quorumtool -s');
    expect(w).toContain("sed 's/^/x:/'");
    expect(heartbeatOps.watch(c({ stack: 'heartbeat' }), master)).toContain('cl_status nodestatus slave');
  });
  it('reset releases the VIP and stops the services; move uses crm_resource then clears', () => {
    expect(pacemakerOps.reset(c())).toContain('ip addr del 10.77.0.100/24 dev eth0');
    expect(pacemakerOps.reset(c())).toContain('service apache2 stop');
    const m = pacemakerOps.move(c(), master, slave);
    expect(m.on).toBe(master);
    expect(m.command).toMatch(/crm_resource --move -r ha-services -N slave .*crm_resource --clear -r ha-services/);
    expect(heartbeatOps.move(c(), master, slave)).toMatchObject({ on: slave, command: expect.stringContaining('hb_takeover all') });
    expect(heartbeatOps.reset(c())).toContain("pkill -9 -f '[/]heartbeat/ipfail'"); // never matches its own shell
  });
});

describe('failoverSettings', () => {
  it('defaults, and every field read from vars.failover', () => {
    expect(failoverSettings(c())).toEqual({
      moveBack: true,
      cutSeconds: 60,
      serviceProcess: 'apache2',
      dataCheck: undefined,
      markerPath: undefined,
      power: undefined,
      timeoutFactor: 1,
    });
    const s = failoverSettings(
      c({
        vars: {
          failover: {
            move_back: false,
            data_check: 'sha256sum /srv/x',
            marker_path: '/n.txt',
            power: { off: 'a {node}', on: 'b' },
            cut_seconds: 30,
          },
        },
      }),
    );
    expect(s).toMatchObject({
      moveBack: false,
      dataCheck: 'sha256sum /srv/x',
      markerPath: '/n.txt',
      power: { off: 'a {node}', on: 'b' },
      cutSeconds: 30,
    });
  });
  it('data_write (with its data_check) and timeout_factor, which scales the recovery budget', () => {
    const s = failoverSettings(c({ vars: { failover: { data_write: 'w', data_check: 'r', timeout_factor: 3 } } }));
    expect(s).toMatchObject({ dataWrite: 'w', dataCheck: 'r', timeoutFactor: 3 });
    expect(() => failoverSettings(c({ vars: { failover: { data_write: 'w' } } }))).toThrow(/data_check/);
    expect(() => failoverSettings(c({ vars: { failover: { timeout_factor: 0 } } }))).toThrow(
      /timeout_factor must be a number from 1 to 10/,
    );
    const timing = { token: 3000, consensus: 3600 } as ClusterModel['timing'];
    const slow = budgetFor('node-loss', c({ timing, vars: { failover: { timeout_factor: 3 } } }));
    expect(slow.ms - budgetFor('node-loss', c({ timing })).ms).toBe(10_000);
    expect(slow.basis).toContain('recovery 15000');
  });
  it('refuses a wrong type or an unknown key, naming the field', () => {
    expect(() => failoverSettings(c({ vars: { failover: { move_back: 'yes' } } }))).toThrow(
      /vars.failover.move_back must be true or false/,
    );
    expect(() => failoverSettings(c({ vars: { failover: { movee_back: true } } }))).toThrow(InputError);
    expect(() => failoverSettings(c({ vars: { failover: { power: { off: 'x' } } } }))).toThrow(/power must be/);
  });
});

describe('planScenarios', () => {
  const lab = { kind: 'lab /x', noPower: undefined } as unknown as Faults;
  const remote = { kind: 'ssh', noPower: 'no power commands', noFreeze: 'no freeze commands' } as unknown as Faults;
  it('a full run skips what cannot run here, with the reason', () => {
    const p = planScenarios(c({ stack: 'heartbeat' }), [], remote, failoverSettings(c()));
    expect(p.run.map((s) => s.name)).toEqual(['switchover', 'kill-stack', 'cut-link', 'split-twins', 'arbitrator-loss']);
    expect(p.skipped).toEqual([
      { name: 'kill-service', reason: 'Heartbeat R1 does not monitor resources: nothing would restart the service' },
      { name: 'poweroff', reason: 'no power commands' },
      { name: 'freeze', reason: 'no freeze commands' },
      { name: 'drbd-disconnect', reason: 'the inventory declares no DRBD resource' },
    ]);
    const drbd = [
      { name: 'r0', device: '/dev/drbd0', disk: '/dev/vdb', filesystem: { type: 'ext4', mount: '/srv/data' } },
    ] as unknown as ClusterModel['drbd'];
    expect(planScenarios(c({ drbd }), ['drbd-disconnect'], lab, failoverSettings(c())).run.map((s) => s.name)).toEqual(['drbd-disconnect']);
  });
  it('a named scenario that cannot run, or an unknown one, is an input error', () => {
    expect(() => planScenarios(c(), ['poweroff'], remote, failoverSettings(c()))).toThrow(
      /scenario poweroff cannot run on cluster lab: no power commands/,
    );
    expect(() => planScenarios(c(), ['kill-it'], lab, failoverSettings(c()))).toThrow(/unknown scenario "kill-it"/);
    expect(planScenarios(c(), ['cut-link', 'switchover'], lab, failoverSettings(c())).run.map((s) => s.name)).toEqual([
      'switchover',
      'cut-link',
    ]);
  });
});

describe('drbdInSync', () => {
  // the output of DRBD_STATUS (the facts' command): 8.4 answers through /proc/drbd
  const v84 = (line: string) =>
    `'status' not supported for kernel module version 8.4\n@@proc\nversion: 8.4.11 (api:1/proto:86-101)\n${line}\n@@klog\n`;
  const v9 = (text: string) => `${text}\n@@proc\nversion: 9.2.4\n@@klog\n`;
  it('reads DRBD 8.4 /proc/drbd and DRBD 9 drbdadm status', () => {
    const names = new Map([[0, 'r0']]);
    expect(drbdInSync(v84(' 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----'), names)).toEqual({
      ok: true,
      detail: 'r0 UpToDate on both sides',
    });
    expect(drbdInSync(v84(' 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----'))).toEqual({
      ok: false,
      detail: 'not in sync: minor 0: SyncSource, peer disk Inconsistent',
    });
    expect(drbdInSync(v9('r0 role:Primary\n  disk:UpToDate\n  slave role:Secondary\n    peer-disk:UpToDate')).ok).toBe(true);
    expect(drbdInSync(v9('r0 role:Primary\n  disk:UpToDate\n  slave connection:Connecting\n    peer-disk:DUnknown')).ok).toBe(false);
    // DRBD 9 shows no peer-disk for a peer it is not connected to
    expect(drbdInSync(v9('r0 role:Primary\n  disk:UpToDate\n  slave connection:StandAlone'))).toEqual({
      ok: false,
      detail: 'not in sync: r0: connection StandAlone (not trying to connect)',
    });
    expect(drbdInSync('no-drbd-module\n').ok).toBe(true);
    expect(drbdInSync('@@proc\n@@klog\n')).toMatchObject({ ok: false, detail: expect.stringMatching(/^cannot read the DRBD state/) });
  });
});

describe('who answered', () => {
  const arp =
    'IP address       HW type     Flags       HW address            Mask     Device\n10.77.0.100      0x1         0x2         02:77:00:00:00:0c     *        hactl-host\n';
  it('reads the ARP entry of the VIP and maps the MAC to a twin', () => {
    expect(arpMac('10.77.0.100', arp)).toBe('02:77:00:00:00:0c');
    expect(arpMac('10.77.0.99', arp)).toBeUndefined();
    const macs = new Map([['02:77:00:00:00:0c', 'slave']]);
    const id = identifier({ vip: '10.77.0.100', nodes: ['master', 'slave'], macs, marker: true, holder: () => 'master', arp: () => arp });
    expect(id({ ok: true, ms: 1, body: 'master\n' })).toBe('master'); // the marker wins
    expect(id({ ok: true, ms: 1, body: '<html>' })).toBe('slave'); // then ARP
    const noArp = identifier({ vip: '10.77.0.100', nodes: [], macs, marker: false, holder: () => 'master', arp: () => '' });
    expect(noArp({ ok: true, ms: 1 })).toBe('master'); // then the VIP holder
  });
});

describe('pacemakerOps.start with a QNetd arbitrator', () => {
  it('starts corosync-qdevice only once corosync answers on cmap, a bounded number of times, and fails when it does not run', () => {
    const lines = pacemakerOps.start.split('\n');
    const cmap = lines.findIndex((l) => l.includes('corosync-cmapctl -g runtime.votequorum.this_node_id'));
    const start = lines.findIndex((l) => l.includes('service corosync-qdevice start'));
    expect(cmap).toBeGreaterThan(lines.findIndex((l) => l.includes('service corosync start')));
    expect(start).toBeGreaterThan(cmap);
    // a cmap that never answers: 30 × 0.5 s, then qdevice is tried anyway; 3 starts, then exit 1
    expect(pacemakerOps.start).toMatch(/\[ \$i -ge 30 \] && break/);
    expect(pacemakerOps.start).toMatch(/\[ \$i -gt 3 \] && exit 1/);
    // running means answering on its socket (the process name is cut to 15 characters for pgrep -x)
    expect(pacemakerOps.start).toContain('until corosync-qdevice-tool -s >/dev/null 2>&1');
    expect(pacemakerOps.reset(c())).toContain("pkill -9 -f '^/usr/sbin/corosync-qdevice'");
  });
});
