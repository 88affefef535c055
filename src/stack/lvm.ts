/**
 * `lvm:` on the twins, decided from what LVM and the disks say (src/facts/lvm.ts): a
 * physical volume is made only of a blank disk, a group only of such disks (or of PVs that
 * are already its own), a logical volume only where it is missing. Nothing is ever resized,
 * removed or wiped: a disk that holds anything else is refused before any change, naming the
 * node, the disk and what it holds.
 */
import { quote } from '../core/shell.js';
import type { LvmDiskFact, LvmFact } from '../facts/lvm.js';
import type { VolumeGroup } from '../inventory/model.js';

/** The Debian package of the LVM tools (installed on the twins when `lvm:` is not empty). */
export const LVM_PACKAGE = 'lvm2';
/** LVM's default extent (vgcreate -s): what a size is rounded up to when the group is not there yet. */
const DEFAULT_EXTENT = 4 * 2 ** 20;

/** A change the playbook runs (`HostContext.change`: the task contract's plan, src/tasks/types.ts). */
export interface LvmChange {
  changed: boolean;
  reason: string;
  steps: Array<{ command: string }>;
}

export type PvDecision =
  | { action: 'keep'; say: string }
  | { action: 'create'; say: string }
  | { action: 'adopt'; say: string }
  | { action: 'refuse'; say: string; hint: string };

/** The PV LVM lists for this disk (by the inventory's path or its real device). */
const lvmPv = (disk: LvmDiskFact, fact: LvmFact) => fact.pvs.find((p) => p.pv === disk.real || p.pv === disk.path);

/**
 * What may happen to one disk the inventory makes a physical volume of `vg` on `node`.
 * @example
 *   pvDecision('slave', 'vg0', { path: '/dev/vdc', real: '/dev/vdc', signatures: ['ext4'] }, fact)
 *   // { action: 'refuse', say: 'slave: /dev/vdc (LVM vg0) holds ext4: refusing to make it a physical volume', hint: … }
 */
export function pvDecision(node: string, vg: string, disk: LvmDiskFact, fact: LvmFact): PvDecision {
  const at = `${node}: ${disk.path} (LVM ${vg})`;
  const unreadable = disk.signatures.find((t) => t.startsWith('unreadable'));
  if (unreadable)
    return {
      action: 'refuse',
      say: `${node}: cannot tell what ${disk.path} (LVM ${vg}) holds: ${unreadable}`,
      hint: 'check that the disk exists on that node and is the one the inventory names',
    };
  const pv = lvmPv(disk, fact);
  if (pv?.vg === vg) return { action: 'keep', say: `${at} is a physical volume of ${vg}: kept` };
  if (pv && pv.vg === '')
    return { action: 'adopt', say: `${at} is a physical volume in no volume group (an interrupted run?): it joins ${vg}` };
  if (pv)
    return {
      action: 'refuse',
      say: `${at} is a physical volume of volume group ${pv.vg}: refusing to make it one of ${vg}`,
      hint: `name another disk for ${vg}, or, if volume group ${pv.vg} may go, remove it by hand on ${node} (vgremove, pvremove)`,
    };
  if (!disk.signatures.length) return { action: 'create', say: `${at} is blank: made a physical volume` };
  const what = disk.signatures.join(', ');
  const noTools = disk.signatures.includes('LVM2_member') && !fact.tools;
  return {
    action: 'refuse',
    say: `${at} holds ${what}: refusing to make it a physical volume`,
    hint: noTools
      ? `LVM's tools could not say which group it belongs to (${fact.toolsError ?? 'lvm2 is not installed'}): ` +
        `install lvm2 on ${node} and run bootstrap again`
      : `if what it holds may go, wipe it by hand on ${node} after checking it (\`wipefs -a ${quote(disk.path)}\`), ` +
        'then run bootstrap again; if it is data to keep, name another disk',
  };
}

export interface LvmHostPlan {
  /** refusals of this node's disks: any one stops the run before a change on any node */
  refusals: Array<{ say: string; hint: string }>;
  /** what each disk is (kept, blank, adopted), for the log */
  notes: string[];
  /** sizes that differ from the inventory's (never changed: grow or shrink by hand) */
  warnings: string[];
  /** one task per group (its PVs and the group), one per logical volume */
  tasks: Array<{ name: string; plan: LvmChange }>;
  /** the /dev/VG/LV paths this plan creates (a later phase reads them as blank in a dry run) */
  created: string[];
}

const noop = (reason: string): LvmChange => ({ changed: false, reason, steps: [] });
const change = (reason: string, commands: string[]): LvmChange => ({
  changed: true,
  reason,
  steps: commands.map((command) => ({ command })),
});
const roundUp = (bytes: number, extent: number): number => Math.ceil(bytes / extent) * extent;
const human = (bytes: number): string => {
  for (const [u, f] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
  ] as const)
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${u}`;
  return `${bytes} bytes`;
};

/**
 * The LVM tasks of one twin, from its facts: per group, pvcreate for its blank disks and
 * vgcreate (or vgextend when the group lacks some); per logical volume, lvcreate when it is
 * missing (lvchange -ay when it is inactive). Pure: the playbook runs the plans.
 * @example planLvm('master', cluster.lvm, fact).tasks[0] // { name: 'LVM volume group vg0', plan: { changed: true, steps: [pvcreate …] } }
 */
export function planLvm(node: string, groups: readonly VolumeGroup[], fact: LvmFact): LvmHostPlan {
  const out: LvmHostPlan = { refusals: [], notes: [], warnings: [], tasks: [], created: [] };
  for (const g of groups) {
    const decisions = g.pvs.map((pv) => pvDecision(node, g.vg, fact.disks.find((d) => d.path === pv) ?? unread(pv), fact));
    for (const d of decisions) {
      if (d.action === 'refuse') out.refusals.push({ say: d.say, hint: d.hint });
      else out.notes.push(d.say.slice(`${node}: `.length));
    }
    const vgFact = fact.vgs.find((v) => v.vg === g.vg);
    if (vgFact && !decisions.some((d) => d.action === 'keep')) {
      const on = fact.pvs.filter((p) => p.vg === g.vg).map((p) => p.pv);
      out.refusals.push({
        say:
          `${node}: volume group ${g.vg} exists on other disks (${on.join(', ') || 'none LVM lists'}), ` +
          `none of ${g.pvs.join(', ')}: refusing to extend it`,
        hint: 'that group is not the one the inventory describes: give lvm: another vg name, or list the disks it is on',
      });
      continue;
    }
    const pvcreate = g.pvs.filter((_, i) => decisions[i]!.action === 'create');
    const joining = g.pvs.filter((_, i) => decisions[i]!.action !== 'keep');
    const pvSteps = pvcreate.map((pv) => `pvcreate ${quote(pv)}`);
    const vg = quote(g.vg);
    const plan = !vgFact
      ? change(`create volume group ${g.vg} on ${g.pvs.join(', ')}`, [...pvSteps, `vgcreate ${vg} ${g.pvs.map(quote).join(' ')}`])
      : joining.length
        ? change(`extend volume group ${g.vg} with ${joining.join(', ')}`, [...pvSteps, `vgextend ${vg} ${joining.map(quote).join(' ')}`])
        : noop(`volume group ${g.vg} is on ${g.pvs.join(', ')}`);
    out.tasks.push({ name: `LVM volume group ${g.vg}`, plan });
    const extent = vgFact?.extentBytes || DEFAULT_EXTENT;
    for (const lv of g.lvs) {
      const have = fact.lvs.find((l) => l.vg === g.vg && l.lv === lv.name);
      const name = `LVM logical volume ${lv.path} (${lv.size})`;
      if (!have) {
        out.created.push(lv.path);
        const create = `lvcreate -L ${quote(lv.size)} -n ${quote(lv.name)} -y --wipesignatures y ${vg}`;
        out.tasks.push({ name, plan: change(`create ${lv.path}, ${lv.size}`, [create]) });
        continue;
      }
      const want = roundUp(lv.bytes, extent);
      if (have.bytes !== want) {
        const how = have.bytes > want ? 'larger: never shrunk' : 'smaller: not grown (lvextend, then what is on it, by hand)';
        out.warnings.push(`${lv.path} is ${human(have.bytes)}, the inventory says ${lv.size}; ${how}`);
      }
      const size = `${lv.path} exists (${human(have.bytes)})`;
      out.tasks.push({
        name,
        plan: have.active ? noop(size) : change(`${size}, inactive: activate it`, [`lvchange -ay ${quote(`${g.vg}/${lv.name}`)}`]),
      });
    }
  }
  return out;
}

const unread = (path: string): LvmDiskFact => ({ path, real: path, signatures: ['unreadable (not read)'] });

/** Every disk of `lvm:`, each once. */
export const lvmDisks = (groups: readonly VolumeGroup[]): string[] => [...new Set(groups.flatMap((g) => g.pvs))];
