import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventoryText } from '../../../src/lab/inventory.js';
import { labNet } from '../../../src/lab/net.js';
import { LAB_ROUTE } from '../../../src/lab/ns/network.js';
import { qnetdLinkOf } from '../../../src/lab/ns/qnetd-link.js';

const files = { identity: '/tmp/l4/id_ed25519', sshConfig: '/tmp/l4/ssh_config', knownHosts: '/tmp/l4/known_hosts' };

describe('lab up --qnetd-lab: two labs sharing one qnetd', () => {
  it('the link between lab 4 (client) and lab 3 (qnetd): named after the other lab at each end, a /30 keyed by the client', () => {
    expect(qnetdLinkOf(labNet(4), labNet(3))).toEqual({ here: 'qn3', there: 'qn4', hereAddress: '10.76.4.1', thereAddress: '10.76.4.2' });
    // two clients of one qnetd lab get distinct addresses on its side
    expect(qnetdLinkOf(labNet(5), labNet(3)).thereAddress).not.toBe(qnetdLinkOf(labNet(4), labNet(3)).thereAddress);
    // every lab's nodes route the other labs through their own bridge: the whole 10.77.0.0/16
    for (const i of [0, 3, 9]) expect(labNet(i).network.startsWith(LAB_ROUTE.split('.0.0/')[0]!)).toBe(true);
  });

  it("the client lab's inventory: cluster labN, the other lab's arbitrator outside its network, valid", () => {
    const text = inventoryText(
      files,
      '/tmp/l4/inventory.yaml',
      'pacemaker',
      [
        { name: 'master', address: '10.77.4.11', role: 'master' },
        { name: 'slave', address: '10.77.4.12', role: 'slave' },
        { name: 'arbitrator', address: '10.77.3.13', role: 'arbitrator' },
      ],
      labNet(4),
      { qdevice: true, name: 'lab4' },
    );
    expect(parse(text).cluster).toMatchObject({ name: 'lab4', network: '10.77.4.0/24', arbitrator: { mode: 'qdevice' } });
    const m = parseInventory(text, '/tmp/l4/inventory.yaml');
    expect(m.arbitrator?.address).toBe('10.77.3.13');
    expect(m.name).toBe('lab4');
  });
});
