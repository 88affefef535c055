import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type ClusterModel, defaultMac, inventoryWarnings, parseInventory, timingWarnings } from '../../../src/inventory/index.js';
import { EXAMPLES, TWO_TWINS } from './helpers.js';

const BASE = TWO_TWINS;

const parse = (extra = '', file = '/srv/inv/cluster.yaml'): ClusterModel => parseInventory(BASE + extra, file);

describe('defaults', () => {
  it('fills cluster, timing, node and ssh defaults', () => {
    const m = parse();
    expect(m.interface).toBe('eth0');
    // toMatchObject: an option added to stack-options.ts with a default of its own does not touch this test
    expect(m.timing).toMatchObject({
      token: 3000,
      consensus: 3600,
      keepalive: 1,
      warntime: 5,
      deadtime: 10,
      initdead: 30,
      monitorInterval: 5,
    });
    expect(m.stonith).toEqual({ enabled: false });
    expect(m.floatingIps).toEqual([{ address: '10.1.0.100', prefix: 24, interface: 'eth0', name: 'vip' }]);
    expect(m.master).toEqual({
      name: 'alpha',
      address: '10.1.0.11',
      role: 'master',
      nodeId: 1,
      connect: '10.1.0.11',
      addresses: {},
      vars: {},
      ssh: { user: 'root', port: 22, become: false },
    });
    expect(m.slave.nodeId).toBe(2);
    expect(m.arbitrator).toBeUndefined();
    expect(m).toMatchObject({ drbd: [], services: [], guests: [], lvs: [], vars: {} });
    expect(m.source).toBe('/srv/inv/cluster.yaml');
    expect(m.secretsDir).toBe('/srv/inv/.hactl/secrets/t');
  });

  it('derives consensus from token', () => {
    expect(parseInventory(BASE.replace('floating_ips', 'timing: { token: 5000 }\n  floating_ips'), 'x.yaml').timing.consensus).toBe(6000);
  });

  it('names floating IPs vip, vip2, ... and keeps explicit settings', () => {
    const m = parseInventory(
      BASE.replace('[10.1.0.100]', '[10.1.0.100/16, { address: 10.1.0.101, interface: eth1 }, { address: 10.1.0.102, name: web }]'),
      'x.yaml',
    );
    expect(m.floatingIps).toEqual([
      { address: '10.1.0.100', prefix: 16, interface: 'eth0', name: 'vip' },
      { address: '10.1.0.101', prefix: 24, interface: 'eth1', name: 'vip2' },
      { address: '10.1.0.102', prefix: 24, interface: 'eth0', name: 'web' },
    ]);
  });

  it('merges ssh settings: top level, then node; resolves paths; become when not root', () => {
    const text =
      BASE.replace(/nodes:[\s\S]*$/, '') +
      `
ssh: { user: admin, port: 2222, identity: keys/id, config: ~/cfg, known_hosts: ../kh }
nodes:
  - { name: alpha, address: 10.1.0.11, role: master, ssh: { host: alpha.example, identity: /abs/key } }
  - { name: beta, address: 10.1.0.12, role: slave, ssh: { user: root, port: 22 } }
  - { name: gamma, address: 10.1.0.13, role: arbitrator, ssh: { become: false }, node_id: 7 }
`;
    const m = parseInventory(text, '/srv/inv/c.yaml');
    const common = { config: `${homedir()}/cfg`, knownHosts: '/srv/kh' };
    expect(m.nodes[0]).toMatchObject({
      connect: 'alpha.example',
      ssh: { user: 'admin', port: 2222, become: true, identity: '/abs/key', ...common },
    });
    expect(m.nodes[1]).toMatchObject({
      connect: '10.1.0.12',
      ssh: { user: 'root', port: 22, become: false, identity: '/srv/inv/keys/id', ...common },
    });
    expect(m.nodes[2]).toMatchObject({ nodeId: 7, ssh: { user: 'admin', become: false } });
    expect(m.arbitrator?.name).toBe('gamma');
  });

  it('resolves secrets_dir relative to the inventory file', () => {
    expect(parseInventory(BASE.replace('floating_ips', 'secrets_dir: ./sec\n  floating_ips'), '/a/b/c.yaml').secretsDir).toBe('/a/b/sec');
  });

  it('fills DRBD, service and guest defaults', () => {
    const m = parse(`
drbd:
  - { name: r0, device: /dev/drbd0, disk: /dev/vdb, filesystem: { type: ext4, mount: /srv } }
  - { name: r1, minor: 3, disk: /dev/vdc, protocol: A, meta_disk: /dev/vdd }
services:
  - { name: apache2, drbd: r0 }
guests:
  - { name: vm1, type: kvm, drbd: r1 }
  - { name: vm2, type: xen, disk: /dev/vg/vm2, mac: "00:16:3E:AA:BB:CC", memory: 1024, vcpus: 2, bridge: xenbr0 }
`);
    expect(m.drbd).toEqual([
      {
        name: 'r0',
        device: '/dev/drbd0',
        minor: 0,
        disk: '/dev/vdb',
        port: 7788,
        metaDisk: 'internal',
        protocol: 'C',
        filesystem: { type: 'ext4', mount: '/srv' },
      },
      { name: 'r1', device: '/dev/drbd3', minor: 3, disk: '/dev/vdc', port: 7791, metaDisk: '/dev/vdd', protocol: 'A' },
    ]);
    expect(m.services).toEqual([{ name: 'apache2', package: 'apache2', drbd: 'r0' }]);
    expect(m.guests).toEqual([
      {
        name: 'vm1',
        type: 'kvm',
        memoryMiB: 512,
        vcpus: 1,
        disk: '/dev/drbd3',
        drbd: 'r1',
        bridge: 'br0',
        mac: defaultMac('t', 'vm1', 'kvm'),
      },
      { name: 'vm2', type: 'xen', memoryMiB: 1024, vcpus: 2, disk: '/dev/vg/vm2', bridge: 'xenbr0', mac: '00:16:3e:aa:bb:cc' },
    ]);
  });

  it('derives stable, unicast guest MACs with the hypervisor prefix', () => {
    expect(defaultMac('t', 'vm1', 'kvm')).toBe(defaultMac('t', 'vm1', 'kvm'));
    expect(defaultMac('t', 'vm1', 'kvm')).toMatch(/^52:54:00:[0-7][0-9a-f](:[0-9a-f]{2}){2}$/);
    expect(defaultMac('t', 'vm1', 'xen')).toMatch(/^00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$/);
    expect(defaultMac('t', 'vm2', 'kvm')).not.toBe(defaultMac('t', 'vm1', 'kvm'));
  });

  it('parses LVS services and fills their defaults', () => {
    const m = parseInventory(
      BASE.replace('stack: pacemaker', 'stack: heartbeat') +
        `
lvs:
  - name: web
    virtual: "10.1.0.200:80"
    real_servers: ["10.1.0.21:8080", "10.1.0.22", { address: 10.1.0.23, weight: 0 }]
  - { name: dns, virtual: "10.1.0.201:53", protocol: udp, scheduler: rr, forwarding: masq, persistent: 60,
      real_servers: ["10.1.0.31:53"], check: { type: connect, interval: 10, timeout: 2, expect: "" } }
`,
      '/srv/inv/cluster.yaml',
    );
    expect(m.lvs[0]).toEqual({
      name: 'web',
      address: '10.1.0.200',
      port: 80,
      protocol: 'tcp',
      scheduler: 'wrr',
      forwarding: 'gate',
      realServers: [
        { address: '10.1.0.21', port: 8080, weight: 1 },
        { address: '10.1.0.22', port: 80, weight: 1 },
        { address: '10.1.0.23', port: 80, weight: 0 },
      ],
      check: { type: 'http', path: '/', interval: 5, timeout: 3 },
    });
    expect(m.lvs[1]).toMatchObject({
      protocol: 'udp',
      scheduler: 'rr',
      forwarding: 'masq',
      persistent: 60,
      check: { type: 'connect', path: '/', interval: 10, timeout: 2, expect: '' },
    });
  });

  it('accepts lvs: on the pacemaker stack (ldirectord and the addresses become resources)', () => {
    const m = parse('lvs:\n  - { name: web, virtual: "10.1.0.200:80", real_servers: ["10.1.0.21"] }\n');
    expect(m.lvs.map((s) => `${s.name} ${s.address}:${s.port}`)).toEqual(['web 10.1.0.200:80']);
  });

  it('stringifies stonith parameters', () => {
    const m = parseInventory(
      BASE.replace('floating_ips', 'stonith: { enabled: true, agent: fence_x, params: { port: 623, lanplus: true } }\n  floating_ips'),
      'x.yaml',
    );
    expect(m.stonith).toEqual({ enabled: true, agent: 'fence_x', params: { port: '623', lanplus: 'true' } });
  });

  it('expands ~ in paths', () => {
    expect(parseInventory(BASE + 'ssh: { identity: ~/.ssh/id }\n', '/x/y.yaml').master.ssh.identity).toBe(`${homedir()}/.ssh/id`);
  });
});

describe('warnings', () => {
  const hb = (t: Partial<ClusterModel['timing']>) => ({ stack: 'heartbeat' as const, timing: { ...parse().timing, ...t } });

  it('warns about short heartbeat deadtime and initdead', () => {
    expect(timingWarnings(hb({ deadtime: 6, initdead: 10 }))).toEqual([
      'timing.deadtime is 6 s: below 10 s a busy node can miss heartbeats and trigger a needless failover',
      'timing.initdead (10 s) is less than twice deadtime (6 s): a booting peer may be declared dead before its network is up',
    ]);
    expect(timingWarnings(hb({}))).toEqual([]);
  });

  it('warns about a short corosync token', () => {
    expect(timingWarnings({ stack: 'pacemaker', timing: { ...parse().timing, token: 500 } })).toEqual([
      'timing.token is 500 ms: below 1000 ms a loaded network can cause spurious membership changes',
    ]);
  });

  it('warns about no arbitrator and unfenced DRBD', () => {
    const m = parse('drbd: [{ name: r0, device: /dev/drbd0, disk: /dev/vdb }]\n');
    expect(inventoryWarnings(m)).toEqual([
      'stonith is disabled while DRBD holds data: a split brain cannot be fenced (fine for a lab, not for production)',
      'no arbitrator: with only the twins, a network split cannot be decided by quorum',
    ]);
  });

  it('heartbeat examples use sane timing', async () => {
    const { loadInventory } = await import('../../../src/inventory/index.js');
    expect(timingWarnings(await loadInventory(EXAMPLES + 'example-heartbeat-xen.yaml'))).toEqual([]);
  });
});

describe("promoted/unpromoted (Pacemaker 2.1's terms) as aliases of master/slave", () => {
  it("resolve to the howtos' roles; output shows both terms; --limit takes them", async () => {
    const m = parseInventory(BASE.replace('role: master', 'role: promoted').replace('role: slave', 'role: unpromoted'), '/srv/inv/c.yaml');
    expect([m.master.name, m.master.role, m.slave.name, m.slave.role]).toEqual(['alpha', 'master', 'beta', 'slave']);
    const { roleLabel } = await import('../../../src/inventory/model.js');
    expect([roleLabel('master'), roleLabel('slave'), roleLabel('arbitrator')]).toEqual([
      'master (promoted)',
      'slave (unpromoted)',
      'arbitrator',
    ]);
    const { formatModel } = await import('../../../src/cli/commands/inventory.js');
    expect(formatModel(m)).toMatch(/alpha +master \(promoted\) +10\.1\.0\.11/);
    const { resolveLimit } = await import('../../../src/cli/options.js');
    expect(resolveLimit(m, 'unpromoted')).toEqual(['beta']);
  });

  it('a third name is still refused by the schema', () => {
    expect(() => parseInventory(BASE.replace('role: slave', 'role: secondary'), '/srv/inv/c.yaml')).toThrow(/problem/);
  });
});
