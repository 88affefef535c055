import { addressOn, type ClusterModel, type NodeModel } from '../inventory/model.js';
import { renderedOptions } from '../inventory/stack-options.js';

/**
 * Nodes that are corosync/pacemaker members (votes): everyone but LVS real servers, and
 * but a QNetd arbitrator (`cluster.arbitrator.mode: qdevice`), which runs corosync-qnetd only.
 */
export function members(c: ClusterModel): NodeModel[] {
  return c.nodes.filter((n) => n.role !== 'realserver' && !(c.qdevice && n.role === 'arbitrator'));
}

/** the daemons of `cluster.arbitrator.mode: qdevice`: on the arbitrator, on the twins */
export const QNETD_SERVICE = 'corosync-qnetd';
export const QDEVICE_SERVICE = 'corosync-qdevice';

/** The quorum device's votes: ffsplit 1, lms one fewer than the members (corosync-qdevice(8)); 0 without one. */
export function qdeviceVotes(c: ClusterModel): number {
  if (!c.qdevice) return 0;
  return c.qdevice.algorithm === 'ffsplit' ? 1 : Math.max(1, members(c).length - 1);
}

/** QNetd's TCP port (corosync-qnetd -p, corosync-qdevice's quorum.device.net.port default) */
export const QNETD_PORT = 5403;

/**
 * corosync.conf's `quorum.device` for a QNetd arbitrator (corosync-qdevice(8)): model net
 * with TLS, the arbitrator's address (public) as host. ffsplit gives one vote; lms leaves
 * `votes` out, so corosync-qdevice computes it (members − 1).
 */
export function quorumDevice(c: ClusterModel): Record<string, unknown> | undefined {
  const arb = c.nodes.find((n) => n.role === 'arbitrator');
  if (!c.qdevice || !arb) return undefined;
  return {
    ...(c.qdevice.algorithm === 'ffsplit' ? { votes: 1 } : {}),
    model: 'net',
    net: { tls: 'on', host: arb.address, algorithm: c.qdevice.algorithm },
  };
}

/** The data corosync.conf.hbs renders. */
export function corosyncView(c: ClusterModel): Record<string, unknown> {
  const list = members(c);
  const extra = (c.vars.corosync ?? {}) as { totem?: Record<string, unknown>; quorum?: Record<string, unknown> };
  const quorum: Record<string, unknown> = { ...(extra.quorum ?? {}) };
  const device = quorumDevice(c);
  // two voting nodes and no arbitrator: votequorum's two_node mode (implies wait_for_all);
  // never with a quorum device, which gives the third vote (votequorum(5))
  if (list.length === 2 && !device) quorum.two_node ??= 1;
  return {
    cluster_name: c.name,
    // inventory passthrough (vars.corosync.totem) overrides hactl's defaults, key by key;
    // corosync's own parser (-t) then judges the result
    totem: {
      version: 2,
      cluster_name: c.name,
      transport: 'knet',
      crypto_cipher: 'aes256',
      crypto_hash: 'sha256',
      // the typed options (cluster.timing) that go into totem: token, consensus, …
      ...renderedOptions(c.timing, 'corosync.totem'),
      ...(c.linkMode ? { link_mode: c.linkMode } : {}),
      ...(extra.totem ?? {}),
    },
    // one knet link per cluster.links entry, link 0 first; a priority only where declared
    interfaces: c.links.flatMap((l, i) => (l.priority === undefined ? [] : [{ linknumber: i, priority: l.priority }])),
    quorum_extra: quorum,
    ...(device ? { device } : {}),
    nodes: list.map((n) => ({ name: n.name, nodeid: n.nodeId, addrs: c.links.map((l) => addressOn(n, l.network) ?? n.address) })),
  };
}

export const COROSYNC_CONF = '/etc/corosync/corosync.conf';
export const COROSYNC_AUTHKEY = '/etc/corosync/authkey';
/** corosync's own parser; `-c` must come before `-t` */
export const COROSYNC_VALIDATE = 'corosync -c %s -t';
