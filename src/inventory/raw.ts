/**
 * The inventory as written in YAML (snake_case), after schema validation and before
 * defaults. Mirrors `inventorySchema`; `resolve.ts` turns it into the `ClusterModel`.
 */

import type { DrbdFencing, LinkMode, Role, RoleAlias, Stack } from './model.js';
import type { SecretSource } from './secret-value.js';
import type { RawTiming } from './stack-options.js';

export type { RawTiming };

export interface RawSsh {
  user?: string;
  port?: number;
  identity?: string;
  config?: string;
  known_hosts?: string;
  become?: boolean;
}

export interface RawNodeSsh {
  host?: string;
  user?: string;
  port?: number;
  identity?: string;
  become?: boolean;
}

export interface RawNode {
  name: string;
  address: string;
  /** promoted/unpromoted are replaced by master/slave right after the schema check */
  role: Role | RoleAlias;
  node_id?: number;
  addresses?: Record<string, string>;
  ssh?: RawNodeSsh;
  vars?: Record<string, unknown>;
}

export type RawFloatingIp = string | { address: string; prefix?: number; interface?: string; name?: string };

export interface RawCluster {
  name: string;
  stack: Stack;
  network: string;
  interface?: string;
  networks?: Record<string, { cidr: string; interface?: string }>;
  links?: Array<{ network: string; priority?: number }>;
  link_mode?: LinkMode;
  replication?: string;
  serial?: { device?: string; baud?: number };
  floating_ips: RawFloatingIp[];
  timing?: RawTiming;
  stonith?: {
    enabled: boolean;
    agent?: string;
    params?: Record<string, string | number | boolean | SecretSource>;
    sbd?: { devices?: string[]; watchdog?: string; watchdog_timeout?: number; softdog?: 'auto' | 'never' };
    watchdog?: string;
  };
  arbitrator?: { mode?: 'member' | 'qdevice'; algorithm?: 'ffsplit' | 'lms' };
  secrets_dir?: string;
}

export interface RawDrbd {
  name: string;
  device?: string;
  minor?: number;
  disk: string;
  port?: number;
  meta_disk?: string;
  protocol?: 'A' | 'B' | 'C';
  filesystem?: { type: string; mount: string; options?: string };
  initialize?: 'wipe';
  fencing?: DrbdFencing;
}

export interface RawService {
  name: string;
  package?: string;
  check?: { port?: number; path?: string; expect?: string; status?: number; command?: string };
  drbd?: string;
  kind?: 'mariadb' | 'nfs';
  datadir?: string;
  state_dir?: string;
  exports?: Array<{ path: string; clients: string; options?: string; fsid?: number }>;
  lease_time?: number;
  grace_time?: number;
}

export interface RawGuest {
  name: string;
  type: 'kvm' | 'xen';
  memory?: number;
  vcpus?: number;
  disk?: string;
  drbd?: string;
  bridge?: string;
  mac?: string;
}

export type RawRealServer = string | { address: string; port?: number; weight?: number };

export interface RawLvs {
  name: string;
  virtual: string;
  protocol?: 'tcp' | 'udp';
  scheduler?: string;
  persistent?: number;
  forwarding?: 'gate' | 'masq' | 'ipip';
  real_servers: RawRealServer[];
  check?: { type?: 'http' | 'connect'; path?: string; expect?: string; interval?: number; timeout?: number };
}

export interface RawLvm {
  vg: string;
  pvs: string[];
  lvs?: Array<{ name: string; size: string }>;
}

export interface RawInventory {
  cluster: RawCluster;
  ssh?: RawSsh;
  nodes: RawNode[];
  lvm?: RawLvm[];
  drbd?: RawDrbd[];
  services?: RawService[];
  guests?: RawGuest[];
  lvs?: RawLvs[];
  pacemaker?: RawPacemaker;
  vars?: Record<string, unknown>;
}

type RawNv = Record<string, string | number | boolean>;

export interface RawPacemaker {
  resources?: Array<{
    id: string;
    agent: string;
    params?: Record<string, string | number | boolean | SecretSource>;
    ops?: Array<{ name: string; interval?: string; timeout?: string; role?: string }>;
    meta?: RawNv;
  }>;
  groups?: Array<{ id: string; resources: string[]; meta?: RawNv }>;
  clones?: Array<{ id: string; resource: string; promotable?: boolean; meta?: RawNv }>;
  locations?: Array<{ id: string; resource: string; node: string; score: string | number }>;
  colocations?: Array<{ id: string; resource: string; with: string; score?: string | number; role?: string; with_role?: string }>;
  orders?: Array<{
    id: string;
    first: string;
    then: string;
    kind?: string;
    first_action?: string;
    then_action?: string;
    symmetrical?: boolean;
  }>;
  properties?: RawNv;
  rsc_defaults?: RawNv;
  op_defaults?: RawNv;
}
