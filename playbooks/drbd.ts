/**
 * DRBD on the twins, the same for both stacks (after LVM when a backing disk is a logical
 * volume of `lvm:`, playbooks/lvm.ts): global_common.conf and one file per
 * resource (each checked by drbd-utils' parser), then, where the kernel has DRBD:
 * metadata, the resource up, and on a brand-new pair the initial full sync from the
 * master (with mkfs when it carries a filesystem), progress shown. Both twins end
 * Secondary: the cluster stack promotes (Pacemaker's drbd agent, Heartbeat's drbddisk).
 *
 * Every destructive step (create-md, primary --force, mkfs) is decided from what DRBD and
 * the disks say (src/stack/drbd-safety.ts), never from a marker file; a refusal stops the
 * run before any file is written.
 */
import { NodeError } from '../src/core/errors.js';
import { quote } from '../src/core/shell.js';
import { type DrbdResourceFact, drbdDiskCommand, drbdStateCommand, parseDrbdDisk, parseDrbdState } from '../src/facts/drbd-disk.js';
import { DRBD_STATUS_COMMAND, parseDrbdSection } from '../src/facts/drbd-status.js';
import type { DrbdResource, HostContext, HostGroup, PlaybookContext } from '../src/index.js';
import { DRBD_KERNEL_CHECK, DRBD_MODPROBE, DRBD_VALIDATE, drbdResFile, drbdView } from '../src/stack/drbd.js';
import { type MetadataDecision, metadataDecision, resyncState, syncDecision } from '../src/stack/drbd-safety.js';
import { freshDirs, seedDirsCommand } from '../src/stack/service-kinds.js';

/**
 * Configures DRBD on `twins` and activates it where the kernel has the module (the
 * namespace lab has none: a notice names the node). Returns whether DRBD is active on
 * both twins, i.e. whether resources that need it may be put in the cluster.
 */
export async function bootstrapDrbd(
  ctx: PlaybookContext<DrbdHandler>,
  twins: HostGroup<DrbdHandler>,
  /** per twin, the logical volumes the LVM phase created or (in a dry run) would create: blank disks */
  newVolumes: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): Promise<boolean> {
  const { cluster } = ctx;
  if (!cluster.drbd.length) return false;
  const kernelOf = new Map<string, boolean>();
  const decisions = new Map<string, MetadataDecision[]>();
  // 1. read-only: what each backing disk holds; any refusal stops the run before a change
  await twins.all(async (h) => {
    const kernel = (await h.exec(DRBD_KERNEL_CHECK)).code === 0;
    kernelOf.set(h.name, kernel);
    if (!kernel) return;
    const r = await h.exec(drbdDiskCommand(cluster.drbd));
    // a dry run reads no logical volume the LVM phase would create: it will be blank
    const fresh = h.check ? newVolumes.get(h.name) : undefined;
    const facts = parseDrbdDisk(r.stdout, cluster.drbd).map((f) => (fresh?.has(f.disk) ? { ...f, metadata: false, signatures: [] } : f));
    decisions.set(
      h.name,
      cluster.drbd.map((res, i) => metadataDecision(h.name, facts[i]!, res.initialize)),
    );
  }, 'drbd disks');
  const refusals = [...decisions.values()].flat().filter((d) => d.action === 'refuse');
  if (refusals.length) {
    throw new NodeError(refusals.map((d) => d.say).join('\n'), { hint: refusals[0]!.action === 'refuse' ? refusals[0]!.hint : undefined });
  }
  await twins.all(async (h) => {
    // drbd-utils parses the global and common sections alone as well (rc 10 on an error)
    await h.template('drbd/global_common.conf.hbs', '/etc/drbd.d/global_common.conf', {
      vars: { cluster_name: cluster.name },
      validate: DRBD_VALIDATE,
    });
    for (const r of cluster.drbd) {
      await h.template('drbd/resource.res.hbs', drbdResFile(r), {
        vars: drbdView(cluster, r),
        validate: DRBD_VALIDATE,
        notify: 'adjust drbd',
      });
    }
    if (!kernelOf.get(h.name)) {
      h.warn(
        `no DRBD kernel module on ${h.name}: DRBD is configured and validated but not activated; ` +
          'resources that need it are left out of the cluster',
      );
      return;
    }
    await h.command(DRBD_MODPROBE, { unless: '[ -e /proc/drbd ]', name: 'load the DRBD kernel module' });
    const mine = decisions.get(h.name) ?? [];
    for (const [i, r] of cluster.drbd.entries()) {
      const d = mine[i]!;
      if (d.action === 'create') {
        if (d.destructive) h.warn(`DESTRUCTIVE: ${d.say}`);
        else h.info(d.say.slice(`${h.name}: `.length)); // what was found, as for a kept disk
        await h.command(`drbdadm create-md --force ${quote(r.name)}`, {
          name: d.destructive
            ? `create DRBD metadata for ${r.name} over ${r.disk} (initialize: wipe)`
            : `create DRBD metadata for ${r.name}`,
        });
      } else if (d.action === 'keep') {
        h.info(d.say.slice(`${h.name}: `.length)); // the line is prefixed with the host already
      }
      await h.command(`drbdadm adjust ${quote(r.name)}`, { unless: drbdIsUp(r.name, r.minor), name: `bring DRBD ${r.name} up` });
    }
  }, 'drbd');
  if (!twins.hosts.every((h) => kernelOf.get(h.name))) return false;

  // 2. the initial sync, only for a brand-new pair: read both twins' GI and state (after the
  //    twins had a moment to connect), decide on the master
  const master = twins.hosts.find((h) => h.node.role === 'master');
  const slave = twins.hosts.find((h) => h.node.role === 'slave');
  if (!master || !slave) return false;
  const fresh = (h: HostContext<DrbdHandler>, r: DrbdResource): boolean =>
    decisions.get(h.name)?.[cluster.drbd.indexOf(r)]?.action === 'create';
  const states = new Map<string, DrbdResourceFact[]>();
  await twins.all(async (h) => {
    if (h.check) return;
    // the decision needs the pair's handshake: a twin whose own disk is not UpToDate (a fresh
    // pair: Inconsistent; a kept pair both just brought up: Consistent until they meet)
    // waits (bounded) until it is connected to its peer or UpToDate
    // one round trip: the wait, then the state it waited for
    const r = await h.exec(`${drbdHandshakeWait(cluster.drbd.map((x) => x.name))}\n${drbdStateCommand(cluster.drbd)}`);
    states.set(h.name, parseDrbdState(r.stdout, cluster.drbd));
  }, 'drbd state');
  await twins.role('master').once(async (h) => {
    for (const [i, r] of cluster.drbd.entries()) {
      if (h.check) {
        // plan: predict from the metadata decisions (nothing is up in check mode)
        if (fresh(master, r) && fresh(slave, r))
          await h.command('true', { name: `DRBD ${r.name}: initial sync${r.filesystem ? ' and mkfs.' + r.filesystem.type : ''}` });
        continue;
      }
      const d = syncDecision(
        r.name,
        { node: master.name, fact: states.get(master.name)![i]! },
        { node: slave.name, fact: states.get(slave.name)![i]! },
      );
      if (d.action === 'refuse') throw new NodeError(d.say, { host: h.name, hint: d.hint });
      if (d.action === 'none') {
        h.info(d.say);
        continue;
      }
      h.info(d.say);
      await initialSync(h, r.name, r.minor, r.device, r.filesystem?.type, freshDirs(cluster, r));
    }
  }, 'drbd initial sync');
  return twins.hosts.every((h) => kernelOf.get(h.name));
}

/** First activation of a brand-new pair on the master: overwrite the peer, then mkfs (and the
 *  services' directories on it), and follow the initial full sync until both sides are
 *  UpToDate (progress from /proc/drbd). */
async function initialSync(
  h: HostContext<DrbdHandler>,
  name: string,
  minor: number,
  device: string,
  fstype?: string,
  dirs: string[] = [],
): Promise<void> {
  const res = quote(name);
  // every inventory value is one quoted word; mkfs gets `--` before the device
  const mkfs = fstype ? ` && ${quote(`mkfs.${fstype}`)} -q -- ${quote(device)}` : '';
  const seed = fstype && dirs.length ? ` && ${seedDirsCommand(device, fstype, dirs)}` : '';
  const t0 = Date.now(); // the sync starts with `primary --force` (mkfs runs while it goes on)
  await h.command(`drbdadm primary --force ${res}${mkfs}${seed} && drbdadm secondary ${res}`, {
    name: `DRBD ${name}: initial sync${fstype ? ' and mkfs.' + fstype : ''}`,
  });
  for (;;) {
    const st = parseDrbdSection(await h.sh(DRBD_STATUS_COMMAND), new Map([[minor, name]]))?.find((x) => x.name === name);
    const peer = st?.peers[0];
    if (st?.disks[0] === 'UpToDate' && peer?.connection === 'Connected' && peer.peerDisk === 'UpToDate') break;
    if (Date.now() - t0 > 30 * 60_000) throw new Error(`DRBD ${name}: initial sync did not finish in 30 minutes: ${resyncState(st)}`);
    h.info(`DRBD ${name} initial sync: ${peer?.done !== undefined ? `${peer.done}%` : resyncState(st)}`);
    await new Promise((res) => setTimeout(res, 2000));
  }
  h.info(`DRBD ${name}: both sides UpToDate ${((Date.now() - t0) / 1000).toFixed(1)}s after the initial sync started`);
}

/** Guard: the resource is configured in the kernel (DRBD 9 `status`, or 8.4's /proc/drbd). */
const drbdIsUp = (name: string, minor: number): string =>
  `drbdadm status ${quote(name)} >/dev/null 2>&1 || grep -q '^ *${Number(minor)}: cs:' /proc/drbd`;

/** What the DRBD phase's tasks may notify. */
export type DrbdHandler = keyof typeof drbdHandlers;

/** Handlers of the DRBD phase (both stacks). */
export const drbdHandlers = {
  // a changed resource file (e.g. a replaced peer) is applied to a running DRBD in place
  'adjust drbd': async (h: HostContext) =>
    void (await h.sh('if [ -e /proc/drbd ]; then drbdadm adjust all; fi', { what: 'drbdadm adjust all' })),
};

/** DRBD's connection states of a pair that has met (8.4's cstate; 9's is Connected). */
const MET =
  'Connected|SyncSource|SyncTarget|PausedSyncS|PausedSyncT|WFBitMapS|WFBitMapT|WFSyncUUID|StartingSyncS|StartingSyncT|VerifyS|VerifyT';

/** Waits, at most 60 s per resource, until it is connected to its peer or its own disk is UpToDate. */
export function drbdHandshakeWait(resources: readonly string[]): string {
  return (
    `for r in ${resources.map(quote).join(' ')}; do end=$(( $(date +%s) + 60 )); ` +
    `until drbdadm cstate "$r" 2>/dev/null | grep -qxE '${MET}' || drbdadm dstate "$r" 2>/dev/null | grep -q '^UpToDate'; ` +
    'do [ $(date +%s) -ge $end ] && break; sleep 1; done; done'
  );
}
