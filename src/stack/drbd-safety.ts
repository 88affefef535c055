/**
 * Every destructive DRBD step is decided here, from what DRBD and the disk say (see
 * src/facts/drbd-disk.ts), never from a marker file: losing the replicated data is the one
 * failure that cannot be undone.
 *
 * - `create-md` only on a backing disk with no DRBD metadata and no other signature; a disk
 *   that holds a filesystem (or LVM, RAID, a partition table) is refused unless the inventory
 *   says `initialize: wipe` for that resource.
 * - The initial sync (`primary --force`, then mkfs) only when both twins are connected and
 *   both have just-created metadata (current UUID 0000000000000004: no data generation).
 *   Any other combination is refused with what each side has, or needs nothing (a twin is
 *   UpToDate: DRBD syncs the other from it by itself).
 */
import { type DrbdDiskFact, type DrbdResourceFact, JUST_CREATED } from '../facts/drbd-disk.js';
import type { DrbdState } from '../facts/drbd-status.js';

export type MetadataDecision =
  | { action: 'keep'; say: string }
  | { action: 'create'; say: string; destructive: boolean }
  | { action: 'refuse'; say: string; hint: string };

/**
 * @example
 *   metadataDecision('slave', { resource: 'r0', disk: '/dev/vdb', signatures: ['ext4'] })
 *   // { action: 'refuse', say: 'slave: /dev/vdb (DRBD r0) holds ext4 and no DRBD metadata: …', hint: … }
 */
export function metadataDecision(node: string, f: DrbdDiskFact, initialize?: 'wipe'): MetadataDecision {
  const unreadable = f.signatures.find((t) => t.startsWith('unreadable'));
  if (unreadable) {
    return {
      action: 'refuse',
      say: `${node}: cannot tell what ${f.disk} (DRBD ${f.resource}) holds: ${unreadable}`,
      hint: 'check that the disk exists on that node and is the one the inventory names',
    };
  }
  if (f.metadata) {
    const also = f.signatures.length ? ` (with ${f.signatures.join(', ')} on it)` : '';
    return { action: 'keep', say: `${node}: ${f.disk} has DRBD metadata for ${f.resource}${also}: kept, no create-md` };
  }
  if (!f.signatures.length)
    return { action: 'create', say: `${node}: ${f.disk} is blank: creating DRBD metadata for ${f.resource}`, destructive: false };
  const what = f.signatures.join(', ');
  if (initialize === 'wipe') {
    return {
      action: 'create',
      say: `${node}: ${f.disk} holds ${what}; drbd ${f.resource} says initialize: wipe: creating DRBD metadata over it`,
      destructive: true,
    };
  }
  return {
    action: 'refuse',
    say: `${node}: ${f.disk} (DRBD ${f.resource}) holds ${what} and no DRBD metadata: refusing to create metadata over it`,
    hint:
      `if that data may go, set \`initialize: wipe\` on drbd ${f.resource} in the inventory; if it is the data to replicate, ` +
      'copy it onto the DRBD device once the resource exists on a blank disk',
  };
}

export type SyncDecision =
  | { action: 'initial-sync'; say: string }
  | { action: 'none'; say: string }
  | { action: 'refuse'; say: string; hint: string };

const describe = (node: string, f: DrbdResourceFact): string => {
  const st = f.state;
  const disk = st?.disks[0] ?? 'not attached';
  const conn = st?.peers[0]?.connection ?? 'down';
  const gi = f.gi ? (f.gi.current === JUST_CREATED ? 'just-created metadata' : `current UUID ${f.gi.current}`) : 'no metadata';
  return `${node}: ${st?.role ?? 'down'}, disk ${disk}, ${conn}, ${gi}`;
};

/**
 * Whether the master may overwrite its peer: only a brand-new pair (both connected, both
 * Inconsistent with just-created metadata). A resource where either twin is UpToDate
 * needs no initial sync: DRBD brings the other side up to date from it.
 */
export function syncDecision(
  resource: string,
  master: { node: string; fact: DrbdResourceFact },
  slave: { node: string; fact: DrbdResourceFact },
): SyncDecision {
  const both = [master, slave];
  const upToDate = both.filter((s) => s.fact.state?.disks[0] === 'UpToDate');
  const summary = both.map((s) => describe(s.node, s.fact)).join('; ');
  if (upToDate.length) {
    return { action: 'none', say: `DRBD ${resource}: ${upToDate.map((s) => s.node).join(' and ')} UpToDate, no initial sync (${summary})` };
  }
  const fresh = both.every((s) => s.fact.gi?.current === JUST_CREATED && s.fact.state?.disks[0] === 'Inconsistent');
  const connected = master.fact.state?.peers[0]?.connection === 'Connected' && master.fact.state.peers[0].peerDisk === 'Inconsistent';
  if (fresh && connected)
    return {
      action: 'initial-sync',
      say: `DRBD ${resource}: both twins have just-created metadata and are connected: initial sync from ${master.node}`,
    };
  return {
    action: 'refuse',
    say: `DRBD ${resource}: refusing the initial sync (it overwrites ${slave.node}) — ${summary}`,
    hint: fresh
      ? 'the twins are not connected: check the replication link and port, ' +
        `then run bootstrap again (\`drbdadm status ${resource}\` on both)`
      : `neither twin is UpToDate and they do not both have fresh metadata: find the twin with the good data and make it primary by hand ` +
        `(\`drbdadm primary --force ${resource}\` there, only after checking its data), then run bootstrap again`,
  };
}

/**
 * What an operator runs to end a split brain DRBD did not resolve by itself: on the twin
 * whose writes since the split are to be thrown away, then on the other. hactl never picks
 * the victim: both sides may hold writes someone needs.
 *
 * @example
 *   splitBrainHint('r0') // 'pick the twin whose changes since the split may go; there: drbdadm disconnect r0; …'
 */
export function splitBrainHint(resource: string): string {
  return (
    `DRBD stopped replicating ${resource} and waits for a human: pick the twin whose writes since the split may be thrown away, ` +
    `and on it run \`drbdadm disconnect ${resource}; drbdadm secondary ${resource}; drbdadm connect --discard-my-data ${resource}\`, ` +
    `then on the other twin \`drbdadm connect ${resource}\` (it resyncs the first from itself)`
  );
}

export type ReplaceDecision = { action: 'allow'; say: string } | { action: 'refuse'; say: string; hint: string };

/**
 * Whether twin `old` may be replaced (its disk started afresh and fully synced from the
 * survivor): only when the survivor is Primary with UpToDate data for every resource — the
 * replacement then syncs from it while it keeps serving. The current Primary is never
 * replaced in place: the cluster would lose the only copy that is being written.
 *
 * @param survivor the other twin's name and its state of every resource (from its own `drbdadm status`)
 * @example
 *   const peers = [{ name: 'peer', connection: 'Connected', role: 'Primary' }];
 *   replaceDecision('master', { node: 'slave', states: [{ name: 'r0', role: 'Secondary', disks: ['UpToDate'], peers }] },
 *     ['r0'], 'crm_resource --move …')
 *   // { action: 'refuse', say: 'master is Primary of DRBD r0 (…)', hint: 'switch over first: …' }
 */
export function replaceDecision(
  old: string,
  survivor: { node: string; states: DrbdState[] },
  resources: readonly string[],
  switchover: string,
): ReplaceDecision {
  for (const name of resources) {
    const st = survivor.states.find((s) => s.name === name);
    const peer = st?.peers[0];
    if (peer?.role === 'Primary') {
      return {
        action: 'refuse',
        say: `${old} is Primary of DRBD ${name} (it serves the data ${survivor.node} replicates): it is not replaced in place`,
        hint: `switch over first, so that ${survivor.node} serves: ${switchover}; then run add-node --replace ${old} again`,
      };
    }
    if (st?.role !== 'Primary' || st.disks[0] !== 'UpToDate') {
      const what = st ? `${st.role}, disk ${st.disks[0] ?? 'none'}, peer ${peer?.connection ?? 'none'}` : 'not up';
      return {
        action: 'refuse',
        say:
          `DRBD ${name} on ${survivor.node} is ${what}: the replacement of ${old} must sync from a Primary with UpToDate data, ` +
          `and ${survivor.node} is not one`,
        hint: `make ${survivor.node} serve first (${switchover}), or repair DRBD there (\`drbdadm status ${name}\`)`,
      };
    }
  }
  return {
    action: 'allow',
    say: `${survivor.node} is Primary with UpToDate data for ${resources.join(', ')}: ${old}'s replacement syncs from it`,
  };
}

/** `SyncSource 42.5%`, `peer WFConnection`, … as a progress phrase. */
export function resyncState(st: DrbdState | undefined): string {
  if (!st) return 'not up';
  const p = st.peers[0];
  if (!p) return 'no peer';
  if (p.connection !== 'Connected') return `waiting for the peer (${p.connection})`;
  if (p.replication && /^(Sync|PausedSync)/.test(p.replication)) return `${p.replication}${p.done !== undefined ? ` ${p.done}%` : ''}`;
  return `${st.disks[0] ?? '?'}/${p.peerDisk ?? '?'}`;
}
