import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { linksCheck } from '../../src/checks/smoke.js';
import { holdsAddress, holdsAddressCommand } from '../../src/facts/addresses.js';
import { parseKnetLinks } from '../../src/facts/knet-links.js';
import { parseQuorum, quorumMembers } from '../../src/facts/quorum.js';
import { testCluster } from '../helpers/model.js';
import { fixture, liveFrom } from './drift/helpers.js';

const cluster2 = testCluster([{ name: 'master' }, { name: 'slave' }, { name: 'arbitrator' }], {
  links: [{ network: 'backplane' }, { network: 'public' }],
});

// Captured node output (test/unit/drift/fixtures, README there says how each was made):
// each fact is a {command, parse} pair, and the parse is held to real daemon output.
describe('facts', () => {
  it('knet links: each link of corosync-cfgtool -s with its peers connected or not', () => {
    const links = parseKnetLinks(fixture('corosync-cfgtool-backplane-cut.txt'));
    expect(links.map((l) => [l.id, l.address, [...l.peers]])).toEqual([
      [
        0,
        '10.79.3.11',
        [
          [2, false],
          [3, false],
        ],
      ],
      [
        1,
        '10.77.3.11',
        [
          [2, true],
          [3, true],
        ],
      ],
    ]);
    expect(linksCheck(cluster2, links)).toEqual({
      check: 'links',
      ok: false,
      detail: 'link 0 (backplane) down to slave, arbitrator; link 1 (public) connected',
    });
  });

  it('quorum with a quorum device: the Qdevice flags column and its own row are no members', () => {
    const q = parseQuorum(fixture('quorumtool-qdevice.txt'));
    expect(q).toEqual({ quorate: true, expectedVotes: 3, totalVotes: 3, nodes: 2, members: ['master', 'slave'] });
    // a node row with an empty flags column, and one whose name looks like flags
    const t = 'Membership information\n----------------------\n    Nodeid      Votes    Qdevice Name\n';
    expect(quorumMembers(`${t}         1          1            master (local)\n         2          1         NR NODEB\n`)).toEqual([
      'master',
      'NODEB',
    ]);
  });

  it('quorum: votes and the membership table of corosync-quorumtool -s', () => {
    const q = parseQuorum(liveFrom({ master: 'pacemaker-master-ok.txt' }).get('master')!.quorum!.out);
    expect(q).toEqual({ quorate: true, expectedVotes: 3, totalVotes: 3, nodes: 3, members: ['master', 'slave', 'arbitrator'] });
    const down = parseQuorum(liveFrom({ master: 'pacemaker-master-arb-down.txt' }).get('master')!.quorum!.out);
    expect(down.members).toEqual(['master', 'slave']);
  });

  it('addresses: the text reader and the shell test agree (a longer address is not a holder)', () => {
    const ip = liveFrom({ master: 'heartbeat-master-ok.txt' }).get('master')!.addresses!.out;
    expect([holdsAddress(ip, '10.77.4.100'), holdsAddress(ip, '10.77.4.10')]).toEqual([true, false]);
    // the test command, run by a real shell over the same text
    const test = (address: string): boolean => {
      const cmd = holdsAddressCommand(address).replace(/^ip -o -4 addr show/, 'cat');
      try {
        execFileSync('sh', ['-c', cmd], { input: ip });
        return true;
      } catch {
        return false;
      }
    };
    expect([test('10.77.4.100'), test('10.77.4.10')]).toEqual([true, false]);
    expect(fixture('heartbeat-master-ok.txt')).toContain('10.77.4.100/24');
  });
});
