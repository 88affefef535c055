/**
 * The rolling upgrade's progress on a node (`hactl rolling-upgrade`, docs/day-two.md):
 * written by the node's step before each change, read back by `--resume`.
 */

/** Where a node keeps its record (removed when the whole upgrade completed). */
export const UPGRADE_RECORD_PATH = '/var/lib/hactl/rolling-upgrade.json';

/** How far a node's step got: kept off the resources, packages upgraded, or back in service. */
export type UpgradePhase = 'standby' | 'upgraded' | 'done';

export interface UpgradeRecord {
  /** the run that wrote it (the first run's id; a resumed run keeps it) */
  run: string;
  packages: string[] | 'all';
  phase: UpgradePhase;
  /** ISO time of the write */
  at: string;
  /** installed versions before the node's upgrade (name → version) */
  before: Record<string, string>;
}

/** Prints the record, or nothing when the node has none. */
export const UPGRADE_RECORD_COMMAND = `cat ${UPGRADE_RECORD_PATH} 2>/dev/null; true`;

const PHASES: readonly UpgradePhase[] = ['standby', 'upgraded', 'done'];

/**
 * Pure parser for {@link UPGRADE_RECORD_COMMAND}: undefined for no record; a record that is
 * not one hactl wrote (cut short, edited) is an error naming the file.
 * @example
 * parseUpgradeRecord('{"run":"20261128T031500Z-ab12","packages":["p"],"phase":"done","at":"…","before":{"p":"1.0"}}').phase
 * // 'done'
 */
export function parseUpgradeRecord(stdout: string): UpgradeRecord | undefined {
  const text = stdout.trim();
  if (!text) return undefined;
  let raw: Partial<UpgradeRecord>;
  try {
    raw = JSON.parse(text) as Partial<UpgradeRecord>;
  } catch {
    throw new Error(`${UPGRADE_RECORD_PATH} is not JSON: ${text.slice(0, 60)}`);
  }
  const pk = raw.packages;
  const okPackages = pk === 'all' || (Array.isArray(pk) && pk.every((p) => typeof p === 'string'));
  if (typeof raw.run !== 'string' || !okPackages || !PHASES.includes(raw.phase as UpgradePhase) || typeof raw.at !== 'string') {
    throw new Error(`${UPGRADE_RECORD_PATH} is not a rolling-upgrade record (run, packages, phase, at)`);
  }
  const before = raw.before && typeof raw.before === 'object' ? (raw.before as Record<string, string>) : {};
  return { run: raw.run, packages: pk as UpgradeRecord['packages'], phase: raw.phase as UpgradePhase, at: raw.at, before };
}
