import { describe, expect, it } from 'vitest';
import { type Problem, problemsOf } from './helpers.js';

/** Every broken fixture with exactly the problems it must report, in order. */
const CASES: Record<string, Problem[]> = {
  'bad-typo-key.yaml': [
    // the missing `address` is not reported separately: the typo explains it
    {
      location: 'bad-typo-key.yaml:12:5',
      field: 'nodes[1].adress',
      message: 'unknown field `adress` in node',
      hint: 'did you mean `address`?',
    },
  ],
  'bad-wrong-type.yaml': [
    {
      location: 'bad-wrong-type.yaml:8:9',
      field: 'ssh.port',
      message: 'port must be a whole number, got "twenty-two"',
      hint: 'SSH port (default 22).',
    },
  ],
  'bad-missing-required.yaml': [
    {
      location: 'bad-missing-required.yaml:2:3',
      field: 'cluster.stack',
      message: 'missing required field `stack` in cluster',
      hint: 'add `stack:` — Cluster stack: "pacemaker" (corosync + pacemaker) or "heartbeat".',
    },
  ],
  'bad-enum-typo.yaml': [
    {
      location: 'bad-enum-typo.yaml:3:10',
      field: 'cluster.stack',
      message: 'stack must be one of pacemaker, heartbeat; got "pacemakr"',
      hint: 'did you mean `pacemaker`?',
    },
  ],
  'bad-two-masters.yaml': [
    {
      location: 'bad-two-masters.yaml:16:11',
      field: 'nodes[2].role',
      message: 'more than one master: nodes[0] (master) is already the master',
      hint: 'a cluster has exactly one master',
    },
  ],
  'bad-roles.yaml': [
    {
      location: 'bad-roles.yaml:6:12',
      field: 'cluster.stonith',
      message: 'stonith is enabled but no agent is given',
      hint: 'add `agent: fence_...` (e.g. fence_ipmilan), `sbd:` (Pacemaker) or set `enabled: false`',
    },
    {
      location: 'bad-roles.yaml:8:3',
      field: 'nodes',
      message: 'no node has role master',
      hint: 'exactly one node must have `role: master`',
    },
    {
      location: 'bad-roles.yaml:13:11',
      field: 'nodes[1].role',
      message: 'more than one slave: nodes[0] (master) is already the slave',
      hint: 'a cluster has exactly one slave',
    },
  ],
  'bad-duplicate-address.yaml': [
    {
      location: 'bad-duplicate-address.yaml:12:14',
      field: 'nodes[1].address',
      message: 'duplicate node address 10.77.0.11 (also nodes[0].address)',
      hint: 'every node needs its own address',
    },
  ],
  'bad-vip-outside.yaml': [
    {
      location: 'bad-vip-outside.yaml:6:7',
      field: 'cluster.floating_ips[0]',
      message: 'floating IP 10.77.1.100 is outside cluster.network 10.77.0.0/24',
      hint: 'use an address inside 10.77.0.0/24, or widen cluster.network',
    },
  ],
  'bad-vip-is-node.yaml': [
    {
      location: 'bad-vip-is-node.yaml:6:16',
      field: 'cluster.floating_ips[0].address',
      message: 'floating IP 10.77.0.12 is the address of node slave (nodes[1].address)',
      hint: 'a floating IP must be a spare address that no node owns',
    },
  ],
  'bad-drbd.yaml': [
    {
      location: 'bad-drbd.yaml:19:13',
      field: 'drbd[1].device',
      message: 'DRBD device /dev/drbd1 does not match minor 2',
      hint: 'use device /dev/drbd2, or drop minor:',
    },
    {
      location: 'bad-drbd.yaml:22:11',
      field: 'drbd[1].port',
      message: 'duplicate DRBD port 7788, also used by drbd[0]',
      hint: 'each resource replicates on its own TCP port; set port: to a free one',
    },
  ],
  'bad-drbd-port-range.yaml': [
    {
      location: 'bad-drbd-port-range.yaml:18:11',
      field: 'drbd[0].port',
      message: 'port must be <= 65535, got 77890',
      hint: 'TCP port DRBD replicates on (default 7788 + minor); unique per resource.',
    },
  ],
  'bad-heartbeat-timing.yaml': [
    {
      location: 'bad-heartbeat-timing.yaml:9:15',
      field: 'cluster.timing.deadtime',
      message: 'timing.deadtime (4 s) must be more than twice keepalive (2 s)',
      hint: 'raise deadtime above 4 or lower keepalive; one lost packet must not kill a node',
    },
    {
      location: 'bad-heartbeat-timing.yaml:10:15',
      field: 'cluster.timing.warntime',
      message: 'timing.warntime (4 s) must be less than deadtime (4 s)',
      hint: 'a warning after the node is already dead is useless',
    },
    {
      location: 'bad-heartbeat-timing.yaml:11:15',
      field: 'cluster.timing.initdead',
      message: 'timing.initdead (3 s) must be at least deadtime (4 s)',
      hint: 'use initdead: 8 (twice deadtime is usual)',
    },
  ],
  'bad-consensus.yaml': [
    {
      location: 'bad-consensus.yaml:6:37',
      field: 'cluster.timing.consensus',
      message: 'timing.consensus (3000 ms) must be at least 1.2 * token (3600 ms)',
      hint: 'use consensus: 3600 or remove it (the default is 1.2 * token)',
    },
  ],
  'bad-unknown-drbd.yaml': [
    {
      location: 'bad-unknown-drbd.yaml:20:11',
      field: 'services[0].drbd',
      message: 'unknown DRBD resource "ro"',
      hint: 'did you mean `r0`? (defined DRBD resources: r0)',
    },
    {
      location: 'bad-unknown-drbd.yaml:24:11',
      field: 'guests[0].drbd',
      message: 'unknown DRBD resource "r7"',
      hint: 'did you mean `r0`? (defined DRBD resources: r0)',
    },
  ],
  'bad-yaml-syntax.yaml': [
    {
      location: 'bad-yaml-syntax.yaml:6:1',
      field: 'cluster.floating_ips[0]',
      message: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      hint: 'a `[` or `{` is not closed',
    },
  ],
  'bad-declared-schema.yaml': [
    {
      location: 'bad-declared-schema.yaml:15:11',
      field: 'pacemaker.resources[0].id',
      message: '"9lives" is not a valid resource id',
      hint: 'Resource id, unique in the CIB: letters, digits, "_", ".", "-", a letter or "_" first (XML NCName), at most 64.',
    },
    {
      location: 'bad-declared-schema.yaml:18:14',
      field: 'pacemaker.resources[1].agent',
      message: '"systemd;rm -rf /" is not a valid resource agent',
      hint: 'class:provider:type for OCF (ocf:heartbeat:Dummy), class:type for the others (systemd:nginx, lsb:apache2, stonith:fence_ipmilan).',
    },
    {
      location: 'bad-declared-schema.yaml:20:64',
      field: 'pacemaker.colocations[0].score',
      message: '"lots" is not a valid score',
      hint: 'INFINITY (together, default), -INFINITY (apart) or a whole number.',
    },
    {
      location: 'bad-declared-schema.yaml:22:14',
      field: 'pacemaker.op_defaults.timeout',
      message: '"60 s" is not a valid value',
      hint: 'A value: letters, digits and "_.:/+@%,=-", no spaces or quotes.',
    },
  ],
  'bad-declared.yaml': [
    {
      location: 'bad-declared.yaml:19:11',
      field: 'pacemaker.resources[0].ops[1]',
      message: 'operation monitor with interval 10s is declared twice for web-dummy',
      hint: 'Pacemaker allows one operation per name and interval; give each monitor its own interval',
    },
    {
      location: 'bad-declared.yaml:20:11',
      field: 'pacemaker.resources[1].id',
      message: 'id "vip" is one of hactl\'s own resources',
      hint: 'pick another id; constraints may still name it',
    },
    {
      location: 'bad-declared.yaml:24:19',
      field: 'pacemaker.groups[0].resources[0]',
      message: 'group extras names "web-dumy", which is not a declared resource',
      hint: 'did you mean `web-dummy`?',
    },
    {
      location: 'bad-declared.yaml:26:55',
      field: 'pacemaker.locations[0].node',
      message: 'unknown node "web9"',
      hint: 'known: master, slave, arbitrator',
    },
    {
      location: 'bad-declared.yaml:27:13',
      field: 'pacemaker.locations[1].id',
      message: 'duplicate id "web-dummy" (also pacemaker.resources[0].id)',
      hint: 'every id in the CIB must be unique',
    },
    {
      location: 'bad-declared.yaml:29:47',
      field: 'pacemaker.colocations[0].with',
      message: 'unknown resource "ha-servics"',
      hint: 'did you mean `ha-services`?',
    },
    {
      location: 'bad-declared.yaml:31:22',
      field: 'pacemaker.properties.stonith-enabled',
      message: 'property stonith-enabled cannot be declared: hactl sets it from cluster.stonith.enabled: set that instead',
    },
  ],
  'bad-tab.yaml': [
    {
      location: 'bad-tab.yaml:2:1',
      message: 'YAML syntax error: Tabs are not allowed as indentation',
      hint: 'YAML does not allow tabs for indentation; use spaces',
    },
  ],
  'bad-duplicate-key.yaml': [
    {
      location: 'bad-duplicate-key.yaml:14:5',
      field: 'nodes[1].address',
      message: 'duplicate key `address` (first at 12:5)',
      hint: 'remove one of them; YAML would silently keep only the last',
    },
  ],
  'bad-empty.yaml': [
    {
      location: 'bad-empty.yaml:1:1',
      field: '(top level)',
      message: 'hactl inventory must be a mapping (key: value), got nothing',
      hint: 'an inventory is a mapping with at least cluster: and nodes: (see docs/inventory.md)',
    },
  ],
  'bad-top.yaml': [
    {
      location: 'bad-top.yaml:1:1',
      field: 'cluster',
      message: 'cluster must be a mapping (key: value), got nothing',
      hint: 'Cluster-wide settings.',
    },
    { location: 'bad-top.yaml:2:1', field: 'node', message: 'unknown field `node` in hactl inventory', hint: 'did you mean `nodes`?' },
  ],
  'bad-hostname.yaml': [
    {
      location: 'bad-hostname.yaml:2:9',
      field: 'cluster.name',
      message: '"Lab" is not a valid cluster name',
      hint: 'Cluster name: lowercase letters, digits and "-", starting with a letter, e.g. "lab".',
    },
    {
      location: 'bad-hostname.yaml:11:11',
      field: 'nodes[1].name',
      message: '"slave_1" is not a valid host name',
      hint: 'Node name; must equal `uname -n` on the node (letters, digits, "-", dots between labels).',
    },
    {
      location: 'bad-hostname.yaml:12:14',
      field: 'nodes[1].address',
      message: '"10.77.0.256" is not a valid IPv4 address',
      hint: 'IPv4 address the cluster talks on (ring0 / ucast / DRBD), inside cluster.network.',
    },
  ],
  'bad-node-id.yaml': [
    {
      location: 'bad-node-id.yaml:4:12',
      field: 'cluster.network',
      message: 'network 10.77.0.5/24 has host bits set',
      hint: 'did you mean 10.77.0.0/24?',
    },
    {
      location: 'bad-node-id.yaml:12:5',
      field: 'nodes[1]',
      message: 'duplicate node id 2 (also nodes[0])',
      hint: 'set node_id on every node or on none (the default is the 1-based position in nodes:)',
    },
  ],
  'bad-nested.yaml': [
    {
      location: 'bad-nested.yaml:6:7',
      field: 'cluster.floating_ips[0].adress',
      message: 'unknown field `adress` in floating IP',
      hint: 'did you mean `address`?',
    },
    {
      location: 'bad-nested.yaml:7:7',
      field: 'cluster.floating_ips[1]',
      message: 'floating IP must be a string or a mapping (key: value), got 42',
      hint: 'A virtual IP that moves with the active twin: "10.77.0.100/24" or {address, prefix, interface, name}.',
    },
    {
      location: 'bad-nested.yaml:19:20',
      field: 'lvs[0].real_servers[0]',
      message: 'real server must be a string or a mapping (key: value), got 42',
      hint: 'A real server: "10.77.0.21:80" or {address, port, weight}.',
    },
    {
      location: 'bad-nested.yaml:19:53',
      field: 'lvs[0].real_servers[1].port',
      message: 'port must be >= 1, got 0',
      hint: 'Real server port (default: the virtual port).',
    },
    {
      location: 'bad-nested.yaml:20:20',
      field: 'lvs[0].check.type',
      message: 'check type must be one of http, connect; got "tcp"',
      hint: 'http (default) or connect.',
    },
  ],
  'bad-guests-lvs.yaml': [
    {
      location: 'bad-guests-lvs.yaml:16:52',
      field: 'guests[1].mac',
      message: 'duplicate guest MAC 52:54:00:12:34:56 (also guests[0])',
      hint: 'every guest needs its own MAC',
    },
    {
      location: 'bad-guests-lvs.yaml:17:52',
      field: 'guests[2].mac',
      message: 'guest MAC 01:16:3e:00:00:01 is a multicast address',
      hint: 'the first octet must be even, e.g. 52:54:00:xx:xx:xx',
    },
    {
      location: 'bad-guests-lvs.yaml:20:14',
      field: 'lvs[0].virtual',
      message: 'LVS virtual address 192.168.1.200 is outside cluster.network 10.77.0.0/24',
      hint: 'use an address inside 10.77.0.0/24, or widen cluster.network',
    },
    {
      location: 'bad-guests-lvs.yaml:21:37',
      field: 'lvs[0].real_servers[1]',
      message: 'duplicate real server 10.77.0.21:80 (also real_servers[0])',
      hint: undefined,
    },
  ],
  'bad-structure.yaml': [
    {
      location: 'bad-structure.yaml:9:11',
      field: 'nodes[0].role',
      message: 'unknown alias *master',
      hint: 'define the anchor (&master) before using it, or quote the value if it is not meant as an alias',
    },
    {
      location: 'bad-structure.yaml:13:1',
      message: 'YAML syntax error: Source contains multiple documents',
      hint: 'keep one document per inventory file (remove the extra `---`)',
    },
  ],
  'bad-disks.yaml': [
    {
      location: 'bad-disks.yaml:5:18',
      field: 'cluster.floating_ips[0]',
      message: 'floating IP 10.77.0.0 is the network or broadcast address of 10.77.0.0/24',
      hint: 'use a host address',
    },
    {
      location: 'bad-disks.yaml:5:61',
      field: 'cluster.floating_ips[1].name',
      message: 'duplicate floating IP name "vip" (also cluster.floating_ips[0])',
      hint: 'names default to vip, vip2, vip3, ... by position; pick another name',
    },
    // no follow-up "disk is not /dev/drbd-1" error for g1: the resource itself is reported
    {
      location: 'bad-disks.yaml:10:5',
      field: 'drbd[0]',
      message: 'DRBD resource "r0" has neither device nor minor',
      hint: 'add `device: /dev/drbdN` (N = minor number)',
    },
    {
      location: 'bad-disks.yaml:14:44',
      field: 'guests[1].disk',
      message: 'guest disk /dev/drbd5 is not the device of DRBD resource r1 (/dev/drbd1)',
      hint: 'use disk: /dev/drbd1, or drop disk:',
    },
    {
      location: 'bad-disks.yaml:15:5',
      field: 'guests[2]',
      message: 'guest "g3" has no disk',
      hint: 'add `drbd: <resource>` (its device becomes the disk) or `disk: /dev/drbdN`',
    },
  ],
  // the vars hactl reads itself are checked at load, with their line
  'bad-vars.yaml': [
    {
      location: 'bad-vars.yaml:15:17',
      field: 'vars.history_keep',
      message: 'generations must be >= 1, got 0',
      hint: 'Generations (replaced files, the CIB before) kept per node for hactl history and rollback, 1 to 1000 (default 10).',
    },
    {
      location: 'bad-vars.yaml:17:21',
      field: 'vars.failover.timeout_factor',
      message: 'factor must be <= 10, got 30',
      hint: "Slow (emulated) nodes: every SSH timeout, the watcher's poll and the restore are multiplied by it, 1 to 10 (default 1).",
    },
    {
      location: 'bad-vars.yaml:18:5',
      field: 'vars.failover.move_bak',
      message: 'unknown field `move_bak` in failover-test settings',
      hint: 'did you mean `move_back`?',
    },
  ],
};

describe('broken inventories report file:line:col, field and hint', () => {
  for (const [file, expected] of Object.entries(CASES)) {
    it(file, () => {
      expect(problemsOf(file)).toEqual(expected.map((p) => ({ field: undefined, hint: undefined, ...p })));
    });
  }
});

describe('loadInventory', () => {
  it('names the file as given in every location', async () => {
    const { loadInventory } = await import('../../../src/inventory/index.js');
    const err = await loadInventory('test/fixtures/inventory/bad-typo-key.yaml').catch((e: unknown) => e);
    expect((err as { errors: Array<{ details: { location: string } }> }).errors[0]!.details.location).toBe(
      'test/fixtures/inventory/bad-typo-key.yaml:12:5',
    );
  });
});
