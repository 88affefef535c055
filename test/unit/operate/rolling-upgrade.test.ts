import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aptSimulateCommand, parseAptSimulate } from '../../../src/facts/apt-simulate.js';
import { parseBootId } from '../../../src/facts/boot-id.js';
import { parseUpgradeRecord } from '../../../src/facts/upgrade-record.js';
import { recordCommand, UPGRADE_STACKS } from '../../../src/operate/upgrade-commands.js';
import { nextStep, planSteps, resumeView, stepName, type UpgradeState, waitReboot } from '../../../src/operate/upgrade-plan.js';
import { aptUpgradeCommand } from '../../../src/tasks/apt.js';

const FIX = join(__dirname, '../drift/fixtures');
const fresh = (holder: string | undefined = 'master', done: string[] = [], moveBack = true): UpgradeState => ({
  others: ['arbitrator'],
  master: 'master',
  slave: 'slave',
  holder,
  done: new Set(done),
  moveBack,
});

describe('rolling upgrade: the order', () => {
  it('arbitrator, passive twin, switchover, the other twin, back to the master', () => {
    expect(planSteps(fresh()).map(stepName)).toEqual([
      'upgrade arbitrator',
      'upgrade slave',
      'switchover master → slave',
      'upgrade master',
      'move back slave → master',
    ]);
  });
  it('from a cluster running on the slave: the master first, one switchover, no move back needed', () => {
    expect(planSteps(fresh('slave')).map(stepName)).toEqual([
      'upgrade arbitrator',
      'upgrade master',
      'switchover slave → master',
      'upgrade slave',
    ]);
  });
  it('move_back: false ends where the service runs', () => {
    expect(planSteps(fresh('master', [], false)).map(stepName)).toEqual([
      'upgrade arbitrator',
      'upgrade slave',
      'switchover master → slave',
      'upgrade master',
    ]);
  });
  it('resume: nodes done are not upgraded again, whatever the service did meanwhile', () => {
    expect(planSteps(fresh('master', ['arbitrator'])).map(stepName)).toEqual([
      'upgrade slave',
      'switchover master → slave',
      'upgrade master',
      'move back slave → master',
    ]);
    // killed after the switchover: the master is next, then home
    expect(planSteps(fresh('slave', ['arbitrator', 'slave'])).map(stepName)).toEqual(['upgrade master', 'move back slave → master']);
    // killed during the move back
    expect(nextStep(fresh('slave', ['arbitrator', 'slave', 'master']))).toEqual({ kind: 'move-back', from: 'slave', to: 'master' });
    expect(nextStep(fresh('master', ['arbitrator', 'slave', 'master']))).toBeUndefined();
  });
  it('several nodes without resources go first, in inventory order', () => {
    const s = { ...fresh(), others: ['arbitrator', 'web1'] };
    expect(planSteps(s).slice(0, 3).map(stepName)).toEqual(['upgrade arbitrator', 'upgrade web1', 'upgrade slave']);
  });
  it('resumeView: the run named by the records, done nodes, nodes left half-way', () => {
    const v = resumeView(
      new Map([
        ['master', undefined],
        ['slave', { run: 'r1', phase: 'standby' as const }],
        ['arbitrator', { run: 'r1', phase: 'done' as const }],
      ]),
    );
    expect(v).toEqual({ run: 'r1', done: new Set(['arbitrator']), halfway: ['slave'] });
    expect(resumeView(new Map([['master', undefined]]))).toEqual({ run: undefined, done: new Set(), halfway: [] });
    // a record of an older run does not count as done
    expect(
      resumeView(
        new Map([
          ['a', { run: 'r1', phase: 'done' as const }],
          ['b', { run: 'r1', phase: 'done' as const }],
          ['c', { run: 'r0', phase: 'done' as const }],
        ]),
      ).done,
    ).toEqual(new Set(['a', 'b']));
  });
});

describe('rolling upgrade: waiting for a reboot', () => {
  const clock = (): { now(): number; sleep(ms: number): Promise<void> } => {
    let t = 0;
    return { now: () => t, sleep: async (ms) => void (t += ms) };
  };
  const seq = (ids: (string | undefined)[]): (() => Promise<string | undefined>) => {
    let i = 0;
    return async () => ids[Math.min(i++, ids.length - 1)];
  };
  it('back when the boot id changed, having seen the node down', async () => {
    expect(await waitReboot(seq(['old', undefined, undefined, 'new']), 'old', 60_000, 2000, clock())).toEqual({
      ok: true,
      sawDown: true,
      bootId: 'new',
      ms: 6000,
    });
  });
  it('a reboot too fast to see down still counts (the boot id changed)', async () => {
    expect(await waitReboot(seq(['new']), 'old', 60_000, 2000, clock())).toMatchObject({ ok: true, sawDown: false });
  });
  it('a node that never went down, or never came back, times out', async () => {
    expect(await waitReboot(seq(['old']), 'old', 10_000, 2000, clock())).toEqual({ ok: false, sawDown: false, bootId: 'old', ms: 10_000 });
    expect(await waitReboot(seq([undefined]), 'old', 10_000, 2000, clock())).toMatchObject({ ok: false, sawDown: true });
  });
  it('parseBootId', () => {
    expect(parseBootId('E3F823AB-01fc-49d5-8c3a-7f7445a2b1ae\n')).toBe('e3f823ab-01fc-49d5-8c3a-7f7445a2b1ae');
    expect(parseBootId('cat: No such file\n')).toBeUndefined();
  });
});

describe('rolling upgrade: facts and commands', () => {
  it('apt-get -s, captured on the lab: the canary 1.0 → 1.1', () => {
    expect(parseAptSimulate(readFileSync(join(FIX, 'apt-get-s-canary.txt'), 'utf8'))).toEqual([
      { name: 'hactl-lab-canary', from: '1.0', to: '1.1' },
    ]);
    expect(parseAptSimulate('Inst libfoo:amd64 (2.0 Debian:12/stable [amd64])\n')).toEqual([{ name: 'libfoo', to: '2.0' }]);
    expect(aptSimulateCommand(['a', "b'c"])).toBe(
      "LC_ALL=C apt-get -s -q -o Debug::NoLocking=1 --no-install-recommends install --only-upgrade -- a 'b'\\''c'",
    );
    expect(aptSimulateCommand('all')).toMatch(/ upgrade$/);
  });
  it('the upgrade: lists refreshed (a failure stops it), only-upgrade, no daemon started by the package', () => {
    const cmd = aptUpgradeCommand(['hactl-lab-canary']);
    expect(cmd).toMatch(/apt-get .* update \|\| exit \$\?; printf '#!\/bin\/sh\\nexit 101\\n' > \/usr\/sbin\/policy-rc.d/);
    expect(cmd).toMatch(
      /--force-confold .* install --only-upgrade -- hactl-lab-canary; rc=\$\?; rm -f \/usr\/sbin\/policy-rc.d; exit \$rc$/,
    );
    expect(aptUpgradeCommand('all')).toMatch(/ upgrade; rc=/);
    expect(aptUpgradeCommand(['-oAPT::x=1'])).toMatch(/-- '?-oAPT::x=1'?;/);
  });
  it('the record round-trips through the shell quoting', () => {
    const r = {
      run: '20261128T031500Z-ab12',
      packages: ["it's"],
      phase: 'standby' as const,
      at: '2026-11-28T03:15:00Z',
      before: { "it's": '1.0' },
    };
    const cmd = recordCommand(r);
    const json = /printf '%s\\n' ('(?:[^']|'\\'')*') >/.exec(cmd)![1]!.slice(1, -1).replaceAll("'\\''", "'");
    expect(parseUpgradeRecord(json)).toEqual(r);
    expect(parseUpgradeRecord('')).toBeUndefined();
    expect(() => parseUpgradeRecord('{"run":1}')).toThrow(/not a rolling-upgrade record/);
    expect(() => parseUpgradeRecord('{tru')).toThrow(/not JSON/);
  });
  it('per stack: Pacemaker standby and rejoin from crm_mon; Heartbeat has no standby', () => {
    const xml = readFileSync(join(FIX, 'crm-mon-failcount.xml'), 'utf8');
    expect(UPGRADE_STACKS.pacemaker.rejoined(xml, 'slave')).toBe(true);
    expect(UPGRADE_STACKS.pacemaker.rejoined(xml, 'nosuch')).toBe(false);
    expect(UPGRADE_STACKS.pacemaker.rejoined('Error: connection refused', 'slave')).toBe(false);
    expect(UPGRADE_STACKS.pacemaker.standby?.('slave')).toBe('crm_standby -N slave -v on');
    expect(UPGRADE_STACKS.pacemaker.stop).toMatch(/pacemakerd --shutdown/);
    expect(UPGRADE_STACKS.heartbeat.standby).toBeUndefined();
    expect(UPGRADE_STACKS.heartbeat.noStandby).toMatch(/no standby state/);
    expect(UPGRADE_STACKS.heartbeat.rejoined('rejoined\n', 'slave')).toBe(true);
  });
});
