/**
 * `lvm:`'s cross-field rules: one volume group per name, one logical volume per name in a
 * group, a physical volume in one group only and never also a DRBD or guest disk (pvcreate
 * would take what DRBD or the guest keeps), and a DRBD or guest disk under /dev/VG/ naming
 * a declared volume.
 */
import type { Ctx } from './semantic.js';
import type { FieldPath } from './source.js';
import { suggest } from './suggest.js';

/**
 * @example checkLvm(ctx) // lvm[1].vg: duplicate volume group "vg0" (also lvm[0])
 */
export function checkLvm(ctx: Ctx): void {
  const groups = ctx.m.lvm;
  const firstVg = new Map<string, number>();
  const pvOwner = new Map<string, string>();
  groups.forEach((g, i) => {
    const seen = firstVg.get(g.vg);
    if (seen === undefined) firstVg.set(g.vg, i);
    else
      ctx.err(
        ['lvm', i, 'vg'],
        `duplicate volume group "${g.vg}" (also lvm[${seen}])`,
        'one entry per volume group; merge their pvs and lvs',
      );
    g.pvs.forEach((pv, j) => {
      const owner = pvOwner.get(pv);
      if (owner !== undefined)
        ctx.err(['lvm', i, 'pvs', j], `physical volume ${pv} is listed twice (also ${owner})`, 'a disk belongs to one volume group only');
      else pvOwner.set(pv, `lvm[${i}].pvs[${j}], volume group ${g.vg}`);
    });
    const lvAt = new Map<string, number>();
    g.lvs.forEach((lv, j) => {
      const first = lvAt.get(lv.name);
      if (first === undefined) lvAt.set(lv.name, j);
      else ctx.err(['lvm', i, 'lvs', j, 'name'], `duplicate logical volume "${lv.name}" in volume group ${g.vg} (also lvs[${first}])`);
    });
  });
  (ctx.raw.drbd ?? []).forEach((d, i) => {
    for (const [field, dev] of [['disk', d.disk] as const, ['meta_disk', d.meta_disk?.replace(/\[\d+\]$/, '')] as const]) {
      if (dev === undefined) continue;
      const owner = pvOwner.get(dev);
      if (owner)
        ctx.err(
          ['drbd', i, field],
          `DRBD ${d.name}'s ${field} ${dev} is a physical volume of lvm: (${owner})`,
          'give DRBD a logical volume of that group instead (disk: /dev/VG/LV), or take the disk out of pvs:',
        );
      else checkLvRef(ctx, ['drbd', i, field], dev);
    }
  });
  (ctx.raw.guests ?? []).forEach((g, i) => {
    if (g.disk === undefined) return;
    const owner = pvOwner.get(g.disk);
    if (owner)
      ctx.err(
        ['guests', i, 'disk'],
        `guest ${g.name}'s disk ${g.disk} is a physical volume of lvm: (${owner})`,
        'give the guest a logical volume of that group (disk: /dev/VG/LV, or a DRBD resource on one)',
      );
    else checkLvRef(ctx, ['guests', i, 'disk'], g.disk);
  });
}

/** A disk `/dev/VG/LV` whose VG is declared under lvm: must name one of its logical volumes. */
function checkLvRef(ctx: Ctx, path: FieldPath, dev: string): void {
  const m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(dev);
  const group = m && ctx.m.lvm.find((g) => g.vg === m[1]);
  if (!m || !group) return;
  const names = group.lvs.map((l) => l.name);
  if (names.includes(m[2]!)) return;
  const near = suggest(m[2]!, names);
  ctx.err(
    path,
    `${dev}: volume group ${group.vg} has no logical volume "${m[2]}" in lvm:`,
    near ? `did you mean /dev/${group.vg}/${near}?` : `declare it under the lvs: of volume group ${group.vg}`,
  );
}
