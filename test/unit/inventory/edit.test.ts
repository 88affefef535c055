import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, type InputErrors } from '../../../src/core/errors.js';
import { addNodeToInventoryText, parseInventory } from '../../../src/inventory/index.js';
import { EXAMPLES, FIXTURES } from './helpers.js';

const node = { name: 'extra', address: '10.77.0.14', role: 'service' as const };

describe('addNodeToInventoryText', () => {
  it('appends a block entry after the last node and changes nothing else', () => {
    const text = readFileSync(EXAMPLES + 'lab.yaml', 'utf8');
    const out = addNodeToInventoryText(text, node);
    const added = '  - name: extra\n    address: 10.77.0.14\n    role: service\n';
    const lastLine = '    role: arbitrator\n';
    const at = text.indexOf(lastLine) + lastLine.length;
    expect(out).toBe(text.slice(0, at) + added + text.slice(at));
  });

  it('keeps every comment, including aligned end-of-line comments', () => {
    const text = readFileSync(EXAMPLES + 'example-heartbeat-xen.yaml', 'utf8');
    const out = addNodeToInventoryText(text, { ...node, address: '172.16.5.23', node_id: 9 });
    const comments = (t: string) => t.split('\n').filter((l) => l.includes('#'));
    expect(comments(out)).toEqual(comments(text));
    expect(out).toContain(
      '    ssh:\n      user: admin\n  - name: extra\n    address: 172.16.5.23\n    role: service\n    node_id: 9\n\ndrbd:',
    );
  });

  it('writes its addresses on the extra networks as one flow map; the example with a backplane then validates', () => {
    const text = readFileSync(EXAMPLES + 'example-pacemaker-drbd-kvm.yaml', 'utf8');
    const out = addNodeToInventoryText(text, { ...node, address: '192.168.10.14', addresses: { backplane: '10.10.0.14' } });
    expect(out).toContain('  - name: extra\n    address: 192.168.10.14\n    role: service\n    addresses: { backplane: 10.10.0.14 }\n');
    expect(parseInventory(out, 'x.yaml').nodes.find((n) => n.name === 'extra')!.addresses).toEqual({ backplane: '10.10.0.14' });
    // without it the new member has no address on a corosync link: refused, naming the field to add
    const refused = (() => {
      try {
        parseInventory(addNodeToInventoryText(text, { ...node, address: '192.168.10.14' }), 'x.yaml');
      } catch (e) {
        return (e as InputErrors).errors.map((x) => x.message);
      }
    })();
    expect(refused).toEqual(['node extra has no address on backplane (cluster.links[0])']);
  });

  it('gives the new node the next position-based id and leaves existing ids alone', () => {
    const text = readFileSync(EXAMPLES + 'lab.yaml', 'utf8');
    const m = parseInventory(addNodeToInventoryText(text, node), 'lab.yaml');
    expect(m.nodes.map((n) => [n.name, n.nodeId])).toEqual([
      ['master', 1],
      ['slave', 2],
      ['arbitrator', 3],
      ['extra', 4],
    ]);
  });

  it('follows the flow style of the existing entries', () => {
    const text = readFileSync(FIXTURES + 'good-minimal.yaml', 'utf8');
    const out = addNodeToInventoryText(text, { ...node, address: '10.1.0.14' });
    expect(out).toBe(text + '  - { name: extra, address: 10.1.0.14, role: service }\n');
    expect(parseInventory(out, 'x.yaml').nodes).toHaveLength(3);
  });

  it('keeps comment lines that belong to the last node with it', () => {
    const text = 'nodes:\n- name: a\n  role: master   # c\n  # about a\n\n# other\nvars: {}\n';
    expect(addNodeToInventoryText(text, node)).toBe(
      'nodes:\n- name: a\n  role: master   # c\n  # about a\n- name: extra\n  address: 10.77.0.14\n  role: service\n\n# other\nvars: {}\n',
    );
  });

  it('handles a file without a final newline and CRLF line ends', () => {
    expect(addNodeToInventoryText('nodes:\n  - name: a', node)).toBe(
      'nodes:\n  - name: a\n  - name: extra\n    address: 10.77.0.14\n    role: service\n',
    );
    expect(addNodeToInventoryText('nodes:\r\n  - name: a\r\n', node)).toBe(
      'nodes:\r\n  - name: a\r\n  - name: extra\r\n    address: 10.77.0.14\r\n    role: service\r\n',
    );
  });

  it('falls back to the Document API for flow lists', () => {
    expect(addNodeToInventoryText('# keep\nnodes: [ { name: a } ]\n', node)).toBe(
      '# keep\nnodes: [ { name: a }, { name: extra, address: 10.77.0.14, role: service } ]\n',
    );
  });

  it('refuses duplicates, a missing nodes list and broken YAML', () => {
    const text = readFileSync(EXAMPLES + 'lab.yaml', 'utf8');
    expect(() => addNodeToInventoryText(text, { ...node, name: 'slave' })).toThrow(/name slave is already/);
    expect(() => addNodeToInventoryText(text, { ...node, address: '10.77.0.13' })).toThrow(/address 10.77.0.13 is already/);
    expect(() => addNodeToInventoryText('cluster: {}\n', node)).toThrow(InputError);
    expect(() => addNodeToInventoryText('nodes: [\n', node)).toThrow(/cannot edit the inventory/);
  });
});

describe('replaceNodeInInventoryText', async () => {
  const { replaceNodeInInventoryText } = await import('../../../src/inventory/edit.js');
  const block = `nodes:
  - name: master   # the first twin
    address: 10.77.0.11
    role: master
  - name: slave    # the second twin
    address: 10.77.0.12
    role: slave
  - { name: arbitrator, address: 10.77.0.13, role: arbitrator }
`;
  it('changes name and address in place, adds node_id, keeps comments', () => {
    const out = replaceNodeInInventoryText(block, 'slave', { name: 'slave2', address: '10.77.0.14', node_id: 4 });
    expect(out).toBe(
      block
        .replace('name: slave    #', 'name: slave2    #')
        .replace('10.77.0.12\n    role: slave', '10.77.0.14\n    role: slave\n    node_id: 4'),
    );
  });
  it('works on flow entries and refuses unknown or duplicate names', () => {
    const out = replaceNodeInInventoryText(block, 'arbitrator', { name: 'arb2', address: '10.77.0.15', node_id: 5 });
    expect(out).toContain('- { name: arb2, address: 10.77.0.15, role: arbitrator, node_id: 5 }');
    expect(() => replaceNodeInInventoryText(block, 'ghost', { name: 'x', address: '10.77.0.20', node_id: 9 })).toThrow(
      /ghost, which is not in the inventory/,
    );
    expect(() => replaceNodeInInventoryText(block, 'slave', { name: 'master', address: '10.77.0.20', node_id: 9 })).toThrow(
      /already in the inventory/,
    );
  });
});
