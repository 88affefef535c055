/**
 * The classic stack (Heartbeat R1): ha.cf, authkeys and haresources on the two twins;
 * the arbitrator is Heartbeat's ping node (ipfail), so a twin that loses the network does
 * not grab the IP; LVS directors run ldirectord under Heartbeat.
 */

import { heartbeatSettled, heartbeatStatus } from '../src/facts/heartbeat-status.js';
import type { ClusterModel, HostContext, PlaybookContext } from '../src/index.js';
import { anyDrbdFencing, drbdResFile } from '../src/stack/drbd.js';
import {
  guestFile,
  XENDOMAINS_SETTINGS,
  xenAutoLinkCommand,
  xenAutoLinked,
  xendomainsDefaultsCommand,
  xendomainsDefaultsSet,
} from '../src/stack/guests.js';
import {
  AUTHKEYS,
  AUTHKEYS_VALIDATE,
  authkeysView,
  DOPD_SETUID,
  dopdOverrideCommand,
  dopdOverrideSet,
  HA_CF,
  HARESOURCES,
  HARESOURCES_VALIDATE,
  haCfMode,
  haCfView,
  haresourcesView,
  LDIRECTORD_CF,
} from '../src/stack/heartbeat.js';
import { IPVS_KERNEL_CHECK, LDIRECTORD_VALIDATE, ldirectordView } from '../src/stack/lvs.js';
import { stackPackages } from '../src/stack/packages.js';
import { HEARTBEAT_KEY } from '../src/stack/secrets.js';
import { HACTL_OCF, heartbeatInstanceFile, heartbeatInstanceView, heartbeatKindResources } from '../src/stack/service-kinds.js';
import { bootstrapDrbd, type DrbdHandler } from './drbd.js';
import { bootstrapGuests } from './guests.js';
import { bootstrapLvm, lvmPlans, lvmRead } from './lvm.js';
import { clusterKey } from './secrets.js';
import { serviceKindFiles } from './service-kinds.js';
import { ensureWatchdog } from './watchdog.js';

export async function bootstrapHeartbeat(ctx: PlaybookContext<HeartbeatHandler>): Promise<void> {
  const { cluster, hosts } = ctx;
  const twins = hosts.role('master', 'slave');

  // every file and service this playbook manages, read in one round trip with the packages,
  // and the disks and LVM's view (lvm:), judged before the first change on any twin
  const lvm = lvmRead(cluster);
  const lvmOut = new Map<string, string | undefined>();
  await twins.all(async (h) => {
    const packages = stackPackages(cluster, h.node);
    const files = heartbeatFiles(cluster);
    const { reads } = await h.gatherReads({ packages, files, services: heartbeatServices(cluster), reads: lvm ? [lvm] : [] });
    if (lvm) lvmOut.set(h.name, reads.get(lvm));
  });
  const lvmPlan = lvmPlans(cluster, lvmOut);
  await twins.all(async (h) => void (await h.apt(stackPackages(cluster, h.node), { noStart: true })), 'packages');
  // without a local key, the nodes' authkeys (read with the facts above) decide: never a silent new key
  const key = await clusterKey(ctx, twins, HEARTBEAT_KEY);

  // DRBD as for Pacemaker (metadata, initial sync, both Secondary); drbddisk promotes.
  // drbd.service brings the resources up at boot, before heartbeat starts.
  // LVM (lvm:) first: its logical volumes may be DRBD's or the guests' disks
  const newVolumes = await bootstrapLvm(twins, lvmPlan);
  const drbd = await bootstrapDrbd(ctx, twins, newVolumes);
  if (drbd) await twins.all(async (h) => void (await h.service('drbd', { enabled: true })), 'drbd at boot');
  // DRBD fencing through dopd: it outdates its own disk as hacluster, with DRBD's tools setuid
  if (drbd && anyDrbdFencing(cluster))
    await twins.all(async (h) => {
      for (const path of DOPD_SETUID)
        await h.command(dopdOverrideCommand(path), {
          unless: dopdOverrideSet(path),
          name: `dopd may outdate DRBD: ${path} setuid root, group haclient (dpkg-statoverride)`,
        });
    }, 'dopd');
  await bootstrapGuests(ctx, twins);
  // Xen guests start with xendomains (haresources): each config linked into /etc/xen/auto,
  // save/restore off (a stop shuts them down), and xendomains kept out of the boot
  const xen = cluster.guests.filter((g) => g.type === 'xen');
  if (xen.length)
    await twins.all(async (h) => {
      for (const g of xen)
        await h.command(xenAutoLinkCommand(g), { unless: xenAutoLinked(g), name: `xendomains starts ${g.name} (/etc/xen/auto)` });
      await h.command(xendomainsDefaultsCommand(), {
        unless: xendomainsDefaultsSet(),
        name: `/etc/default/xendomains: ${XENDOMAINS_SETTINGS.join(' ')}`,
      });
      await h.service('xendomains', { enabled: false });
    }, 'xen guests');
  const kvm = cluster.guests.filter((g) => g.type === 'kvm').map((g) => g.name);
  if (kvm.length)
    ctx.warn(
      `Heartbeat starts Xen guests (xendomains) only: KVM guest(s) ${kvm.join(', ')} are defined and validated on the twins, ` +
        'not started by the cluster (the Pacemaker stack runs them with VirtualDomain)',
    );

  // ha.cf `watchdog` (cluster.stonith.watchdog): the device first (softdog where none is;
  // refused on a node that shares its kernel), before heartbeat arms it
  const watchdog = cluster.stonith.watchdog;
  if (watchdog)
    await twins.all(async (h) => ensureWatchdog(h, { device: watchdog, softdog: 'auto', field: 'cluster.stonith.watchdog' }), 'watchdog');

  await twins.all(async (h) => {
    // Debian 12 ships it in /usr/libexec/heartbeat, older releases in /usr/lib/heartbeat
    const ipfail = (await h.exec('dpkg -L heartbeat 2>/dev/null | grep -m1 "/ipfail$"')).stdout.trim() || '/usr/libexec/heartbeat/ipfail';
    const ipvs = cluster.lvs.length > 0 && (await h.exec(IPVS_KERNEL_CHECK)).code === 0;
    if (cluster.lvs.length && !ipvs)
      h.warn(`no IPVS in ${h.name}'s kernel: ldirectord.cf is rendered and validated, but ldirectord is left out of haresources`);
    // with a stonith_host line, ha.cf holds the fence credentials: private, like its backups
    await h.template('heartbeat/ha.cf.hbs', HA_CF, {
      vars: haCfView(cluster, h.name, ipfail),
      mode: haCfMode(cluster),
      notify: 'restart heartbeat',
    });
    await h.template('heartbeat/authkeys.hbs', AUTHKEYS, {
      vars: authkeysView(key),
      mode: '0600',
      secret: true,
      validate: AUTHKEYS_VALIDATE,
      notify: 'restart heartbeat',
    });
    // services of a kind run their OCF agents through hactl's resource script: one instance file each
    const kinds = cluster.services.flatMap((s) => heartbeatKindResources(cluster, s));
    if (kinds.length) await h.template('heartbeat/hactl-ocf.hbs', HACTL_OCF, { vars: { cluster_name: cluster.name }, mode: '0755' });
    for (const r of kinds)
      await h.template('heartbeat/ocf-instance.hbs', heartbeatInstanceFile(r), { vars: heartbeatInstanceView(cluster, r) });
    await serviceKindFiles(h, cluster);
    await h.template('heartbeat/haresources.hbs', HARESOURCES, {
      vars: haresourcesView(cluster, drbd, ipvs),
      validate: HARESOURCES_VALIDATE,
      notify: 'restart heartbeat',
    });
    if (cluster.lvs.length)
      await h.template('ldirectord/ldirectord.cf.hbs', LDIRECTORD_CF, { vars: ldirectordView(cluster), validate: LDIRECTORD_VALIDATE });
    // Heartbeat starts the services; init must not start them on its own
    for (const s of cluster.services) await h.service(s.name, { enabled: false });
    if (cluster.lvs.length) await h.service('ldirectord', { enabled: false });
  }, 'heartbeat configuration');

  await twins.all(async (h) => {
    await h.service('heartbeat', { state: 'started', enabled: true });
  }, 'start heartbeat');
  // both twins must see each other and one of them hold the address before smoke checks
  // (a service kind's agent starts slowly: mariadb's first start makes its system tables)
  const limit = cluster.timing.initdead + cluster.timing.deadtime + 60 + 90 * cluster.services.filter((s) => s.kind).length;
  // auto_failback on: settled means on the master, which takes them back from a slave that was up first
  const failback = cluster.vars.auto_failback !== false;
  await twins.all(async (h) => {
    const isMaster = h.name === cluster.master.name;
    const peer = isMaster ? cluster.slave.name : cluster.master.name;
    const home = failback ? (isMaster ? 'holder' : 'idle') : undefined;
    if (!h.check) h.info(`waiting for heartbeat to see ${peer} and settle the resources (up to ${limit} s)`);
    await h.waitFor(heartbeatStatus([peer]), heartbeatSettled(peer, home), { timeoutS: limit, what: `heartbeat to see ${peer}` });
  }, 'heartbeat membership');
  if (!cluster.stonith.enabled)
    ctx.warn('Heartbeat R1 runs WITHOUT FENCING: the ping node (arbitrator) and ipfail limit, but do not prevent, a split brain.');
}

/** The files this playbook manages on a twin, for the up-front gather. */
function heartbeatFiles(c: ClusterModel): string[] {
  const files = [HA_CF, AUTHKEYS, HARESOURCES, ...c.guests.map(guestFile)];
  if (c.drbd.length) files.push('/etc/drbd.d/global_common.conf', ...c.drbd.map(drbdResFile));
  if (c.lvs.length) files.push(LDIRECTORD_CF);
  return files;
}

/** The services this playbook manages on a twin. */
function heartbeatServices(c: ClusterModel): string[] {
  const xen = c.guests.some((g) => g.type === 'xen') ? ['xendomains'] : [];
  return [
    ...c.services.map((s) => s.name),
    ...(c.lvs.length ? ['ldirectord'] : []),
    ...(c.drbd.length ? ['drbd'] : []),
    ...xen,
    'heartbeat',
  ];
}

/** What this stack's tasks may notify: its handlers and the DRBD phase's. */
export type HeartbeatHandler = keyof typeof heartbeatHandlers | DrbdHandler;

/** Handlers the bootstrap playbook registers for this stack. */
export const heartbeatHandlers = {
  'restart heartbeat': async (h: HostContext) =>
    void (await h.sh(
      'if [ -e /var/run/heartbeat.pid ] || pgrep -x heartbeat >/dev/null; then service heartbeat restart </dev/null >/dev/null 2>&1; fi',
      { what: 'restart heartbeat' },
    )),
};
