/** `corosync-cfgtool -s` (knet): each link's state towards every other node. */
export interface KnetLink {
  /** the link number (LINK ID) */
  id: number;
  /** this node's address on it */
  address: string;
  /** other nodes' ids → connected or not (the local node left out) */
  peers: Map<number, boolean>;
}

export const KNET_LINKS_COMMAND = 'corosync-cfgtool -s';

/**
 * Pure parser for {@link KNET_LINKS_COMMAND} (corosync 3.1's layout:
 * `LINK ID 0 udp`, `addr = …`, `nodeid: 2: connected`).
 * @example parseKnetLinks('LINK ID 0 udp\n\taddr\t= 10.0.0.1\n\tstatus:\n\t\tnodeid: 2:\tdisconnected\n')[0].peers.get(2) // false
 */
export function parseKnetLinks(out: string): KnetLink[] {
  const links: KnetLink[] = [];
  let cur: KnetLink | undefined;
  for (const line of out.split('\n')) {
    const head = /^LINK ID (\d+)/.exec(line);
    if (head) {
      cur = { id: Number(head[1]), address: '', peers: new Map() };
      links.push(cur);
      continue;
    }
    if (!cur) continue;
    const addr = /^\s*addr\s*=\s*(\S+)/.exec(line);
    if (addr) cur.address = addr[1]!;
    const peer = /^\s*nodeid:?\s+(\d+):\s*(\S+)/.exec(line);
    if (peer && peer[2] !== 'localhost') cur.peers.set(Number(peer[1]), peer[2] === 'connected');
  }
  return links;
}

/**
 * The members `link` is down to, by name (`nodes`' ids), keeping those `counted` says count
 * (smoke: not the absent; drift: those that answered).
 * @example downPeers(link, cluster.nodes, () => true) // ['slave']
 */
export function downPeers(
  link: KnetLink,
  nodes: readonly { name: string; nodeId: number }[],
  counted: (name: string) => boolean,
): string[] {
  const name = (id: number) => nodes.find((n) => n.nodeId === id)?.name ?? `node ${id}`;
  return [...link.peers].filter(([id, up]) => !up && counted(name(id))).map(([id]) => name(id));
}
