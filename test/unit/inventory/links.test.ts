import { describe, expect, it } from 'vitest';
import { InputErrors } from '../../../src/core/errors.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { renderFile } from '../../../src/render/render.js';
import { corosyncView } from '../../../src/stack/corosync.js';
import { drbdView } from '../../../src/stack/drbd.js';
import { haCfView } from '../../../src/stack/heartbeat.js';

// Issue #20: several networks per node (a public one and a back-to-back backplane), corosync
// knet links on them, DRBD on the backplane, Heartbeat's ucast on every link; and the
// refusals, each at its field.
const BACKPLANE = `  networks:
    backplane: { cidr: 192.168.77.0/24, interface: eth1 }
  links:
    - { network: backplane, priority: 20 }
    - { network: public, priority: 10 }
  link_mode: passive
  replication: backplane
`;
const inventory = (o: { stack?: string; cluster?: string; arbitrator?: string; drbdPort?: number } = {}): string => `cluster:
  name: links
  stack: ${o.stack ?? 'pacemaker'}
  network: 10.1.0.0/24
  floating_ips: [10.1.0.100]
${o.cluster ?? BACKPLANE}nodes:
  - { name: alpha, address: 10.1.0.11, role: master, addresses: { backplane: 192.168.77.11 } }
  - { name: beta, address: 10.1.0.12, role: slave, addresses: { backplane: 192.168.77.12 } }
  - { name: gamma, address: 10.1.0.13, role: arbitrator${o.arbitrator ?? ', addresses: { backplane: 192.168.77.13 }'} }
drbd:
  - { name: r0, device: /dev/drbd0, disk: /dev/vdb${o.drbdPort ? `, port: ${o.drbdPort}` : ''} }
`;
const load = (o: Parameters<typeof inventory>[0] = {}) => parseInventory(inventory(o), '/x/inv.yaml');
function problems(o: Parameters<typeof inventory>[0]): string[] {
  try {
    load(o);
  } catch (err) {
    if (err instanceof InputErrors)
      return err.errors.map((e) => `${e.details.field}: ${e.message}${e.details.hint ? ` (${e.details.hint})` : ''}`);
    throw err;
  }
  return [];
}

describe('networks and links', () => {
  it('corosync.conf: two knet links with their priorities, ring0 on the backplane, ring1 on public', () => {
    const text = renderFile('corosync/corosync.conf.hbs', corosyncView(load()));
    expect(text).toContain('    link_mode: passive\n');
    expect(text).toContain('    interface {\n        linknumber: 0\n        knet_link_priority: 20\n    }\n');
    expect(text).toContain('    interface {\n        linknumber: 1\n        knet_link_priority: 10\n    }\n');
    expect(text).toContain('        name: alpha\n        nodeid: 1\n        ring0_addr: 192.168.77.11\n        ring1_addr: 10.1.0.11\n');
    expect(text).toContain('        name: gamma\n        nodeid: 3\n        ring0_addr: 192.168.77.13\n        ring1_addr: 10.1.0.13\n');
  });

  it('without links: one ring0 on the public address, no interface section, no link_mode', () => {
    const text = renderFile(
      'corosync/corosync.conf.hbs',
      corosyncView(load({ cluster: '  networks: { backplane: { cidr: 192.168.77.0/24 } }\n' })),
    );
    expect(text).toMatch(/ring0_addr: 10\.1\.0\.11\n {4}\}/);
    expect(text).not.toMatch(/ring1_addr|interface \{|link_mode/);
  });

  it('DRBD replicates over the backplane addresses; the floating IP stays on public', () => {
    const c = load();
    const res = renderFile('drbd/resource.res.hbs', drbdView(c, c.drbd[0]!));
    expect(res).toContain('address 192.168.77.11:7788;');
    expect(res).toContain('address 192.168.77.12:7788;');
    expect(c.floatingIps[0]!.interface).toBe('eth0');
  });

  it("ha.cf: a ucast line per link, each on its network's interface", () => {
    const c = load({ stack: 'heartbeat', arbitrator: '' });
    const text = renderFile('heartbeat/ha.cf.hbs', haCfView(c, 'alpha', ''));
    expect(text).toContain('ucast eth1 192.168.77.12\nucast eth0 10.1.0.12\n');
  });

  it('ha.cf: a serial cable (cluster.serial) is one more path, its baud before it; corosync refuses it', () => {
    const serial = `${BACKPLANE}  serial: { device: /dev/ttyS1, baud: 38400 }\n`;
    const c = load({ stack: 'heartbeat', arbitrator: '', cluster: serial });
    expect(c.serial).toEqual({ device: '/dev/ttyS1', baud: 38400 });
    const text = renderFile('heartbeat/ha.cf.hbs', haCfView(c, 'alpha', ''));
    expect(text).toMatch(/ucast eth0 10\.1\.0\.12\n# .*\nbaud 38400\nserial \/dev\/ttyS1\nauto_failback on\n/);
    expect(load({ stack: 'heartbeat', arbitrator: '', cluster: `${BACKPLANE}  serial: {}\n` }).serial).toEqual({
      device: '/dev/ttyS1',
      baud: 19200,
    });
    expect(renderFile('heartbeat/ha.cf.hbs', haCfView(load({ stack: 'heartbeat', arbitrator: '' }), 'alpha', ''))).not.toMatch(
      /serial|baud/,
    );
    expect(problems({ cluster: serial })).toEqual([
      'cluster.serial: cluster.serial is heartbeat only (ha.cf `serial`): corosync talks over networks only ' +
        '(give corosync a second network instead (cluster.networks + cluster.links), or use stack: heartbeat)',
    ]);
    expect(problems({ stack: 'heartbeat', arbitrator: '', cluster: `${BACKPLANE}  serial: { baud: 12345 }\n` })[0]).toMatch(
      /^cluster\.serial\.baud/,
    );
  });

  it('refuses an unknown network, a missing address, an address outside its network, overlaps and a DRBD port on the knet port', () => {
    expect(problems({ cluster: BACKPLANE.replace('{ network: backplane, priority: 20 }', '{ network: backplan }') })).toEqual([
      'cluster.links[0].network: unknown network "backplan" (did you mean `backplane`?)',
    ]);
    expect(problems({ arbitrator: '' })).toEqual([
      'nodes[2]: node gamma has no address on backplane (cluster.links[0]) (add `addresses: { backplane: ... }`)',
    ]);
    expect(problems({ arbitrator: ', addresses: { backplane: 192.168.78.13 }' })).toEqual([
      'nodes[2].addresses.backplane: address 192.168.78.13 is outside cluster.networks.backplane 192.168.77.0/24',
    ]);
    expect(problems({ arbitrator: ', addresses: { backplane: 192.168.77.12 }' })).toEqual([
      'nodes[2].addresses.backplane: duplicate address 192.168.77.12 on backplane (also nodes[1].addresses.backplane) (every node needs its own address)',
    ]);
    expect(problems({ cluster: BACKPLANE.replace('192.168.77.0/24', '10.0.0.0/8') })[0]).toBe(
      'cluster.networks.backplane.cidr: network 10.0.0.0/8 overlaps cluster.network (each network needs its own address range, ' +
        'or the kernel cannot tell them apart)',
    );
    expect(problems({ drbdPort: 5405 })).toEqual([
      "drbd[0].port: DRBD r0's port 5405 is corosync's knet port on backplane (use another port)",
    ]);
    expect(problems({ cluster: `${BACKPLANE}  links_typo: 1\n` }).join()).toMatch(/links_typo/);
  });
});
