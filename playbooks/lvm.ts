/**
 * LVM on the twins, the same for both stacks, before DRBD and the guests: physical volumes
 * on blank disks, the volume groups, the logical volumes (src/stack/lvm.ts). The facts ride
 * in each twin's first round trip ({@link lvmRead}) and are judged before the playbook's
 * first change ({@link lvmPlans}): a disk that holds anything is refused before any node
 * changes; the phase itself ({@link bootstrapLvm}) runs once lvm2 is installed.
 */
import { NodeError } from '../src/core/errors.js';
import { lvmCommand, parseLvm } from '../src/facts/lvm.js';
import type { ClusterModel, HostGroup } from '../src/index.js';
import { type LvmHostPlan, lvmDisks, planLvm } from '../src/stack/lvm.js';

/** The read a twin adds to its first facts round trip (none without `lvm:`). */
export const lvmRead = (cluster: ClusterModel): string | undefined => (cluster.lvm.length ? lvmCommand(lvmDisks(cluster.lvm)) : undefined);

/**
 * Each twin's LVM plan from what its first round trip read (`reads`: host → that read's
 * output). Throws, naming every refused node and disk, when any disk may not be used.
 * @example const lvm = lvmPlans(cluster, new Map([['master', out1], ['slave', out2]]))
 */
export function lvmPlans(cluster: ClusterModel, reads: ReadonlyMap<string, string | undefined>): Map<string, LvmHostPlan> {
  const plans = new Map<string, LvmHostPlan>();
  if (!cluster.lvm.length) return plans;
  const disks = lvmDisks(cluster.lvm);
  for (const [host, out] of reads) if (out !== undefined) plans.set(host, planLvm(host, cluster.lvm, parseLvm(out, disks)));
  const refusals = [...plans.values()].flatMap((p) => p.refusals);
  if (refusals.length) throw new NodeError(refusals.map((r) => r.say).join('\n'), { hint: refusals[0]!.hint });
  return plans;
}

/**
 * Runs each twin's plan: the groups, then the logical volumes. Returns the /dev/VG/LV paths
 * created (or, in a dry run, to be created) per twin: DRBD reads them as blank in a plan.
 */
export async function bootstrapLvm<H extends string>(
  twins: HostGroup<H>,
  plans: ReadonlyMap<string, LvmHostPlan>,
): Promise<Map<string, Set<string>>> {
  const created = new Map<string, Set<string>>();
  if (!plans.size) return created;
  await twins.all(async (h) => {
    const plan = plans.get(h.name);
    if (!plan) return;
    for (const note of plan.notes) h.info(note);
    for (const w of plan.warnings) h.warn(`${w} (change it by hand, or the inventory's size)`);
    for (const t of plan.tasks) await h.change(t.name, t.plan);
    created.set(h.name, new Set(plan.created));
  }, 'lvm');
  return created;
}
