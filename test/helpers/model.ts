import type { ClusterModel, NodeModel } from '../../src/inventory/model.js';
import { DEFAULT_TIMING } from '../../src/inventory/stack-options.js';

/** A minimal cluster model for engine tests that do not need the inventory loader. */
export function testCluster(nodes: Partial<NodeModel>[], extra: Partial<ClusterModel> = {}): ClusterModel {
  const full: NodeModel[] = nodes.map((n, i) => ({
    name: n.name ?? `n${i + 1}`,
    address: n.address ?? '127.0.0.1',
    role: n.role ?? (i === 0 ? 'master' : i === 1 ? 'slave' : 'arbitrator'),
    nodeId: i + 1,
    ssh: n.ssh ?? { user: 'root', port: 22, become: false },
    connect: n.connect ?? n.address ?? '127.0.0.1',
    addresses: n.addresses ?? {},
    vars: n.vars ?? {},
  }));
  return {
    name: 'test',
    stack: 'pacemaker',
    network: { cidr: '127.0.0.0/8', address: '127.0.0.0', prefix: 8 },
    interface: 'lo',
    networks: [],
    links: [{ network: 'public' }],
    replication: 'public',
    floatingIps: [],
    timing: { ...DEFAULT_TIMING },
    stonith: { enabled: false },
    nodes: full,
    master: full[0]!,
    slave: full[1] ?? full[0]!,
    drbd: [],
    services: [],
    guests: [],
    lvs: [],
    lvm: [],
    vars: {},
    secretsDir: '/tmp',
    source: '',
    ...extra,
  };
}
