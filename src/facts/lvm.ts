/**
 * What LVM and the disks say about `lvm:`, read-only, in one round trip: for each physical
 * volume the inventory names, its canonical path and the signatures libblkid finds on it
 * (`wipefs` with no option only lists: a filesystem, a partition table, `LVM2_member`, …),
 * then LVM's own view (`pvs`, `vgs`, `lvs`). Without the LVM tools (lvm2 not installed yet)
 * the signatures alone are read: a blank disk is still told from one that holds data.
 */
import { quote } from '../core/shell.js';

export interface LvmDiskFact {
  /** the path the inventory names */
  path: string;
  /** `readlink -f` of it (LVM names a PV by its real device) */
  real: string;
  /** e.g. ['ext4'], ['LVM2_member'], [] when blank, or one `unreadable (…)` entry */
  signatures: string[];
}

export interface LvmFact {
  disks: LvmDiskFact[];
  /** pvs, vgs and lvs ran (false: lvm2 is not installed, or they failed: `toolsError`) */
  tools: boolean;
  toolsError?: string;
  /** every PV LVM knows, with its VG ('' when in none) */
  pvs: Array<{ pv: string; vg: string }>;
  vgs: Array<{ vg: string; extentBytes: number }>;
  lvs: Array<{ vg: string; lv: string; bytes: number; active: boolean }>;
}

const SEP = '|';
const RC = /^@@rc (\d+)\s*$/m;
const LVM_READS: Array<[string, string]> = [
  ['pvs', `pvs --noheadings --separator '${SEP}' -o pv_name,vg_name`],
  ['vgs', `vgs --noheadings --separator '${SEP}' --units b --nosuffix -o vg_name,vg_extent_size`],
  ['lvs', `lvs --noheadings --separator '${SEP}' --units b --nosuffix -o vg_name,lv_name,lv_size,lv_attr`],
];

/**
 * The one read-only command of {@link parseLvm}.
 * @example lvmCommand(['/dev/vdc']) // "echo '@@pv /dev/vdc'; echo \"@@real $(readlink -f -- /dev/vdc)\"; wipefs … ; pvs …"
 */
export function lvmCommand(pvs: readonly string[]): string {
  const disks = pvs.map(
    (pv) =>
      `echo ${quote(`@@pv ${pv}`)}; echo "@@real $(readlink -f -- ${quote(pv)})"; ` +
      `wipefs --noheadings --output TYPE -- ${quote(pv)} 2>&1; echo "@@rc $?"`,
  );
  const tools = LVM_READS.map(([name, c]) => `echo @@${name}; ${c} 2>/dev/null; echo "@@rc $?"`).join('; ');
  return [...disks, `if command -v pvs >/dev/null 2>&1; then ${tools}; else echo @@nolvm; fi`].join('; ');
}

const lines = (block: string): string[] =>
  block
    .replace(RC, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** Parses {@link lvmCommand}'s output for the same `pvs`. */
export function parseLvm(out: string, pvs: readonly string[]): LvmFact {
  const blocks = new Map<string, string>();
  for (const b of out.split(/^@@(?=(?:pv |pvs$|vgs$|lvs$|nolvm$))/m).slice(1)) {
    const nl = b.indexOf('\n');
    blocks.set(b.slice(0, nl < 0 ? b.length : nl).trim(), nl < 0 ? '' : b.slice(nl + 1));
  }
  const disks = pvs.map((path): LvmDiskFact => {
    const block = blocks.get(`pv ${path}`) ?? '@@rc 1\n';
    const real = /^@@real (.*)$/m.exec(block)?.[1]?.trim() || path;
    const body = lines(block.replace(/^@@real .*$/m, ''));
    const signatures = RC.exec(block)?.[1] === '0' ? [...new Set(body)] : [`unreadable (${body[0] ?? 'wipefs failed'})`];
    return { path, real, signatures };
  });
  const fact: LvmFact = { disks, tools: false, pvs: [], vgs: [], lvs: [] };
  if (blocks.has('nolvm') || !blocks.has('pvs')) return fact;
  const failed = LVM_READS.map(([name]) => [name, blocks.get(name) ?? '@@rc 1\n'] as const).find(([, b]) => RC.exec(b)?.[1] !== '0');
  if (failed) return { ...fact, toolsError: `${failed[0]} failed (exit ${RC.exec(failed[1])?.[1] ?? '?'})` };
  const rows = (name: string) => lines(blocks.get(name)!).map((l) => l.split(SEP).map((f) => f.trim()));
  return {
    ...fact,
    tools: true,
    pvs: rows('pvs').map(([pv = '', vg = '']) => ({ pv, vg })),
    vgs: rows('vgs').map(([vg = '', ext = '']) => ({ vg, extentBytes: Number(ext) })),
    lvs: rows('lvs').map(([vg = '', lv = '', size = '', attr = '']) => ({ vg, lv, bytes: Number(size), active: attr[4] === 'a' })),
  };
}
