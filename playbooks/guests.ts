/**
 * Guests on the twins, the same for both stacks: each definition rendered and checked by
 * the hypervisor's own tools (KVM: libvirt's schema and domain parser; Xen: its keys)
 * before it replaces the old one. The cluster stack starts them (Pacemaker:
 * VirtualDomain / Xen resources; Heartbeat: xendomains).
 */
import type { HostGroup, PlaybookContext } from '../src/index.js';
import { guestFile, guestValidate, guestView } from '../src/stack/guests.js';

export async function bootstrapGuests({ cluster }: PlaybookContext, twins: HostGroup): Promise<void> {
  if (!cluster.guests.length) return;
  await twins.all(async (h) => {
    for (const g of cluster.guests) {
      await h.template(`${g.type}/${g.type === 'kvm' ? 'domain.xml' : 'domu.cfg'}.hbs`, guestFile(g), {
        vars: guestView(cluster, g),
        validate: guestValidate(g),
      });
    }
  }, 'guests');
}
