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

/**
 * Heartbeat starts Xen guests with `xendomains`, which starts the domains whose configs
 * are in `/etc/xen/auto` (XENDOMAINS_AUTO) and, by default, *saves* them to the local
 * disk on stop and restores them on start: on a failover that would freeze a guest into
 * the old master's disk and resume a stale copy later. The classic howtos link each
 * config into `auto` and turn save and restore off, so a stop shuts the guests down and a
 * start boots them on the survivor from the DRBD disk. `root` is for tests.
 */
export const XENDOMAINS_SETTINGS = ['XENDOMAINS_AUTO=/etc/xen/auto', 'XENDOMAINS_SAVE=', 'XENDOMAINS_RESTORE=false'] as const;

/** The link xendomains starts a guest by. */
export const xenAutoLink = (g: GuestModel, root = ''): string => `${root}/etc/xen/auto/${g.name}.cfg`;

/** Links the guest's config into xendomains' auto directory (replacing whatever was there). */
export function xenAutoLinkCommand(g: GuestModel, root = ''): string {
  return `mkdir -p ${quote(`${root}/etc/xen/auto`)} && ln -sfn ${quote(`${root}${guestFile(g)}`)} ${quote(xenAutoLink(g, root))}`;
}

/** Exits 0 when the link is in place. */
export function xenAutoLinked(g: GuestModel, root = ''): string {
  return `[ "$(readlink ${quote(xenAutoLink(g, root))})" = ${quote(`${root}${guestFile(g)}`)} ]`;
}

/** Sets {@link XENDOMAINS_SETTINGS} in /etc/default/xendomains, line by line; the rest of the file stays. */
export function xendomainsDefaultsCommand(root = ''): string {
  const f = quote(`${root}/etc/default/xendomains`);
  return [
    `mkdir -p ${quote(`${root}/etc/default`)} && touch ${f}`,
    ...XENDOMAINS_SETTINGS.map((kv) => {
      const k = kv.split('=')[0]!;
      return `if grep -q '^${k}=' ${f}; then sed -i 's|^${k}=.*|${kv}|' ${f}; else echo '${kv}' >> ${f}; fi`;
    }),
  ].join(' && ');
}

/** Exits 0 when /etc/default/xendomains has every one of {@link XENDOMAINS_SETTINGS}. */
export function xendomainsDefaultsSet(root = ''): string {
  const f = quote(`${root}/etc/default/xendomains`);
  return XENDOMAINS_SETTINGS.map((kv) => `grep -qx '${kv}' ${f}`).join(' && ');
}
