import { describe, expect, it } from 'vitest';
import { liveScript, liveSections } from '../../../src/checks/drift/live.js';
import { linkItems } from '../../../src/checks/drift/pacemaker-rules.js';
import { example } from './helpers.js';

// issue #20: one of two links down moves nothing, so drift is where it shows
const twoLinks = () =>
  example('lab', (y) =>
    y
      .replace(
        /( {2}network: 10\.77\.0\.0\/24\n)/,
        '$1  networks: { backplane: { cidr: 192.168.77.0/24, interface: eth1 } }\n' +
          '  links: [{ network: backplane, priority: 20 }, { network: public, priority: 10 }]\n',
      )
      .replace(/( +)(address: 10\.77\.0\.(1[123]))\n/g, '$1$2\n$1addresses: { backplane: 192.168.77.$3 }\n'),
  );
const cfgtool = (me: number, down: number[] = [], link1 = true): string =>
  [0, ...(link1 ? [1] : [])]
    .map(
      (l) =>
        `LINK ID ${l} knet\n\taddr\t= 192.168.77.1${me}\n\tstatus:\n` +
        [1, 2, 3]
          .map((id) => `\t\tnodeid: ${id}:\t${id === me ? 'localhost' : l === 0 && down.includes(id) ? 'disconnected' : 'connected'}`)
          .join('\n'),
    )
    .join('\n');
const section = (out: string, rc = 0) => ({ out, rc });

describe('drift: corosync links', () => {
  it('asks corosync-cfgtool -s on every voter only with several links', () => {
    const c = twoLinks();
    expect(c.links.length).toBe(2);
    for (const n of c.nodes) expect(liveSections(c, n).map(([s]) => s)).toContain('links');
    expect(liveScript(c, c.master)).toContain('corosync-cfgtool -s');
    const one = example('lab');
    expect(liveSections(one, one.master).map(([s]) => s)).not.toContain('links');
  });

  it('names the link, its network and the node it is down to, from both ends; all connected is clean', () => {
    const c = twoLinks();
    const ids = Object.fromEntries(c.nodes.map((n) => [n.name, n.nodeId]));
    const clean = new Map(c.nodes.map((n) => [n.name, { links: section(cfgtool(ids[n.name]!)) }]));
    expect(linkItems(c, clean)).toEqual([]);
    // the master's backplane cable: link 0 down between master and the others
    const m = ids.master!;
    const live = new Map(
      c.nodes.map((n) => [
        n.name,
        {
          links: section(
            cfgtool(ids[n.name]!, n.name === 'master' ? c.nodes.filter((x) => x.name !== 'master').map((x) => x.nodeId) : [m]),
          ),
        },
      ]),
    );
    const items = linkItems(c, live);
    expect(items.map((i) => `${i.host}: ${i.subject}: ${i.message}`)).toEqual([
      'master: link 0 (backplane): corosync link 0 on backplane is down to slave, arbitrator: the cluster runs on its other link(s), one cable from a split',
      'slave: link 0 (backplane): corosync link 0 on backplane is down to master: the cluster runs on its other link(s), one cable from a split',
      'arbitrator: link 0 (backplane): corosync link 0 on backplane is down to master: the cluster runs on its other link(s), one cable from a split',
    ]);
  });

  it('a node that did not answer is not counted again; a missing link and a failed command are named', () => {
    const c = twoLinks();
    const ids = Object.fromEntries(c.nodes.map((n) => [n.name, n.nodeId]));
    const live = new Map<string, { links: { out: string; rc: number } }>([
      ['master', { links: section(cfgtool(ids.master!, [ids.slave!], false)) }],
      ['arbitrator', { links: section('Could not initialize corosync configuration API error 2', 1) }],
    ]);
    expect(linkItems(c, live).map((i) => `${i.host}: ${i.subject}: ${i.message}`)).toEqual([
      'master: link 1 (public): corosync has no link 1 (public): corosync.conf and the running corosync differ',
      'arbitrator: corosync links: corosync-cfgtool -s failed: Could not initialize corosync configuration API error 2',
    ]);
  });
});
