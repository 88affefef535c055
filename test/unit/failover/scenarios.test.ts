import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseProbes, DRBD_PRIMARY, findSplitBrain, splitBrainOf } from '../../../src/checks/failover/analyse.js';
import { budgetFor } from '../../../src/checks/failover/budget.js';
import { type Faults, fillNode, RemoteFaults } from '../../../src/checks/failover/faults.js';
import { fencingFindings, type JudgeInput, judge } from '../../../src/checks/failover/judge.js';
import type { NodeRunner } from '../../../src/checks/failover/nodes.js';
import { partitionCommands } from '../../../src/checks/failover/partition.js';
import { planScenarios } from '../../../src/checks/failover/plan.js';
import { fencedLine, formatResult, reportJson } from '../../../src/checks/failover/report.js';
import { freezeMs } from '../../../src/checks/failover/scenarios/freeze.js';
import { pickScenarios, SCENARIOS } from '../../../src/checks/failover/scenarios/index.js';
import { failoverSettings } from '../../../src/checks/failover/settings.js';
import { DRBD_ROLE_LINE, heartbeatOps, pacemakerOps, parseSample, watchCommand } from '../../../src/checks/failover/stacks.js';
import type { FailoverReport, ScenarioResult } from '../../../src/checks/failover/types.js';
import { FENCE_HISTORY, fencedSince, fenceTime, parseFenceHistory } from '../../../src/facts/fence-history.js';
import type { ClusterModel } from '../../../src/inventory/model.js';
import { labCluster, master, sample } from './fixtures.js';

const c = labCluster;

const FIXTURE = readFileSync(join(__dirname, '../drift/fixtures/stonith-admin-history.xml'), 'utf8');
const at = (iso: string): number => Date.parse(iso);

describe('the scenario registry', () => {
  it('freeze and split-twins sit after poweroff, before arbitrator-loss', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([
      'switchover',
      'kill-service',
      'kill-stack',
      'cut-link',
      'poweroff',
      'freeze',
      'split-twins',
      'arbitrator-loss',
      'drbd-disconnect',
    ]);
    expect(pickScenarios(['split-twins', 'freeze']).map((s) => s.name)).toEqual(['freeze', 'split-twins']);
    expect(() => pickScenarios(['freez'])).toThrow(/unknown scenario "freez"/);
  });
  it('freeze: a move, data at risk, unavailable without freeze primitives (with the reason); split-twins: one twin, either', () => {
    const [freeze, split] = pickScenarios(['freeze', 'split-twins']);
    expect(freeze).toMatchObject({ expect: 'move', dataAtRisk: true, budget: 'node-loss', hits: 'active' });
    expect(split).toMatchObject({ expect: 'one', dataAtRisk: true, budget: 'node-loss', hits: 'active' });
    const remote = new RemoteFaults(c(), {} as NodeRunner, failoverSettings(c()));
    expect(remote.noFreeze).toBe(
      'no freeze commands: declare vars.failover.pause { freeze, thaw } (e.g. virsh suspend/resume {node}) in the inventory',
    );
    expect(() => planScenarios(c(), ['freeze'], remote, failoverSettings(c()))).toThrow(
      /scenario freeze cannot run on cluster lab: no freeze commands/,
    );
    const lab = { kind: 'lab /x', noPower: undefined, noFreeze: undefined } as unknown as Faults;
    expect(planScenarios(c(), ['freeze', 'split-twins'], lab, failoverSettings(c())).run.map((s) => s.name)).toEqual([
      'freeze',
      'split-twins',
    ]);
    const paused = c({ vars: { failover: { pause: { freeze: 'virsh suspend {node}', thaw: 'virsh resume {node}' } } } });
    expect(new RemoteFaults(paused, {} as NodeRunner, failoverSettings(paused)).noFreeze).toBeUndefined();
  });
  it('split-twins on Heartbeat with a serial cable: the twins still hear each other, so nothing may move and none is lost', () => {
    const [split] = pickScenarios(['split-twins']);
    const env = (o: Partial<ClusterModel>) => ({ cluster: c(o) }) as unknown as Parameters<NonNullable<typeof split.adapt>>[0];
    const cable = { device: '/dev/ttyS1', baud: 19200 };
    expect(split!.adapt!(env({ stack: 'heartbeat', serial: cable }))).toMatchObject({
      expect: 'stay',
      budget: 'no-outage',
      lostTwin: false,
      dataAtRisk: false,
      summary: expect.stringMatching(/serial cable \(\/dev\/ttyS1\) still joins them: nothing moves$/),
    });
    // without the cable the split is a real one (corosync has no serial path: the inventory check refuses one there)
    expect(split!.adapt!(env({ stack: 'heartbeat' }))).toBe(split);
  });
  it('freeze lasts the node-loss budget and 5 s more; the watch goes on after the thaw', () => {
    expect(freezeMs(c())).toBe(budgetFor('node-loss', c()).ms + 5000);
    const [freeze] = pickScenarios(['freeze']);
    expect(freeze!.observeMs!(c())).toBe(freezeMs(c()) + 5000);
  });
});

describe('fault commands', () => {
  it('split-twins: the undo timer first, in its own session, then the blackhole route; the heal stops the timer', () => {
    expect(partitionCommands('10.77.0.12', 60)).toEqual({
      cut:
        "setsid sh -c ': hactl-split-twins; sleep 60; ip route del blackhole 10.77.0.12/32' </dev/null >/dev/null 2>&1 &\n" +
        'ip route replace blackhole 10.77.0.12/32',
      heal: "pkill -f '[h]actl-split-twins'; ip route del blackhole 10.77.0.12/32 2>/dev/null; true",
    });
  });
  it("split-twins on two networks: a blackhole route to each of the peer's addresses, all undone together", () => {
    const p = partitionCommands(['10.79.0.12', '10.77.0.12'], 60);
    expect(p.cut).toBe(
      "setsid sh -c ': hactl-split-twins; sleep 60; ip route del blackhole 10.79.0.12/32; ip route del blackhole 10.77.0.12/32' " +
        '</dev/null >/dev/null 2>&1 &\nip route replace blackhole 10.79.0.12/32\nip route replace blackhole 10.77.0.12/32',
    );
    expect(p.heal).toBe(
      "pkill -f '[h]actl-split-twins'; ip route del blackhole 10.79.0.12/32 2>/dev/null; ip route del blackhole 10.77.0.12/32 2>/dev/null; true",
    );
  });
  it('inventory command templates get quoted node names and addresses', () => {
    expect(fillNode('virsh suspend {node}', master)).toBe('virsh suspend master');
    expect(fillNode('pause {node} {address}', { name: "we'ird", address: '10.0.0.1' })).toBe("pause 'we'\\''ird' 10.0.0.1");
  });
  it('vars.failover.pause is read, and refused when half declared', () => {
    const s = failoverSettings(c({ vars: { failover: { pause: { freeze: 'a {node}', thaw: 'b {node}' } } } }));
    expect(s.pause).toEqual({ freeze: 'a {node}', thaw: 'b {node}' });
    expect(() => failoverSettings(c({ vars: { failover: { pause: { freeze: 'a' } } } }))).toThrow(
      /vars.failover.pause must be \{ freeze: COMMAND, thaw: COMMAND \}/,
    );
  });
});

describe('the DRBD role in the watch', () => {
  it('is asked only of inventories with DRBD, bounded, and parsed into the sample', () => {
    const drbd = [{ name: 'r0', minor: 0 }] as unknown as ClusterModel['drbd'];
    expect(watchCommand(pacemakerOps, c(), master)).not.toContain('drbdadm');
    expect(watchCommand(pacemakerOps, c({ drbd }), master)).toContain(DRBD_ROLE_LINE);
    expect(watchCommand(heartbeatOps, c({ drbd, stack: 'heartbeat' }), master)).toContain(DRBD_ROLE_LINE);
    expect(DRBD_ROLE_LINE).toBe(
      'r=$(timeout -k 1 1 drbdadm role all 2>/dev/null) && ' +
        '{ echo "$r" | cut -d/ -f1 | grep -qx Primary && echo drbd=Primary || echo drbd=Secondary; }',
    );
    expect(parseSample('vip=1\nstack=1\ndrbd=Primary\n', 'master', 0).drbd).toBe('Primary');
    expect(parseSample('vip=0\nstack=1\ndrbd=Secondary\n', 'slave', 0).drbd).toBe('Secondary');
    expect(parseSample('vip=0\nstack=1\n', 'slave', 0)).not.toHaveProperty('drbd');
  });
});

describe('split brain: DRBD Primary on both twins', () => {
  const both = [
    sample(0, 'master', { drbd: 'Primary', vip: true }),
    sample(0, 'slave', { drbd: 'Secondary' }),
    sample(300, 'master', { drbd: 'Primary', vip: true }),
    sample(300, 'slave', { drbd: 'Primary' }),
    sample(600, 'master', { drbd: 'Primary', vip: true }),
    sample(600, 'slave', { drbd: 'Primary' }),
    sample(900, 'master', { drbd: 'Primary', vip: true }),
    sample(900, 'slave', { drbd: 'Primary' }),
  ];
  it('is found next to the VIP rule, with its own reason', () => {
    expect(findSplitBrain(both, 300)).toBeUndefined(); // the VIP was on one twin only
    const sb = findSplitBrain(both, 300, 600, DRBD_PRIMARY)!;
    expect(sb).toMatchObject({ nodes: ['master', 'slave'], since: 300, ms: 600 });
    expect(sb.reason).toBe('DRBD was Primary on master and slave at the same time (0.6 s, 4 polls)');
    expect(splitBrainOf(both, 300)?.reason).toMatch(/^DRBD was Primary on master and slave/);
  });
  it('a hand-over (old Primary demoted, then the new one promoted) is none; an unreachable twin does not count', () => {
    const handover = [
      sample(0, 'master', { drbd: 'Primary' }),
      sample(300, 'master', { drbd: 'Secondary' }),
      sample(300, 'slave', { drbd: 'Primary' }),
      sample(600, 'slave', { drbd: 'Primary' }),
    ];
    expect(splitBrainOf(handover, 300)).toBeUndefined();
    const frozen = both.map((s) => (s.node === 'master' && s.t > 0 ? { ...s, reachable: false } : s));
    expect(splitBrainOf(frozen, 300)).toBeUndefined();
  });
  it('the VIP rule comes first when both hold', () => {
    const vip = both.map((s) => (s.node === 'slave' && s.t > 0 ? { ...s, vip: true } : s));
    expect(splitBrainOf(vip, 300)?.reason).toMatch(/^the VIP was configured on master and slave/);
  });
});

describe('the fence history fact', () => {
  it('reads every fence_event of stonith_admin --history, oldest first, pending last', () => {
    expect(FENCE_HISTORY.command).toBe("stonith_admin --history '*' --verbose --output-as=xml 2>/dev/null");
    expect(parseFenceHistory(FIXTURE)).toEqual([
      { target: 'slave', by: 'master', action: 'reboot', at: at('2026-11-28T14:02:10Z'), result: 'failed' },
      { target: 'master', by: 'arbitrator', action: 'off', at: at('2026-11-28T15:40:12Z'), result: 'success' },
      { target: 'slave', by: 'master', action: 'off', result: 'pending' },
    ]);
  });
  it('nothing to read is no history', () => {
    expect(parseFenceHistory('')).toEqual([]);
    expect(parseFenceHistory('Could not connect to fencer: Transport endpoint is not connected')).toEqual([]);
    expect(parseFenceHistory('<pacemaker-result><fencing_history/><status code="0"/></pacemaker-result>')).toEqual([]);
  });
  it('reads the times Pacemaker prints, with a zone or Z', () => {
    expect(fenceTime('2026-11-28 15:40:12Z')).toBe(at('2026-11-28T15:40:12Z'));
    expect(fenceTime('2026-11-28 16:40:12 +01:00')).toBe(at('2026-11-28T15:40:12Z'));
    expect(fenceTime('2026-11-28 16:40:12 +0100')).toBe(at('2026-11-28T15:40:12Z'));
    expect(fenceTime('2026-11-28 15:40:12.250Z')).toBe(at('2026-11-28T15:40:12.250Z'));
    expect(fenceTime('yesterday')).toBeUndefined();
  });
  it('only what happened from the fault on counts (by the second, as Pacemaker records it)', () => {
    const events = parseFenceHistory(FIXTURE);
    const fault = at('2026-11-28T15:40:12.700Z');
    expect(fencedSince(events, fault).map((e) => `${e.by} → ${e.target} ${e.result}`)).toEqual([
      'arbitrator → master success',
      'master → slave pending',
    ]);
    expect(fencedSince(events, at('2026-11-28T15:40:13Z')).map((e) => e.result)).toEqual(['pending']);
  });
});

const base = (o: Partial<JudgeInput> = {}): JudgeInput => ({
  scenario: 'split-twins',
  expect: 'one',
  dataAtRisk: true,
  active: 'master',
  passive: 'slave',
  after: 'master',
  analysis: analyseProbes([{ t: 0, ms: 2, ok: true }]),
  budget: { ms: 25_200, basis: 'x' },
  timedOut: false,
  restored: true,
  restoreNotes: [],
  findings: [],
  fencing: true,
  fenced: [],
  ...o,
});
const shot = (by: string, target: string): { target: string; by: string; action: string; at: number; result: string } => ({
  target,
  by,
  action: 'off',
  at: 1000,
  result: 'success',
});

describe('judge: one twin keeps the service', () => {
  it('either twin is fine; the loser fenced once is fine', () => {
    expect(judge(base())).toEqual({ verdict: 'pass', reasons: [] });
    expect(judge(base({ after: 'slave', fenced: [shot('slave', 'master')] }))).toEqual({ verdict: 'pass', reasons: [] });
  });
  it('nobody, or both, holding the resources fails', () => {
    expect(judge(base({ after: undefined })).reasons).toEqual(['the resources are not on exactly one twin: on no single twin']);
    expect(judge(base({ after: 'arbitrator' })).reasons).toEqual(['the resources are not on exactly one twin: on arbitrator']);
  });
  it('both twins fenced (double fencing), or one fenced twice, fails', () => {
    const both = judge(base({ after: 'slave', fenced: [shot('arbitrator', 'master'), shot('master', 'slave')] }));
    expect(both.verdict).toBe('fail');
    expect(both.reasons).toEqual(['both twins were fenced (arbitrator → master, master → slave): nobody kept the service']);
    expect(judge(base({ after: 'slave', fenced: [shot('slave', 'master'), shot('arbitrator', 'master')] })).reasons).toEqual([
      'master was fenced 2 times',
    ]);
    // a failed or pending attempt is no fencing; the arbitrator fenced is not a twin fenced
    expect(fencingFindings(['master', 'slave'], [{ ...shot('a', 'master'), result: 'failed' }, shot('master', 'arbitrator')])).toEqual([]);
    expect(fencingFindings(['master', 'slave'], undefined)).toEqual([]);
  });
  it('without fencing, both twins serving is a SPLIT BRAIN with the data at risk, never a pass', () => {
    const sb = { reason: 'the VIP was configured on master and slave at the same time (2.1 s, 8 polls)', nodes: [], since: 0, ms: 2100 };
    const r = judge(base({ fencing: false, splitBrain: sb, after: undefined }));
    expect(r.verdict).toBe('fail');
    expect(r.reasons).toEqual([
      'SPLIT BRAIN: the VIP was configured on master and slave at the same time (2.1 s, 8 polls): ' +
        'data at risk: no fencing, so both twins served (and wrote) at once; configure STONITH (cluster.stonith)',
    ]);
    const drbd = { ...sb, reason: 'DRBD was Primary on master and slave at the same time (1.2 s, 6 polls)' };
    const f = judge(base({ scenario: 'freeze', expect: 'move', after: 'slave', fencing: false, splitBrain: drbd }));
    expect(f.verdict).toBe('fail');
    expect(f.reasons[0]).toMatch(/^SPLIT BRAIN: DRBD was Primary on master and slave .*: data at risk: no fencing/);
    // with fencing a split brain still fails, without the no-fencing explanation
    expect(judge(base({ splitBrain: sb })).reasons).toEqual([`SPLIT BRAIN: ${sb.reason}`]);
  });
  it('freeze: the survivor must have taken over', () => {
    expect(judge(base({ scenario: 'freeze', expect: 'move', after: 'master' })).reasons).toEqual([
      'the resources did not move to slave: on master',
    ]);
  });
});

describe('the report names who fenced whom', () => {
  const r: ScenarioResult = {
    scenario: 'split-twins',
    target: 'master',
    before: 'master',
    after: 'slave',
    faultAt: at('2026-11-28T15:40:05Z'),
    outages: [],
    answeredBy: [],
    restored: true,
    verdict: 'pass',
    reasons: [],
    probes: [],
    samples: [],
    fenced: [{ target: 'master', by: 'slave', action: 'off', at: at('2026-11-28T15:40:12Z'), result: 'success' }],
  };
  it('in the text report', () => {
    expect(formatResult(r).split('\n')).toContain('    fenced: slave → master (off, success, 7.0 s after the fault)');
    expect(fencedLine([], 0)).toBe('nobody');
    expect(fencedLine([{ target: 'slave', by: 'master', action: 'off', result: 'pending' }])).toBe(
      'master → slave (off, pending, pending)',
    );
  });
  it('in the JSON, with the time as ISO', () => {
    const rep = { results: [r] } as unknown as FailoverReport;
    const doc = reportJson(rep) as { results: Array<{ fenced: unknown }> };
    expect(doc.results[0]!.fenced).toEqual([
      { target: 'master', by: 'slave', action: 'off', at: '2026-11-28T15:40:12.000Z', result: 'success' },
    ]);
  });
});
