/** Hand-built models and samples for the failover unit tests (no inventory loader needed). */
import type { NodeSample } from '../../../src/checks/failover/types.js';
import type { ClusterModel, NodeModel } from '../../../src/inventory/model.js';

export const labNode = (name: string, role: NodeModel['role'], address: string): NodeModel =>
  ({ name, role, address, nodeId: 1, ssh: {}, connect: name, addresses: {}, vars: {} }) as unknown as NodeModel;
export const master = labNode('master', 'master', '10.77.0.11');
export const slave = labNode('slave', 'slave', '10.77.0.12');
export const arbitrator = labNode('arbitrator', 'arbitrator', '10.77.0.13');

/** The namespace lab's Pacemaker cluster (one link, apache2, no fencing), `o` on top. */
export const labCluster = (o: Partial<ClusterModel> = {}): ClusterModel =>
  ({
    name: 'lab',
    stack: 'pacemaker',
    source: '/x/inventory.yaml',
    interface: 'eth0',
    vars: {},
    stonith: { enabled: false },
    timing: { token: 1000, consensus: 1200, keepalive: 1, warntime: 3, deadtime: 5, initdead: 10, monitorInterval: 5 },
    floatingIps: [{ address: '10.77.0.100', prefix: 24, interface: 'eth0', name: 'vip' }],
    services: [{ name: 'apache2', package: 'apache2', check: { port: 80, path: '/' } }],
    nodes: [master, slave, arbitrator],
    master,
    slave,
    arbitrator,
    drbd: [],
    guests: [],
    lvs: [],
    networks: [],
    links: [{ network: 'public' }],
    replication: 'public',
    ...o,
  }) as ClusterModel;

/** One watcher sample: reachable, stack up, no VIP, all three members seen. */
export const sample = (t: number, node: string, o: Partial<NodeSample> = {}): NodeSample => ({
  t,
  node,
  reachable: true,
  vip: false,
  stack: true,
  members: ['master', 'slave', 'arbitrator'],
  extra: {},
  ...o,
});
