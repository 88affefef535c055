// issue #21, the three tiers: `role: director` is a pair of its own (Pacemaker only)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inventoryWarnings, parseInventory } from '../../../src/inventory/index.js';
import { directors, lvsNodes } from '../../../src/inventory/model.js';
import { FIXTURES, problemsIn } from './helpers.js';

const GOOD = readFileSync(`${FIXTURES}good-three-tier.yaml`, 'utf8');
const problems = (text: string) => problemsIn(text, 'tiers.yaml');
/** The line (1-based) of the first line of `text` holding `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('role director (the three tiers)', () => {
  it('a director pair, real servers and storage twins in one inventory', () => {
    const m = parseInventory(GOOD, 'tiers.yaml');
    expect(directors(m).map((n) => n.name)).toEqual(['lvs-a', 'lvs-b']);
    expect(lvsNodes(m).map((n) => n.name)).toEqual(['lvs-a', 'lvs-b']);
    expect(m.nodes.filter((n) => n.role === 'realserver').map((n) => n.name)).toEqual(['web1', 'web2']);
    expect(inventoryWarnings(m)).toEqual([]);
  });

  it('without directors the twins direct, as before', () => {
    const m = parseInventory(GOOD.replace(/^ {2}- \{ name: lvs-[ab].*\n/gm, ''), 'tiers.yaml');
    expect(directors(m)).toEqual([]);
    expect(lvsNodes(m).map((n) => n.name)).toEqual(['db-a', 'db-b']);
  });

  it('one director is refused at its role, with file:line', () => {
    const text = GOOD.replace(/^ {2}- \{ name: lvs-b.*\n/m, '');
    const p = problems(text);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({
      field: 'nodes[3].role',
      message: 'only one director (lvs-a): directors come in pairs, exactly two',
      location: expect.stringMatching(new RegExp(`^tiers\\.yaml:${lineOf(text, 'name: lvs-a')}:\\d+$`)),
    });
    expect(p[0]!.hint).toContain('two nodes with `role: director`');
  });

  it('a third director is refused at its role', () => {
    const text = GOOD.replace(/^( {2}- \{ name: lvs-b.*\n)/m, '$1  - { name: lvs-c, address: 192.168.20.23, role: director }\n');
    expect(problems(text).map((e) => [e.field, e.message])).toEqual([
      ['nodes[5].role', 'more than two directors: lvs-a and lvs-b already are'],
    ]);
  });

  it('directors on Heartbeat are refused, each at its role, saying why', () => {
    const text = GOOD.replace('stack: pacemaker', 'stack: heartbeat');
    const p = problems(text);
    expect(p.map((e) => e.field)).toEqual(['nodes[3].role', 'nodes[4].role']);
    expect(p[0]!.message).toBe(
      'lvs-a has role director, but Heartbeat R1 runs its resources on the two twins only (the active twin directs LVS)',
    );
    expect(p[0]!.hint).toContain('use stack: pacemaker for a director pair');
    expect(p[0]!.location).toMatch(new RegExp(`^tiers\\.yaml:${lineOf(text, 'name: lvs-a')}:\\d+$`));
  });

  it('directors need lvs: services, an LVS address of their own, and a member arbitrator', () => {
    const noLvs = GOOD.slice(0, GOOD.indexOf('lvs:\n'));
    expect(problems(noLvs).map((e) => [e.field, e.message])).toEqual([
      ['nodes[3].role', 'nodes with role director, but no lvs: services for them to run'],
    ]);
    const shared = GOOD.replace('virtual: "192.168.20.200:80"', 'virtual: "192.168.20.50:80"');
    const p = problems(shared);
    expect(p.map((e) => e.field)).toEqual(['lvs[0].virtual']);
    expect(p[0]!.message).toMatch(/^LVS virtual address 192\.168\.20\.50 is one of cluster\.floating_ips/);
    const qdevice = GOOD.replace('  stack: pacemaker\n', '  stack: pacemaker\n  arbitrator: { mode: qdevice }\n');
    expect(problems(qdevice).map((e) => e.field)).toEqual(['cluster.arbitrator.mode']);
  });

  it("the LVS resources' ids are hactl's own: a declared resource may not take them", () => {
    const text = `${GOOD}pacemaker:\n  resources:\n    - { id: lvs, agent: "ocf:heartbeat:Dummy" }\n    - { id: ldirectord, agent: "ocf:heartbeat:Dummy" }\n`;
    expect(problems(text).map((e) => [e.field, e.message])).toEqual([
      ['pacemaker.resources[0].id', 'id "lvs" is one of hactl\'s own resources'],
      ['pacemaker.resources[1].id', 'id "ldirectord" is one of hactl\'s own resources'],
    ]);
  });
});
