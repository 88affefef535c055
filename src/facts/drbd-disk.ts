/**
 * What DRBD and the disks themselves say about a DRBD resource, read-only, never from a
 * file hactl wrote (a node whose root was reinstalled on kept data disks is read as what
 * it is):
 *
 * - before anything is configured: the signatures on the backing disk and on the metadata
 *   disk (`wipefs`, which only lists without options: libblkid's probes find DRBD's own
 *   metadata — at the end of the disk when internal — next to a filesystem, LVM, RAID or a
 *   partition table);
 * - once the resource is configured: DRBD's generation identifiers (`drbdadm get-gi`) and
 *   the kernel's view (8.4's /proc/drbd, or `drbdadm status` of DRBD 9).
 */
import { quote } from '../core/shell.js';
import { DRBD_STATUS_COMMAND, type DrbdState, parseDrbdSection } from './drbd-status.js';

/** DRBD's current UUID right after `create-md`: no data generation yet (UUID_JUST_CREATED). */
export const JUST_CREATED = '0000000000000004';

export interface DrbdDiskSpec {
  name: string;
  disk: string;
  /** `internal` or a device (an indexed `/dev/x[N]` is probed as `/dev/x`) */
  metaDisk: string;
  minor: number;
}

export interface DrbdDiskFact {
  resource: string;
  disk: string;
  /** libblkid found DRBD metadata where this resource keeps it */
  metadata: boolean;
  /** signatures other than DRBD's metadata on the backing disk, e.g. ['ext4'] */
  signatures: string[];
}

export interface DrbdGi {
  current: string;
  bitmap: string;
  history: string[];
}

export interface DrbdResourceFact {
  resource: string;
  /** generation identifiers; undefined when DRBD found no valid metadata */
  gi?: DrbdGi;
  /** DRBD's words when `get-gi` failed */
  giError?: string;
  /** the kernel's state; undefined when the resource is not configured or DRBD is not loaded */
  state?: DrbdState;
}

const metaDevice = (r: DrbdDiskSpec): string | undefined => (r.metaDisk === 'internal' ? undefined : r.metaDisk.replace(/\[\d+\]$/, ''));
const RC = /^@@rc (\d+)\s*$/m;

/** One round trip: the signatures of every resource's disks (`wipefs` with no option lists, never writes). */
export function drbdDiskCommand(resources: readonly DrbdDiskSpec[]): string {
  return resources
    .map((r) => {
      const probe = (what: string, dev: string) =>
        `echo ${quote(`@@${what} ${r.name}`)}; wipefs --noheadings --output TYPE -- ${quote(dev)} 2>&1; echo "@@rc $?"`;
      const meta = metaDevice(r);
      return [probe('disk', r.disk), ...(meta ? [probe('meta', meta)] : [])].join('; ');
    })
    .join('; ');
}

function sections(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const b of out.split(/^@@(?=(?:disk|meta|gi) )/m).slice(1)) {
    const nl = b.indexOf('\n');
    map.set(b.slice(0, nl < 0 ? b.length : nl).trim(), nl < 0 ? '' : b.slice(nl + 1));
  }
  return map;
}

/** The types wipefs listed, or one `unreadable (…)` entry when it could not read the device. */
function wipefsTypes(block: string): string[] {
  const rc = RC.exec(block)?.[1];
  const body = block
    .replace(RC, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (rc !== '0') return [`unreadable (${body[0] ?? 'wipefs failed'})`];
  return [...new Set(body)];
}

/** Parses {@link drbdDiskCommand}'s output. */
export function parseDrbdDisk(out: string, resources: readonly DrbdDiskSpec[]): DrbdDiskFact[] {
  const s = sections(out);
  return resources.map((r) => {
    const disk = wipefsTypes(s.get(`disk ${r.name}`) ?? '@@rc 1\n');
    const meta = metaDevice(r) ? wipefsTypes(s.get(`meta ${r.name}`) ?? '@@rc 1\n') : disk;
    return {
      resource: r.name,
      disk: r.disk,
      metadata: meta.includes('drbd'),
      signatures: disk.filter((t) => t !== 'drbd'),
    };
  });
}

/** One round trip once the resources are configured: each one's GI, and the kernel's state. */
export function drbdStateCommand(resources: readonly DrbdDiskSpec[]): string {
  const gi = resources.map((r) => `echo ${quote(`@@gi ${r.name}`)}; drbdadm get-gi ${quote(r.name)} 2>&1; echo "@@rc $?"`);
  return [...gi, 'echo @@state', DRBD_STATUS_COMMAND].join('; ');
}

/** `8A0C…:0000…:…:…:1:1:0:1:0:0:0:0` → its UUIDs; undefined when no line is a GI. */
export function parseGi(text: string): DrbdGi | undefined {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^[0-9A-F]{16}(:[0-9A-F]{16}){1,3}(:|$)/i.test(l));
  if (!line) return undefined;
  const uuids = line
    .split(':')
    .filter((f) => /^[0-9A-F]{16}$/i.test(f))
    .map((u) => u.toUpperCase());
  return { current: uuids[0]!, bitmap: uuids[1] ?? '0000000000000000', history: uuids.slice(2) };
}

/** Parses {@link drbdStateCommand}'s output. */
export function parseDrbdState(out: string, resources: readonly DrbdDiskSpec[]): DrbdResourceFact[] {
  const [giText = '', stateText = ''] = out.split(/^@@state$/m);
  const states = parseDrbdSection(stateText, new Map(resources.map((r) => [r.minor, r.name]))) ?? [];
  const s = sections(giText);
  return resources.map((r) => {
    const block = s.get(`gi ${r.name}`) ?? '@@rc 1\n';
    const text = block.replace(RC, '').trim();
    const gi = RC.exec(block)?.[1] === '0' ? parseGi(text) : undefined;
    const state = states.find((st) => st.name === r.name);
    const fact: DrbdResourceFact = { resource: r.name };
    if (gi) fact.gi = gi;
    else fact.giError = text.split('\n').filter(Boolean).slice(-1)[0] ?? 'no output';
    // an unconfigured minor (8.4 lists it as cs:Unconfigured) is a resource that is down
    if (state && state.peers[0]?.connection !== 'Unconfigured') fact.state = state;
    return fact;
  });
}
