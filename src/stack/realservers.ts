/**
 * LVS real servers for direct routing (`forwarding: gate`), as the LVS howtos set them up:
 * each virtual address of the services that name the node as a real server on `lo` (a /32,
 * so the node accepts the director's forwarded packets), and `arp_ignore=1` /
 * `arp_announce=2`, so only the active director answers ARP for the virtual address.
 * Nodes with role `realserver` get this from bootstrap (playbooks/realservers.ts); the
 * settings are written to survive a reboot and applied at once.
 */
import { quote } from '../core/shell.js';
import type { ClusterModel, NodeModel } from '../inventory/model.js';

/** Where the ARP settings live (read at boot by systemd-sysctl / procps). */
export const REALSERVER_SYSCTL = '/etc/sysctl.d/90-hactl-lvs-dr.conf';
/** ifupdown's lo aliases (Debian's /etc/network/interfaces sources interfaces.d/*). */
export const REALSERVER_INTERFACES = '/etc/network/interfaces.d/hactl-lvs-dr';

export const ARP_SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ['net.ipv4.conf.all.arp_ignore', '1'],
  ['net.ipv4.conf.all.arp_announce', '2'],
];

/**
 * The virtual addresses `node` must hold on `lo`: those of the direct-routing services that
 * list its address among their real servers, in inventory order, each once.
 * @example realServerVips(cluster, rs1) // ['10.77.0.200']
 */
export function realServerVips(c: Pick<ClusterModel, 'lvs'>, node: Pick<NodeModel, 'address'>): string[] {
  const vips = c.lvs.filter((s) => s.forwarding === 'gate' && s.realServers.some((r) => r.address === node.address)).map((s) => s.address);
  return [...new Set(vips)];
}

/** Services naming `node` as a real server with a forwarding hactl does not set up (masq: the director as gateway; ipip: a tunnel). */
export function unmanagedForwarding(c: Pick<ClusterModel, 'lvs'>, node: Pick<NodeModel, 'address'>): string[] {
  return c.lvs.filter((s) => s.forwarding !== 'gate' && s.realServers.some((r) => r.address === node.address)).map((s) => s.name);
}

export function realServerSysctl(): string {
  return [
    '# hactl: LVS direct routing. This node holds the virtual addresses on lo; only the director',
    '# answers ARP for them (arp_ignore: answer only for addresses of the asking interface;',
    '# arp_announce: never announce lo addresses on the wire).',
    ...ARP_SETTINGS.map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
}

/** The label of the i-th virtual address on lo (`lo:hactl0`, … at most 15 characters). */
const label = (i: number): string => `lo:hactl${i}`;

export function realServerInterfaces(vips: string[]): string {
  return [
    '# hactl: LVS direct routing, the virtual addresses on lo (see /etc/sysctl.d/90-hactl-lvs-dr.conf)',
    ...vips.flatMap((vip, i) => ['', `auto ${label(i)}`, `iface ${label(i)} inet static`, `    address ${vip}/32`]),
    '',
  ].join('\n');
}

/** Exit 0 when the running kernel has the ARP settings already. Read-only. */
export const ARP_SETTINGS_CHECK = ARP_SETTINGS.map(([k, v]) => `[ "$(sysctl -n ${k})" = ${v} ]`).join(' && ');
export const ARP_SETTINGS_APPLY = `sysctl -q -p ${REALSERVER_SYSCTL}`;

/** Exit 0 when `lo` holds `vip` as a /32. Read-only. */
export const vipOnLoCheck = (vip: string): string => `ip -o -4 addr show dev lo | grep -qF ${quote(` ${vip}/32 `)}`;
export const vipOnLoAdd = (vip: string, i: number): string => `ip addr add ${quote(`${vip}/32`)} dev lo label ${label(i)}`;
