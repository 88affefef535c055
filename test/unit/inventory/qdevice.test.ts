import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { problemsIn } from './helpers.js';

/** A two-node inventory (plus an arbitrator unless told not) with `arbitrator:` as given under cluster:. */
function inv(arbitrator: string, o: { stack?: string; node?: boolean } = {}): string {
  return [
    'cluster:',
    '  name: mini',
    `  stack: ${o.stack ?? 'pacemaker'}`,
    '  network: 10.1.0.0/24',
    '  floating_ips: [10.1.0.100]',
    ...(arbitrator ? [`  arbitrator: ${arbitrator}`] : []),
    'nodes:',
    '  - { name: alpha, address: 10.1.0.11, role: master }',
    '  - { name: beta, address: 10.1.0.12, role: slave }',
    ...(o.node === false ? [] : ['  - { name: gamma, address: 10.1.0.13, role: arbitrator }']),
    '',
  ].join('\n');
}

const problems = (text: string) => problemsIn(text, 'qd.yaml');

describe('cluster.arbitrator', () => {
  it('absent or mode member: the full-member arbitrator, no qdevice', () => {
    expect(parseInventory(inv(''), 'qd.yaml').qdevice).toBeUndefined();
    expect(parseInventory(inv('{ mode: member }'), 'qd.yaml').qdevice).toBeUndefined();
  });

  it('mode qdevice: algorithm ffsplit by default, lms as written', () => {
    expect(parseInventory(inv('{ mode: qdevice }'), 'qd.yaml').qdevice).toEqual({ algorithm: 'ffsplit' });
    expect(parseInventory(inv('{ mode: qdevice, algorithm: lms }'), 'qd.yaml').qdevice).toEqual({ algorithm: 'lms' });
  });

  it('qdevice is refused on heartbeat with file:line', () => {
    const p = problems(inv('{ mode: qdevice }', { stack: 'heartbeat' }));
    expect(p).toHaveLength(1);
    expect(p[0]!.field).toBe('cluster.arbitrator.mode');
    expect(p[0]!.location).toMatch(/^qd\.yaml:6:\d+$/);
    expect(p[0]!.message).toContain('heartbeat has no quorum device');
  });

  it('qdevice without an arbitrator node is refused', () => {
    const p = problems(inv('{ mode: qdevice }', { node: false }));
    expect(p.map((e) => e.field)).toEqual(['cluster.arbitrator.mode']);
    expect(p[0]!.hint).toContain('role: arbitrator');
  });

  it('an algorithm without mode qdevice is refused; an unknown algorithm by the schema', () => {
    expect(problems(inv('{ algorithm: lms }')).map((e) => e.field)).toEqual(['cluster.arbitrator.algorithm']);
    expect(problems(inv('{ mode: qdevice, algorithm: 2nodelms }'))[0]!.field).toBe('cluster.arbitrator.algorithm');
  });
});

describe('a QNetd arbitrator on another network (one qnetd serving several clusters)', () => {
  const elsewhere = (arbitrator: string) =>
    inv(arbitrator).replace('address: 10.1.0.13, role: arbitrator', 'address: 10.2.0.13, role: arbitrator');
  it('may sit outside cluster.network: it is no corosync member, the twins reach it over routed TCP', () => {
    expect(problems(elsewhere('{ mode: qdevice }'))).toEqual([]);
  });
  it('a member arbitrator may not', () => {
    expect(problems(elsewhere('{ mode: member }')).map((p) => p.message)).toEqual([
      'node address 10.2.0.13 is outside cluster.network 10.1.0.0/24',
    ]);
  });
});
