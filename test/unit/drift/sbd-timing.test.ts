import { describe, expect, it } from 'vitest';
import { timingFacts, timingItems } from '../../../src/checks/drift/timing.js';
import { budgetFor, fenceDelayMs, sbdFencingMs } from '../../../src/checks/failover/budget.js';
import { inventoryWarnings } from '../../../src/inventory/semantic.js';
import { example } from './helpers.js';

/** The lab (three voters) with diskless SBD, or disk-based when devices are given. */
const sbdLab = (sbd: string, vars = '') =>
  example('lab', (y) => y.replace(/ {4}enabled: false[^\n]*\n/, `    enabled: true\n    sbd: ${sbd}\n`) + (vars ? `vars:\n${vars}` : ''));

describe('SBD timing chain (drift timing rules)', () => {
  it('diskless: the facts carry SBD_WATCHDOG_TIMEOUT and stonith-watchdog-timeout = 2 ×', () => {
    const f = timingFacts(sbdLab('{ watchdog_timeout: 5 }'));
    expect(f.sbd).toEqual({ diskless: true, watchdogTimeout: 5, stonithWatchdogTimeout: 10 });
    expect(f.fenceDelay).toBe(0); // no fence device, no race delay
    expect(timingItems(f).filter((i) => i.subject.startsWith('sbd'))).toEqual([]);
  });

  it('a stonith-watchdog-timeout not above the watchdog timeout names both and the fix', () => {
    const f = { ...timingFacts(sbdLab('{}')), sbd: { diskless: true, watchdogTimeout: 5, stonithWatchdogTimeout: 5 } };
    const it = timingItems(f).find((i) => i.subject === 'sbd watchdog timeout')!;
    expect(it.message).toContain('stonith-watchdog-timeout (5 s) is not above SBD_WATCHDOG_TIMEOUT (5 s)');
    expect(it.hint).toContain('10s (2 × cluster.stonith.sbd.watchdog_timeout)');
  });

  it('over the failover budget: detection + stonith-watchdog-timeout, and the watchdog timeout itself', () => {
    const f = timingFacts(sbdLab('{ watchdog_timeout: 20 }', '  failover_budget: 15\n'));
    const items = timingItems(f);
    expect(items.map((i) => i.subject)).toEqual(expect.arrayContaining(['sbd watchdog budget', 'sbd failover budget']));
    const b = items.find((i) => i.subject === 'sbd failover budget')!;
    expect(b.message).toMatch(/counts as fenced 40 s later \(stonith-watchdog-timeout\).*over the failover budget of 15 s/);
    expect(b.hint).toContain('cluster.stonith.sbd.watchdog_timeout');
  });

  it('the bootstrap-time lint (inventory warnings) says it too', () => {
    const w = inventoryWarnings(sbdLab('{ watchdog_timeout: 10 }', '  failover_budget: 20\n'));
    expect(w.some((x) => x.includes('stonith-watchdog-timeout') && x.includes('vars.failover_budget (20 s)'))).toBe(true);
  });
});

describe('failover budget with SBD', () => {
  it('diskless: a lost node is fenced after stonith-watchdog-timeout, no fence delay', () => {
    const c = sbdLab('{ watchdog_timeout: 5 }');
    expect(sbdFencingMs(c)).toEqual({ ms: 10000, basis: 'stonith-watchdog-timeout 10000' });
    expect(fenceDelayMs(c)).toBe(0);
    expect(budgetFor('node-loss', c).basis).toMatch(/\+ stonith-watchdog-timeout 10000 \+ recovery/);
    expect(budgetFor('node-loss', c).basis).not.toContain('fencing 3000');
  });
  it('disk-based: msgwait, and the fence_sbd race delay', () => {
    const c = sbdLab('{ devices: [/dev/sdb], watchdog_timeout: 5 }');
    expect(budgetFor('node-loss', c).basis).toMatch(/\+ sbd msgwait 10000 \+ fence delay 15000 \+ recovery/);
  });
});
