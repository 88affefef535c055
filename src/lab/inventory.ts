/** The inventory `lab up` writes: the lab's nodes, ready for `hactl plan/run -i`. */
import { dirname, isAbsolute, relative } from 'node:path';
import { Document, isMap, isSeq } from 'yaml';
import { PUBLIC_NETWORK, type Stack } from '../inventory/model.js';
import { BACKPLANE, type LabNet, labNet } from './net.js';
import type { LabFiles } from './paths.js';
import type { LabHost } from './state.js';

/** A state-dir file as the inventory refers to it: relative when beside it, else absolute. */
function refer(inventory: string, file: string): string {
  const rel = relative(dirname(inventory), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : `./${rel}`;
}

/** What differs between the namespace lab's inventory and the VM lab's. */
export interface InventoryExtras {
  /** corosync token (ms); default 1000 */
  token?: number;
  /** `drbd:` entries (the namespace lab has none: no DRBD in a shared kernel) */
  drbd?: Array<Record<string, unknown>>;
  /** default: apache2 checked on port 80 */
  services?: Array<Record<string, unknown>>;
  /**
   * a second network (`lab up --backplane`): declared as `backplane` on eth1, the nodes'
   * addresses on it, and two corosync links, the backplane first (higher priority)
   */
  backplane?: { network: string; addresses: Record<string, string> };
  /** a serial cable between the twins (Heartbeat): its tty, declared as `cluster.serial` */
  serial?: string;
  /** `lab up --qdevice`: the arbitrator runs corosync-qnetd (cluster.arbitrator.mode: qdevice, ffsplit) */
  qdevice?: boolean;
  /** the cluster name; default `lab` (`lab up --qnetd-lab`: `labN`, as qnetd tells its clusters apart by name) */
  name?: string;
}

const APACHE = { name: 'apache2', package: 'apache2', check: { port: 80, path: '/' } };

/** Renders inventory.yaml for `nodes`, to be written at `inventoryFile`. */
export function inventoryText(
  paths: Pick<LabFiles, 'identity' | 'sshConfig' | 'knownHosts'>,
  inventoryFile: string,
  stack: Stack,
  nodes: ReadonlyArray<Pick<LabHost, 'name' | 'address' | 'role'>>,
  net: LabNet = labNet(0),
  extras: InventoryExtras = {},
): string {
  const doc = new Document({
    cluster: {
      name: extras.name ?? 'lab',
      stack,
      network: net.network,
      interface: 'eth0',
      ...(extras.backplane
        ? {
            networks: { [BACKPLANE]: { cidr: extras.backplane.network, interface: 'eth1' } },
            links: [
              { network: BACKPLANE, priority: 20 },
              { network: PUBLIC_NETWORK, priority: 10 },
            ],
            replication: BACKPLANE,
          }
        : {}),
      floating_ips: [net.floatingIp],
      ...(extras.serial ? { serial: { device: extras.serial } } : {}),
      timing: { token: extras.token ?? 1000 },
      stonith: { enabled: false },
      ...(extras.qdevice ? { arbitrator: { mode: 'qdevice', algorithm: 'ffsplit' } } : {}),
    },
    ssh: {
      user: 'root',
      identity: refer(inventoryFile, paths.identity),
      config: refer(inventoryFile, paths.sshConfig),
      known_hosts: refer(inventoryFile, paths.knownHosts),
    },
    nodes: nodes.map((n) => {
      const bp = extras.backplane?.addresses[n.name];
      return { name: n.name, address: n.address, role: n.role, ...(bp ? { addresses: { [BACKPLANE]: bp } } : {}) };
    }),
    ...(extras.drbd ? { drbd: extras.drbd } : {}),
    services: extras.services ?? [APACHE],
  });
  doc.commentBefore = ' written by `hactl lab up`';
  // one line per node / service, as a person would write it
  for (const key of ['nodes', 'drbd', 'services']) {
    const seq = doc.get(key);
    if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
  }
  for (const key of ['floating_ips', 'serial', 'timing', 'stonith', 'links', 'arbitrator']) {
    const node = doc.getIn(['cluster', key]);
    if (isSeq(node) || isMap(node)) node.flow = true;
  }
  return doc.toString({ lineWidth: 0 });
}
