import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planAddNode, survivorOf, switchoverCommand } from '../../../src/checks/add-node.js';
import { judgeDrbd } from '../../../src/checks/smoke.js';
import { type DrbdState, parseDrbdSection, unresolvedSplitBrains } from '../../../src/facts/drbd-status.js';
import { replaceDecision, resyncState, splitBrainHint } from '../../../src/stack/drbd-safety.js';
import { EXAMPLES } from '../inventory/helpers.js';

const LAB = readFileSync(join(EXAMPLES, 'lab.yaml'), 'utf8');

// A twin's replacement and split brains, judged from DRBD's own words: /proc/drbd of the
// 8.4 module (Debian 12's kernel, where drbd-utils 9's `drbdadm status` says it is not
// supported), DRBD 9's `drbdadm status`, and the kernel log lines both print.
const MINORS = new Map([[0, 'r0']]);
const proc84 = (cs: string, ro: string, ds: string, extra = ''): string =>
  `'status' not supported for kernel module version 8.4\n@@proc\nversion: 8.4.11 (api:1/proto:86-101)\nsrcversion: B536C32A3EADA868561EFD9 \n` +
  ` 0: cs:${cs} ro:${ro} ds:${ds} C r-----\n    ns:0 nr:0 dw:0 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n${extra}`;
const state = (text: string): DrbdState => parseDrbdSection(text, MINORS)![0]!;

// the kernel log of an 8.4 split brain (as in the field: device lines and resource lines)
const SB84 = [
  '[ 3342.361243] block drbd0: helper command: /sbin/drbdadm initial-split-brain minor-0 exit code 0 (0x0)',
  '[ 3342.361245] block drbd0: Split-Brain detected but unresolved, dropping connection!',
  '[ 3342.361250] drbd r0: conn( WFReportParams -> Disconnecting )',
  '[ 3342.362100] drbd r0: conn( Disconnecting -> StandAlone )',
].join('\n');

describe('split brain from the kernel log', () => {
  it('8.4: StandAlone after "Split-Brain detected but unresolved" is a split brain, with the kernel line', () => {
    const st = state(`${proc84('StandAlone', 'Primary/Unknown', 'UpToDate/DUnknown')}@@klog\n${SB84}\n`);
    expect(st.splitBrain).toBe('[ 3342.361245] block drbd0: Split-Brain detected but unresolved, dropping connection!');
    const check = judgeDrbd('r0', [{ node: 'master', module: true, state: st }]);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^SPLIT BRAIN seen by master \(\[ 3342\.361245\] block drbd0: Split-Brain detected/);
    expect(check.detail).toContain('drbdadm connect --discard-my-data r0');
  });
  it('reconnected since (conn( StandAlone -> …): no longer a split brain, even if StandAlone again later', () => {
    const log = `${SB84}\n[ 3400.1] drbd r0: conn( StandAlone -> Unconnected )\n[ 3500.2] drbd r0: conn( Connected -> Disconnecting )\n[ 3500.3] drbd r0: conn( Disconnecting -> StandAlone )`;
    expect(unresolvedSplitBrains(log, MINORS).size).toBe(0);
    const st = state(`${proc84('StandAlone', 'Secondary/Unknown', 'UpToDate/DUnknown')}@@klog\n${log}\n`);
    expect(st.splitBrain).toBeUndefined();
    // a StandAlone resource still fails the smoke check, without claiming a split brain
    const check = judgeDrbd('r0', [{ node: 'slave', module: true, state: st }]);
    expect(check).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^slave: connection StandAlone \(not trying to connect\); `drbdadm connect r0`/),
    });
  });
  it('a split-brain line while the resource is Connected (resolved by hand) is not reported', () => {
    const st = state(`${proc84('Connected', 'Primary/Secondary', 'UpToDate/UpToDate')}@@klog\n${SB84}\n`);
    expect(st.splitBrain).toBeUndefined();
  });
  it('DRBD 9: the resource-named lines', () => {
    const out =
      'r0 role:Primary\n  disk:UpToDate\n  slave connection:StandAlone\n\n@@proc\nversion: 9.2.4\n@@klog\n' +
      '[  812.4] drbd r0/0 drbd0 slave: Split-Brain detected but unresolved, dropping connection!\n[  812.5] drbd r0 slave: conn( Connected -> Disconnecting )\n';
    expect(state(out).splitBrain).toBe('[  812.4] drbd r0/0 drbd0 slave: Split-Brain detected but unresolved, dropping connection!');
  });
  it("the hint names both sides' commands and never picks the victim", () => {
    expect(splitBrainHint('r0')).toBe(
      'DRBD stopped replicating r0 and waits for a human: pick the twin whose writes since the split may be thrown away, ' +
        'and on it run `drbdadm disconnect r0; drbdadm secondary r0; drbdadm connect --discard-my-data r0`, then on the other twin `drbdadm connect r0` (it resyncs the first from itself)',
    );
  });
});

describe('smoke verdict on a resource', () => {
  const m = state(proc84('Connected', 'Primary/Secondary', 'UpToDate/UpToDate'));
  const s = state(proc84('Connected', 'Secondary/Primary', 'UpToDate/UpToDate'));
  it('healthy pair', () => {
    expect(
      judgeDrbd('r0', [
        { node: 'master', module: true, state: m },
        { node: 'slave', module: true, state: s },
      ]),
    ).toEqual({ check: 'drbd r0', ok: true, detail: 'Primary on master, UpToDate on master and slave' });
  });
  it('a resync in progress passes and shows its progress', () => {
    const src = state(
      proc84('SyncSource', 'Primary/Secondary', 'UpToDate/Inconsistent', "\t[==>.................] sync'ed: 16.0% (221184/262144)K\n"),
    );
    const dst = state(
      proc84('SyncTarget', 'Secondary/Primary', 'Inconsistent/UpToDate', "\t[==>.................] sync'ed: 16.0% (221184/262144)K\n"),
    );
    const c = judgeDrbd('r0', [
      { node: 'master', module: true, state: src },
      { node: 'slave', module: true, state: dst },
    ]);
    expect(c).toEqual({ check: 'drbd r0', ok: true, detail: 'Primary on master, resyncing (master SyncSource 16%, slave SyncTarget 16%)' });
  });
  it('Primary on both twins, an Outdated disk, a missing peer: each said', () => {
    const both = state(proc84('Connected', 'Primary/Primary', 'UpToDate/UpToDate'));
    expect(
      judgeDrbd('r0', [
        { node: 'master', module: true, state: both },
        { node: 'slave', module: true, state: both },
      ]).detail,
    ).toBe('Primary on master and slave at once');
    const outdated = state(proc84('WFConnection', 'Secondary/Unknown', 'Outdated/DUnknown'));
    expect(judgeDrbd('r0', [{ node: 'slave', module: true, state: outdated }]).detail).toBe(
      'slave: disk Outdated; slave: connection WFConnection',
    );
    const alone = state(proc84('WFConnection', 'Primary/Unknown', 'UpToDate/DUnknown'));
    expect(judgeDrbd('r0', [{ node: 'master', module: true, state: alone }], true)).toMatchObject({ ok: true });
    expect(
      judgeDrbd('r0', [
        { node: 'master', module: true },
        { node: 'slave', module: false },
        { node: 'x', module: false, error: 'timeout' },
      ]).detail,
    ).toBe('master: not up; slave: no DRBD kernel module; x: not checked (timeout)');
  });
});

describe('replacing a twin', () => {
  const PCMK = 'crm_resource --move …';
  it('the survivor is Primary and UpToDate (the old twin dead or wiped): allowed', () => {
    const survivor = state(proc84('WFConnection', 'Primary/Unknown', 'UpToDate/DUnknown'));
    expect(replaceDecision('slave', { node: 'master', states: [survivor] }, ['r0'], PCMK)).toEqual({
      action: 'allow',
      say: "master is Primary with UpToDate data for r0: slave's replacement syncs from it",
    });
  });
  it('the twin to replace is the Primary: refused, with the switch-over', () => {
    const survivor = state(proc84('Connected', 'Secondary/Primary', 'UpToDate/UpToDate'));
    const d = replaceDecision('master', { node: 'slave', states: [survivor] }, ['r0'], PCMK);
    expect(d).toEqual({
      action: 'refuse',
      say: 'master is Primary of DRBD r0 (it serves the data slave replicates): it is not replaced in place',
      hint: 'switch over first, so that slave serves: crm_resource --move …; then run add-node --replace master again',
    });
  });
  it('nobody Primary, or the survivor not UpToDate: refused, naming what the survivor has', () => {
    const idle = state(proc84('WFConnection', 'Secondary/Unknown', 'UpToDate/DUnknown'));
    expect(replaceDecision('slave', { node: 'master', states: [idle] }, ['r0'], PCMK)).toMatchObject({
      action: 'refuse',
      say: 'DRBD r0 on master is Secondary, disk UpToDate, peer WFConnection: the replacement of slave must sync from a Primary with UpToDate data, and master is not one',
    });
    const incons = state(proc84('WFConnection', 'Primary/Unknown', 'Inconsistent/DUnknown'));
    expect(replaceDecision('slave', { node: 'master', states: [incons] }, ['r0'], PCMK).action).toBe('refuse');
    expect(replaceDecision('slave', { node: 'master', states: [] }, ['r0'], PCMK)).toMatchObject({
      action: 'refuse',
      say: expect.stringMatching(/^DRBD r0 on master is not up/),
    });
  });
  it('resync progress phrases', () => {
    expect(
      resyncState(state(proc84('SyncSource', 'Primary/Secondary', 'UpToDate/Inconsistent', "\t[>....] sync'ed: 42.5% (1/2)K\n"))),
    ).toBe('SyncSource 42.5%');
    expect(resyncState(state(proc84('WFConnection', 'Primary/Unknown', 'UpToDate/DUnknown')))).toBe('waiting for the peer (WFConnection)');
    expect(resyncState(undefined)).toBe('not up');
  });
});

describe('add-node --replace plans', () => {
  const inv = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-replace-'));
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, LAB);
    return file;
  };
  it('a machine rebuilt under its own name and address: the inventory is unchanged', () => {
    const file = inv();
    const plan = planAddNode(file, { name: 'slave', address: '10.77.0.12', replace: 'slave' });
    expect(plan.text).toBe(LAB);
    expect(plan.replaced).toBe('slave');
    expect(plan.after.slave.nodeId).toBe(plan.before.slave.nodeId);
    // the lab inventory has no DRBD: nothing to sync, so no survivor to follow
    expect(survivorOf(plan.after, 'slave')).toBeUndefined();
    const withDrbd = { ...plan.after, drbd: [{ name: 'r0' }] as typeof plan.after.drbd };
    expect(survivorOf(withDrbd, 'slave')?.name).toBe('master');
    expect(survivorOf(withDrbd, 'master')?.name).toBe('slave');
    expect(survivorOf(withDrbd, 'arbitrator')).toBeUndefined();
  });
  it('same name, another address: refused with both ways out', () => {
    const file = inv();
    expect(() => planAddNode(file, { name: 'slave', address: '10.77.0.250', replace: 'slave' })).toThrow(
      /under the same name keeps its address/,
    );
  });
  it('the switch-over command per stack', () => {
    const plan = planAddNode(inv(), { name: 'x9', address: '10.77.0.99', replace: 'slave' });
    expect(switchoverCommand({ ...plan.before, stack: 'pacemaker' }, 'slave')).toBe(
      '`crm_resource --move -r ha-services -N slave && crm_resource --wait; crm_resource --clear -r ha-services`',
    );
    expect(switchoverCommand({ ...plan.before, stack: 'heartbeat' }, 'slave')).toBe('`/usr/share/heartbeat/hb_takeover all` on slave');
  });
});
