/**
 * Cross-field rules of the extra networks (`cluster.networks`, each node's `addresses`),
 * the cluster links (`cluster.links`) and DRBD's network (`cluster.replication`): every
 * name refers to a declared network, every address lies inside its network and is unique
 * there, every member has an address on every link, and DRBD's ports do not collide with
 * the stack's own port on a network both use.
 */
import { addressOn, PUBLIC_NETWORK, type Role, type Stack } from './model.js';
import { type Cidr, formatIpv4, inNetwork, isReservedInNetwork, parseCidr } from './net.js';
import type { Ctx } from './semantic.js';
import { suggest } from './suggest.js';

/**
 * Per stack: the UDP port its membership uses on every link (corosync knet: mcastport;
 * heartbeat: udpport), and which nodes talk on the links (heartbeat: the twins' ucast; the
 * arbitrator is only a ping node on public).
 */
const STACK_LINKS: { readonly [S in Stack]: { port: number; what: string; on(role: Role): boolean } } = {
  pacemaker: { port: 5405, what: "corosync's knet port", on: (role) => role !== 'realserver' },
  heartbeat: { port: 694, what: "heartbeat's udpport", on: (role) => role === 'master' || role === 'slave' },
};

const overlaps = (a: Cidr, b: Cidr): boolean => a.base < b.base + b.size && b.base < a.base + a.size;

/** Checks networks, addresses, links and replication. */
export function checkLinks(ctx: Ctx, publicNet: Cidr | undefined): void {
  const { m, err } = ctx;
  const nets = new Map<string, Cidr>();
  if (publicNet) nets.set(PUBLIC_NETWORK, publicNet);
  for (const n of m.networks) {
    const path = ['cluster', 'networks', n.name, 'cidr'];
    const net = parseCidr(n.cidr);
    if (!net) continue;
    if (net.address !== formatIpv4(net.base)) {
      err(path, `network ${n.cidr} has host bits set`, `did you mean ${formatIpv4(net.base)}/${net.prefix}?`);
    }
    const clash = [...nets].find(([, other]) => overlaps(net, other));
    if (clash) {
      const where = clash[0] === PUBLIC_NETWORK ? 'cluster.network' : `cluster.networks.${clash[0]}`;
      err(path, `network ${n.cidr} overlaps ${where}`, 'each network needs its own address range, or the kernel cannot tell them apart');
    }
    nets.set(n.name, net);
  }
  const known = [...nets.keys()];
  const unknown = (name: string): string => {
    const near = suggest(name, known);
    return near ? `did you mean \`${near}\`?` : `declare it under cluster.networks (known: ${known.join(', ')})`;
  };
  checkNodeAddresses(ctx, nets, unknown);
  checkLinkList(ctx, nets, unknown);
  checkReplication(ctx, nets, unknown);
}

function checkNodeAddresses(ctx: Ctx, nets: Map<string, Cidr>, unknown: (n: string) => string): void {
  const { m, err } = ctx;
  const seen = new Map<string, string>();
  m.nodes.forEach((node, i) => {
    for (const [name, address] of Object.entries(node.addresses)) {
      const path = ['nodes', i, 'addresses', name];
      const net = nets.get(name);
      if (!net) {
        err(path, `unknown network "${name}"`, unknown(name));
        continue;
      }
      if (!inNetwork(address, net))
        err(path, `address ${address} is outside cluster.networks.${name} ${formatIpv4(net.base)}/${net.prefix}`);
      else if (isReservedInNetwork(address, net))
        err(path, `address ${address} is the network or broadcast address of ${name}`, 'use a host address');
      const key = `${name} ${address}`;
      const other = seen.get(key);
      if (other) err(path, `duplicate address ${address} on ${name} (also ${other})`, 'every node needs its own address');
      else seen.set(key, `nodes[${i}].addresses.${name}`);
    }
  });
}

function checkLinkList(ctx: Ctx, nets: Map<string, Cidr>, unknown: (n: string) => string): void {
  const { m, err } = ctx;
  const members = m.nodes.map((n, i) => ({ n, i })).filter(({ n }) => STACK_LINKS[m.stack].on(n.role));
  const used = new Map<string, number>();
  m.links.forEach((l, k) => {
    const path = ['cluster', 'links', k, 'network'];
    const first = used.get(l.network);
    if (!nets.has(l.network)) err(path, `unknown network "${l.network}"`, unknown(l.network));
    else if (first !== undefined) err(path, `network ${l.network} is already link ${first}`, 'each link needs a network of its own');
    if (!nets.has(l.network) || first !== undefined) return;
    used.set(l.network, k);
    for (const { n, i } of members) {
      if (addressOn(n, l.network) === undefined) {
        err(
          ['nodes', i],
          `node ${n.name} has no address on ${l.network} (cluster.links[${k}])`,
          `add \`addresses: { ${l.network}: ... }\``,
        );
      }
    }
  });
}

function checkReplication(ctx: Ctx, nets: Map<string, Cidr>, unknown: (n: string) => string): void {
  const { m, raw, err } = ctx;
  const path = ['cluster', 'replication'];
  if (!nets.has(m.replication)) {
    err(path, `unknown network "${m.replication}"`, unknown(m.replication));
    return;
  }
  if (!m.drbd.length) return;
  m.nodes.forEach((n, i) => {
    if ((n.role === 'master' || n.role === 'slave') && addressOn(n, m.replication) === undefined) {
      err(
        ['nodes', i],
        `twin ${n.name} has no address on ${m.replication}, which DRBD replicates over`,
        `add \`addresses: { ${m.replication}: ... }\``,
      );
    }
  });
  // DRBD listens on the twins' replication address: the stack's own port there is taken
  if (!m.links.some((l) => l.network === m.replication)) return;
  const { port, what } = STACK_LINKS[m.stack];
  m.drbd.forEach((d, i) => {
    if (d.port !== port) return;
    err(
      raw.drbd?.[i]?.port === undefined ? ['drbd', i] : ['drbd', i, 'port'],
      `DRBD ${d.name}'s port ${port} is ${what} on ${m.replication}`,
      'use another port',
    );
  });
}
