/**
 * The LVS real servers (nodes with role `realserver`), for the services that route to them
 * directly (`forwarding: gate`): the virtual addresses on `lo` and the ARP settings that keep
 * them from answering for them (src/stack/realservers.ts), written to survive a reboot and
 * applied now. Their own service (the web server ldirectord checks) is theirs.
 */
import type { PlaybookContext } from '../src/index.js';
import {
  ARP_SETTINGS_APPLY,
  ARP_SETTINGS_CHECK,
  REALSERVER_INTERFACES,
  REALSERVER_SYSCTL,
  realServerInterfaces,
  realServerSysctl,
  realServerVips,
  unmanagedForwarding,
  vipOnLoAdd,
  vipOnLoCheck,
} from '../src/stack/realservers.js';

export async function bootstrapRealServers<H extends string>({ cluster, hosts }: PlaybookContext<H>): Promise<void> {
  const servers = hosts.role('realserver');
  if (!cluster.lvs.length || !servers.hosts.length) return;
  await servers.all(async (h) => {
    const other = unmanagedForwarding(cluster, h.node);
    if (other.length) h.warn(`${h.name} is a real server of ${other.join(', ')} (masq/ipip): hactl sets up direct routing only`);
    const vips = realServerVips(cluster, h.node);
    if (!vips.length) return;
    await h.file(REALSERVER_SYSCTL, { content: realServerSysctl(), mode: '0644', owner: 'root' });
    await h.command(ARP_SETTINGS_APPLY, { unless: ARP_SETTINGS_CHECK, name: 'arp_ignore=1, arp_announce=2' });
    await h.file(REALSERVER_INTERFACES, { content: realServerInterfaces(vips), mode: '0644', owner: 'root' });
    for (const [i, vip] of vips.entries()) await h.command(vipOnLoAdd(vip, i), { unless: vipOnLoCheck(vip), name: `${vip}/32 on lo` });
  }, 'lvs real servers');
}
