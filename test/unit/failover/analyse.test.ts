import { describe, expect, it } from 'vitest';
import {
  alternatingAnswers,
  analyseProbes,
  detectionOf,
  findSplitBrain,
  stableSince,
  takeoverOf,
} from '../../../src/checks/failover/analyse.js';
import type { ProbeRecord } from '../../../src/checks/failover/types.js';
import { sample } from './fixtures.js';

const ok = (t: number, node = 'master'): ProbeRecord => ({ t, ms: 2, ok: true, status: 200, node });
const bad = (t: number, error = 'connect ECONNREFUSED 10.77.0.100:80'): ProbeRecord => ({ t, ms: 1, ok: false, error });

describe('analyseProbes', () => {
  it('measures each outage from the first failed probe to the first good one after it', () => {
    const a = analyseProbes([ok(0), bad(100), bad(200, 'timeout'), ok(300, 'slave'), ok(400, 'slave'), bad(500), ok(650, 'slave')]);
    expect(a.outages).toEqual([
      { start: 100, end: 300, ms: 200, failed: 2, errors: ['ECONNREFUSED', 'timeout'] },
      { start: 500, end: 650, ms: 150, failed: 1, errors: ['ECONNREFUSED'] },
    ]);
    expect(a.longestMs).toBe(200);
    expect(a.totalMs).toBe(350);
    expect(a.answeredBy).toEqual(['master', 'slave']);
  });

  it('orders by start time, whatever order the probes finished in', () => {
    const a = analyseProbes([ok(300), bad(100), ok(0)]);
    expect(a.outages[0]).toMatchObject({ start: 100, end: 300, ms: 200 });
  });

  it('reports 0 when nothing failed, and an open outage up to the last probe', () => {
    expect(analyseProbes([ok(0), ok(100)]).longestMs).toBe(0);
    const open = analyseProbes([ok(0), bad(100), { t: 200, ms: 1000, ok: false, error: 'timeout' }]);
    expect(open.outages[0]).toMatchObject({ start: 100, ms: 1100, failed: 2 });
    expect(open.outages[0]!.end).toBeUndefined();
  });

  it('names HTTP errors by status', () => {
    expect(analyseProbes([{ t: 0, ms: 3, ok: false, status: 503 }, ok(100)]).outages[0]!.errors).toEqual(['HTTP 503']);
  });
});

describe('stableSince', () => {
  it('needs the whole window covered by good probes', () => {
    const recs = [bad(0), ok(100), ok(1100), ok(2100), ok(3000)];
    expect(stableSince(recs, 3000, 2000)).toBe(true);
    expect(stableSince(recs, 2000, 2000)).toBe(false); // the failure at 0 is inside the window
    expect(stableSince([ok(2900), ok(3000)], 3000, 2000)).toBe(false); // too few / window not covered
  });
});

describe('findSplitBrain', () => {
  it('finds the VIP on two twins at the same time, even when their polls do not line up', () => {
    const s = [
      sample(0, 'master', { vip: true }),
      sample(0, 'slave'),
      sample(300, 'master', { vip: true }),
      sample(450, 'slave', { vip: true }),
      sample(600, 'master', { vip: true }),
      sample(1050, 'slave', { vip: true }),
      sample(900, 'master', { vip: true }),
      sample(1200, 'master', { vip: true }),
    ];
    const sb = findSplitBrain(s, 300)!;
    expect(sb.nodes).toEqual(['master', 'slave']);
    expect(sb.since).toBe(450);
    expect(sb.ms).toBe(750);
    expect(sb.reason).toMatch(/configured on master and slave at the same time \(0.8 s, 5 polls\)/);
  });

  it('ignores a planned move caught half-way, unreachable holders and stale polls', () => {
    const move = [
      sample(0, 'master', { vip: true }),
      sample(100, 'slave', { vip: true }),
      sample(300, 'master'),
      sample(400, 'slave', { vip: true }),
      sample(700, 'slave', { vip: true }),
    ];
    expect(findSplitBrain(move, 300)).toBeUndefined();
    const cut = [0, 300, 600, 900].flatMap((t) => [
      sample(t, 'master', { vip: true, reachable: false }),
      sample(t, 'slave', { vip: true }),
    ]);
    expect(findSplitBrain(cut, 300)).toBeUndefined();
    // the master's last poll is 3 s old: it says nothing about now
    const stale = [
      sample(0, 'master', { vip: true }),
      sample(100, 'master', { vip: true }),
      ...[3000, 3300, 3600].map((t) => sample(t, 'slave', { vip: true })),
    ];
    expect(findSplitBrain(stale, 300)).toBeUndefined();
  });
});

describe('alternatingAnswers', () => {
  it('one change is a failover; going back is two answerers', () => {
    expect(alternatingAnswers([ok(0), ok(100, 'slave'), ok(200, 'slave')], 0)).toBeUndefined();
    expect(alternatingAnswers([ok(0), ok(100, 'slave'), ok(200, 'master')], 0)).toEqual(['master', 'slave']);
  });
});

describe('detection and takeover', () => {
  it('detection: a survivor that still runs its stack no longer counts the lost node', () => {
    const s = [
      sample(-100, 'slave'),
      sample(500, 'master', { stack: false, members: [] }),
      sample(1000, 'slave'),
      sample(2300, 'slave', { members: ['slave', 'arbitrator'] }),
      sample(3100, 'slave', { members: ['slave', 'arbitrator'], vip: true }),
    ];
    expect(detectionOf(s, 'master', 0)).toBe(2300);
    expect(takeoverOf(s, 'slave', 0)).toBe(3100);
    expect(detectionOf(s, 'arbitrator', 0)).toBeUndefined();
    // a node that was never a member (Heartbeat's ping node): no detection figure
    expect(
      detectionOf(
        [sample(-100, 'slave', { members: ['slave', 'master'] }), sample(100, 'slave', { members: ['slave', 'master'] })],
        'arbitrator',
        0,
      ),
    ).toBeUndefined();
  });
});
