import { describe, expect, it } from 'vitest';
import { dataAtRiskNotes, fencingItems, sbdTimeoutItems } from '../../../src/checks/drift/fencing-rules.js';
import { liveScript, liveSections } from '../../../src/checks/drift/live.js';
import { CIB_PROPERTIES_COMMAND, parseCibProperties } from '../../../src/facts/cib-properties.js';
import { parseEnvFile, parseSbdState, sbdStateCommand } from '../../../src/facts/sbd.js';
import { example, fixture } from './helpers.js';

const diskless = () =>
  example('lab', (y) => y.replace(/ {4}enabled: false[^\n]*\n/, '    enabled: true\n    sbd: { watchdog_timeout: 5 }\n'));
const section = (out: string, rc = 0) => ({ out, rc });

describe('facts: SBD node state and the live crm_config', () => {
  it('parses a healthy node', () => {
    expect(parseSbdState(fixture('sbd-state-ok.txt'))).toEqual({
      watchdog: true,
      active: 'active',
      enabled: 'enabled',
      config: {
        SBD_PACEMAKER: 'yes',
        SBD_STARTMODE: 'always',
        SBD_DELAY_START: 'no',
        SBD_WATCHDOG_DEV: '/dev/watchdog',
        SBD_WATCHDOG_TIMEOUT: '5',
      },
    });
  });
  it('parses a broken node: quotes removed, comments skipped; no unit and no file', () => {
    const st = parseSbdState(fixture('sbd-state-broken.txt'));
    expect(st).toMatchObject({ watchdog: false, active: 'inactive', enabled: 'disabled' });
    expect(st.config).toEqual({
      SBD_PACEMAKER: 'yes',
      SBD_STARTMODE: 'always',
      SBD_WATCHDOG_DEV: '/dev/watchdog',
      SBD_WATCHDOG_TIMEOUT: '10',
    });
    expect(parseSbdState(fixture('sbd-state-no-unit.txt'))).toEqual({ watchdog: false, active: '', enabled: '' });
    expect(parseEnvFile("A='x y'\n#B=1\n C=2")).toEqual({ A: 'x y', C: '2' });
  });
  it('the command is read-only and quotes the device', () => {
    expect(sbdStateCommand("/dev/wd'x")).toContain(`[ -e '/dev/wd'\\''x' ]`);
    expect(CIB_PROPERTIES_COMMAND).toBe('cibadmin -Q --scope crm_config');
  });
  it('parses crm_config nvpairs; not XML is undefined', () => {
    expect(parseCibProperties(fixture('cib-crm-config-stonith-off.xml'))).toMatchObject({
      'stonith-enabled': 'false',
      'stonith-watchdog-timeout': '10s',
      'have-watchdog': 'true',
    });
    expect(parseCibProperties('Could not connect to the CIB: Transport endpoint is not connected')).toBeUndefined();
  });
});

describe('drift: fencing and SBD against the live cluster', () => {
  it('asks every voter for its SBD state and the master for crm_config', () => {
    const c = diskless();
    expect(liveSections(c, c.master).map(([s]) => s)).toEqual(expect.arrayContaining(['properties', 'sbd']));
    expect(liveSections(c, c.arbitrator!).map(([s]) => s)).toContain('sbd');
    expect(liveScript(c, c.master)).not.toMatch(/modprobe|systemctl (?!is-)/);
  });

  it('(a) stonith-enabled=false live while the inventory enables fencing: drift naming both', () => {
    const c = diskless();
    const live = new Map([[c.master.name, { properties: section(fixture('cib-crm-config-stonith-off.xml')) }]]);
    const items = fencingItems(c, live);
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'cluster',
        host: c.master.name,
        subject: 'stonith-enabled',
        message: expect.stringContaining('disabled in the live CIB (stonith-enabled=false) while the inventory enables it'),
      }),
    ]);
    // an inventory without fencing is not contradicted by it
    expect(fencingItems(example('lab'), live)).toEqual([]);
  });

  it('(a) DRBD data and no fencing in the inventory: a note, not drift', () => {
    expect(dataAtRiskNotes(example('example-pacemaker-drbd-kvm', (y) => y.replace(/enabled: true/, 'enabled: false')))[0]).toMatch(
      /^data at risk: DRBD holds data/,
    );
    expect(dataAtRiskNotes(example('lab'))).toEqual([]);
  });

  it('(b) a missing watchdog, sbd.service inactive and disabled, per node', () => {
    const c = diskless();
    const live = new Map([
      [c.master.name, { sbd: section(fixture('sbd-state-ok.txt')) }],
      [c.slave.name, { sbd: section(fixture('sbd-state-broken.txt')) }],
    ]);
    const items = fencingItems(c, live);
    expect(items.map((i) => [i.host, i.subject])).toEqual([
      [c.slave.name, 'sbd watchdog'],
      [c.slave.name, 'sbd.service'],
      [c.slave.name, 'sbd.service enabled'],
    ]);
    expect(items[0]!.message).toContain('/dev/watchdog');
  });

  it('(c) SBD_WATCHDOG_TIMEOUT=10 on the node against stonith-watchdog-timeout 10s in the CIB: a timing finding', () => {
    const c = diskless();
    const live = new Map([
      [c.master.name, { properties: section(fixture('cib-crm-config-stonith-off.xml').replace('"false"', '"true"')) }],
      [c.slave.name, { sbd: section(fixture('sbd-state-broken.txt')) }],
    ]);
    const t = fencingItems(c, live).filter((i) => i.kind === 'timing');
    expect(t).toEqual([expect.objectContaining({ host: c.slave.name, subject: 'sbd timeouts' })]);
    expect(t[0]!.message).toContain('stonith-watchdog-timeout 10s in the CIB is not above SBD_WATCHDOG_TIMEOUT=10');
    expect(t[0]!.hint).toContain('20s');
    // consistent, derived by Pacemaker (negative) or off (0): nothing
    const ok = parseSbdState(fixture('sbd-state-ok.txt'));
    expect(sbdTimeoutItems('m', ok, '10s')).toEqual([]);
    expect(sbdTimeoutItems('m', ok, '-1')).toEqual([]);
    expect(sbdTimeoutItems('m', ok, '0')).toEqual([]);
  });
});
