/**
 * DRBD on the twins, the same for both stacks: global_common.conf and one file per
 * resource (each checked by drbd-utils' parser), then, where the kernel has DRBD:
 * metadata, the resource up, and on a fresh resource the initial full sync from the
 * master (with mkfs when it carries a filesystem), progress shown. Both twins end
 * Secondary: the cluster stack promotes (Pacemaker's drbd agent, Heartbeat's drbddisk).
 */
import { quote } from '../src/core/shell.js';
import type { HostContext, HostGroup, PlaybookContext } from '../src/index.js';
import { DRBD_KERNEL_CHECK, DRBD_MODPROBE, DRBD_VALIDATE, drbdResFile, drbdView } from '../src/stack/drbd.js';

/**
 * Configures DRBD on `twins` and activates it where the kernel has the module (the
 * namespace lab has none: a notice names the node). Returns whether DRBD is active on
 * both twins, i.e. whether resources that need it may be put in the cluster.
 */
export async function bootstrapDrbd(ctx: PlaybookContext, twins: HostGroup): Promise<boolean> {
  const { cluster } = ctx;
  if (!cluster.drbd.length) return false;
  const kernelOf = new Map<string, boolean>();
  await twins.all(async (h) => {
    await h.template('drbd/global_common.conf.hbs', '/etc/drbd.d/global_common.conf', { vars: { cluster_name: cluster.name } });
    for (const r of cluster.drbd) {
      await h.template('drbd/resource.res.hbs', drbdResFile(r), { vars: drbdView(cluster, r), validate: DRBD_VALIDATE, notify: 'adjust drbd' });
    }
    const kernel = (await h.exec(DRBD_KERNEL_CHECK)).code === 0;
    kernelOf.set(h.name, kernel);
    if (!kernel) {
      h.warn(`no DRBD kernel module on ${h.name}: DRBD is configured and validated but not activated; resources that need it are left out of the cluster`);
      return;
    }
    await h.command(DRBD_MODPROBE, { unless: '[ -e /proc/drbd ]', name: 'load the DRBD kernel module' });
    for (const r of cluster.drbd) {
      const md = quote(`/var/lib/hactl/drbd-${r.name}.md`);
      await h.command(`drbdadm create-md --force ${quote(r.name)} && mkdir -p /var/lib/hactl && touch ${md}`, {
        creates: `/var/lib/hactl/drbd-${r.name}.md`, name: `create DRBD metadata for ${r.name}`,
      });
      await h.command(`drbdadm adjust ${quote(r.name)}`, { unless: drbdIsUp(r.name, r.minor), name: `bring DRBD ${r.name} up` });
    }
  }, 'drbd');
  await twins.role('master').once(async (h) => {
    if (!kernelOf.get(h.name)) return;
    for (const r of cluster.drbd) await initialSync(h, r.name, r.minor, r.device, r.filesystem?.type);
  }, 'drbd initial sync');
  return twins.hosts.every((h) => kernelOf.get(h.name));
}

/** First activation of a DRBD resource on the master: overwrite the peer, then mkfs, and
 *  follow the initial full sync until both sides are UpToDate (progress from /proc/drbd). */
async function initialSync(h: HostContext, name: string, minor: number, device: string, fstype?: string): Promise<void> {
  const marker = quote(`/var/lib/hactl/drbd-${name}.initialised`);
  const res = quote(name);
  // every inventory value is one quoted word; resource names cannot start with "-" (schema),
  // and mkfs gets `--` before the device
  const mkfs = fstype ? ` && ${quote(`mkfs.${fstype}`)} -q -- ${quote(device)}` : '';
  const t0 = Date.now(); // the sync starts with `primary --force` (mkfs runs while it goes on)
  const r = await h.command(`drbdadm primary --force ${res}${mkfs} && drbdadm secondary ${res} && touch ${marker}`, {
    creates: marker,
    name: `DRBD ${name}: initial sync${fstype ? ' and mkfs.' + fstype : ''}`,
  });
  if (!r.changed || h.check) return;
  for (;;) {
    const line = (await h.sh(`sed -n '/^ *${Number(minor)}: cs:/,/^ *[0-9]*: cs:/p' /proc/drbd`)).trim();
    if (/ds:UpToDate\/UpToDate/.test(line)) break;
    if (Date.now() - t0 > 30 * 60_000) throw new Error(`DRBD ${name}: initial sync did not finish in 30 minutes:\n${line}`);
    const pct = /sync'ed:\s*([\d.]+)%/.exec(line)?.[1];
    h.info(`DRBD ${name} initial sync: ${pct ? pct + '%' : (/cs:(\S+)/.exec(line)?.[1] ?? 'waiting for the peer')}`);
    await new Promise((res) => setTimeout(res, 2000));
  }
  h.info(`DRBD ${name}: both sides UpToDate ${((Date.now() - t0) / 1000).toFixed(1)}s after the initial sync started`);
}

/** Guard: the resource is configured in the kernel (DRBD 9 `status`, or 8.4's /proc/drbd). */
const drbdIsUp = (name: string, minor: number): string =>
  `drbdadm status ${quote(name)} >/dev/null 2>&1 || grep -q '^ *${Number(minor)}: cs:' /proc/drbd`;
