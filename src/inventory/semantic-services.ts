/**
 * The service kinds' cross-field rules (`services[].kind`): each kind's fields only with
 * that kind, an nfs service's exports, data inside the DRBD filesystem it names, one
 * service of each kind (the agents manage node-wide daemons: one mysqld socket, one nfsd).
 */
import type { RawService } from './raw.js';
import type { Ctx } from './semantic.js';
import type { FieldPath } from './source.js';

/** The fields that mean something for one kind only. */
const KIND_FIELDS = {
  datadir: 'mariadb',
  state_dir: 'nfs',
  exports: 'nfs',
  lease_time: 'nfs',
  grace_time: 'nfs',
} as const satisfies Partial<Record<keyof RawService, RawService['kind']>>;

/** `dir` is `mount` or below it, without `.` or `..` segments (which could climb out). */
function inside(dir: string, mount: string, strictly: boolean): boolean {
  if (dir.split('/').some((seg) => seg === '.' || seg === '..')) return false;
  const d = dir.replace(/\/+$/, '') || '/';
  const m = mount.replace(/\/+$/, '') || '/';
  return (!strictly && d === m) || d.startsWith(m === '/' ? '/' : `${m}/`);
}

/**
 * @example checkServiceKinds(ctx) // services[0].exports[1].path: "/etc" is not on the DRBD filesystem of r0 (/srv/shared)
 */
export function checkServiceKinds(ctx: Ctx): void {
  const services = ctx.raw.services ?? [];
  services.forEach((s, i) => {
    const at = (...f: Array<string | number>): FieldPath => ['services', i, ...f];
    for (const [field, kind] of Object.entries(KIND_FIELDS)) {
      if ((s as unknown as Record<string, unknown>)[field] !== undefined && s.kind !== kind)
        ctx.err(at(field), `${field} is a setting of kind ${kind}`, `add kind: ${kind}, or remove ${field}`);
    }
    if (s.kind === 'nfs' && !s.exports?.length)
      ctx.err(
        at(s.exports ? 'exports' : 'kind'),
        'a service of kind nfs needs at least one export',
        'e.g. exports: [{ path: /srv/data/export, clients: 10.77.0.0/24 }]',
      );
    const lease = s.lease_time ?? 90;
    if ((s.grace_time ?? 90) < lease)
      ctx.err(
        at(s.grace_time !== undefined ? 'grace_time' : 'lease_time'),
        `grace_time (${s.grace_time ?? 90} s) is shorter than lease_time (${lease} s): ` +
          'clients that renew once a lease cannot all reclaim in it',
        'make grace_time at least lease_time',
      );
    if (!s.kind || s.drbd === undefined) return;
    const drbd = ctx.m.drbd.find((d) => d.name === s.drbd);
    if (!drbd) return; // the reference check names it
    const mount = drbd.filesystem?.mount;
    if (!mount) {
      ctx.err(
        at('drbd'),
        `DRBD resource ${drbd.name} has no filesystem: a ${s.kind} service keeps its data on one`,
        'add filesystem: { type, mount } to it',
      );
      return;
    }
    const outside = (path: FieldPath, dir: string, strictly: boolean): void => {
      if (!inside(dir, mount, strictly))
        ctx.err(
          path,
          `"${dir}" is not ${strictly ? 'below the mount point' : 'on the DRBD filesystem'} of ${drbd.name} (${mount})`,
          `e.g. ${mount}/data`,
        );
    };
    if (s.datadir !== undefined) outside(at('datadir'), s.datadir, true);
    if (s.state_dir !== undefined) outside(at('state_dir'), s.state_dir, true);
    (s.exports ?? []).forEach((e, j) => outside(at('exports', j, 'path'), e.path, false));
  });
  services.forEach((s, i) => {
    const paths = new Map<string, number>();
    const fsids = new Map<number, number>();
    ctx.m.services[i]?.nfs?.exports.forEach((e, j) => {
      const p = paths.get(e.path);
      if (p !== undefined) ctx.err(['services', i, 'exports', j, 'path'], `duplicate export "${e.path}" (also exports[${p}])`);
      else paths.set(e.path, j);
      const f = fsids.get(e.fsid);
      if (f !== undefined)
        ctx.err(
          ['services', i, 'exports', j, s.exports?.[j]?.fsid !== undefined ? 'fsid' : 'path'],
          `duplicate fsid ${e.fsid} (also exports[${f}])`,
          'give each export its own fsid',
        );
      else fsids.set(e.fsid, j);
    });
  });
  for (const kind of ['mariadb', 'nfs'] as const) {
    const of = services.flatMap((s, i) => (s.kind === kind ? [i] : []));
    for (const i of of.slice(1))
      ctx.err(
        ['services', i, 'kind'],
        `a second service of kind ${kind} (also services[${of[0]}])`,
        `the ${kind} agent manages the one server of a node`,
      );
  }
}
