import { quote } from '../core/shell.js';
import type { ClusterModel, GuestModel } from '../inventory/model.js';

/** Where a guest's definition lives on the twins (VirtualDomain / Xen agents read it). */
export const guestFile = (g: GuestModel): string => (g.type === 'kvm' ? `/etc/hactl/guests/${g.name}.xml` : `/etc/xen/${g.name}.cfg`);

/**
 * KVM: libvirt's schema check, then libvirt's own domain parser: `virsh define` on the
 * test driver (in-process, in libvirt-clients; no libvirtd, nothing defined for real)
 * catches what the schema lets through (a memory size of 0, a multicast MAC). Xen: `xl` is
 * only on Xen hosts, so the fields are checked by the inventory, and the file by a
 * syntax probe of its keys.
 */
export function guestValidate(g: GuestModel): string {
  // virt-xml-validate needs xmllint (libxml2-utils), which libvirt-clients only recommends
  if (g.type === 'kvm') return 'virt-xml-validate %s domain && virsh -q -c test:///default define %s >/dev/null';
  const name = g.name.replace(/[.]/g, '\\.'); // a regular expression: `.` must match only itself
  return `grep -Eq -- ${quote(`^name *= *"${name}"`)} %s && grep -Eq -- '^disk *= *\\[ *"phy:/dev/' %s`;
}

export function guestPackages(c: ClusterModel): string[] {
  const custom = c.vars.hypervisor_packages as string[] | undefined;
  if (custom) return custom;
  const pkgs = new Set<string>();
  for (const g of c.guests) {
    if (g.type === 'kvm') ['libvirt-clients', 'libxml2-utils', 'libvirt-daemon-system', 'qemu-system-x86'].forEach((p) => pkgs.add(p));
    else pkgs.add('xen-utils');
  }
  return [...pkgs];
}

export function guestView(c: ClusterModel, g: GuestModel): Record<string, unknown> {
  return { cluster_name: c.name, name: g.name, memory: g.memoryMiB, vcpus: g.vcpus, disk: g.disk, bridge: g.bridge, mac: g.mac };
}
