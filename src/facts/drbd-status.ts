/**
 * Pure parsers for DRBD's state: `drbdadm status` (drbd-utils 9, which also speaks to
 * Debian's in-kernel 8.4 module) and, as a fallback, /proc/drbd of the 8.4 module.
 */

export interface DrbdPeer {
  /** the peer's name (DRBD 9) or `peer` (8.4) */
  name: string;
  /** `Connected` when the status omits it (drbdsetup prints the connection only when it is not) */
  connection: string;
  role?: string;
  peerDisk?: string;
  /** Established, SyncSource, SyncTarget, … */
  replication?: string;
  /** resync progress in percent, while syncing */
  done?: number;
}

export interface DrbdState {
  name: string;
  role: string;
  /** local disk state of every volume (one for hactl's resources) */
  disks: string[];
  peers: DrbdPeer[];
  /**
   * The kernel's "Split-Brain detected but unresolved" line for this resource, when the
   * resource is StandAlone and nobody reconnected it since (DRBD dropped the connection
   * and waits for a human to pick the data to keep)
   */
  splitBrain?: string;
}

/** Read-only: the state, only where the kernel has DRBD loaded (no modprobe, nothing written). */
export const DRBD_STATUS_COMMAND =
  'if [ -e /proc/drbd ]; then drbdadm status all 2>&1; echo "@@proc"; cat /proc/drbd; ' +
  // the kernel's word on split brains and reconnections (the newest lines; dmesg is root's)
  `echo "@@klog"; dmesg 2>/dev/null | grep -E 'Split-Brain detected|conn\\( ' | tail -n 60; else echo no-drbd-module; fi`;

const pairs = (tokens: string[]): Record<string, string> =>
  Object.fromEntries(tokens.filter((t) => t.includes(':')).map((t) => [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)]));

/**
 * @example
 *   parseDrbdStatus('r0 role:Primary\n  disk:UpToDate\n  slave connection:Connecting\n')
 *   // [{ name: 'r0', role: 'Primary', disks: ['UpToDate'], peers: [{ name: 'slave', connection: 'Connecting' }] }]
 */
export function parseDrbdStatus(out: string): DrbdState[] {
  const res: DrbdState[] = [];
  let cur: DrbdState | undefined;
  let peer: DrbdPeer | undefined;
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const tokens = line.trim().split(/\s+/);
    const kv = pairs(tokens);
    if (indent === 0) {
      if (!kv.role) continue; // an error line, e.g. "r1: No such resource"
      cur = { name: tokens[0]!, role: kv.role, disks: [], peers: [] };
      peer = undefined;
      res.push(cur);
    } else if (!cur) {
    } else if (indent <= 2 && tokens[0]!.includes(':')) {
      if (kv.disk) cur.disks.push(kv.disk); // "disk:UpToDate" or "volume:0 disk:UpToDate"
    } else if (indent <= 2) {
      peer = { name: tokens[0]!, connection: kv.connection ?? 'Connected', role: kv.role };
      cur.peers.push(peer);
    } else if (peer) {
      peer.peerDisk = kv['peer-disk'] ?? peer.peerDisk;
      peer.replication = kv.replication ?? peer.replication;
      if (kv.done) peer.done = Number(kv.done);
    }
  }
  return res;
}

/**
 * The 8.4 kernel's /proc/drbd: ` 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----`.
 * Minors are mapped to resource names by the caller (the inventory knows them).
 *
 * @example
 *   parseProcDrbd(' 0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----', new Map([[0, 'r0']]))
 *   // [{ name: 'r0', role: 'Primary', disks: ['UpToDate'], peers: [{ name: 'peer', connection: 'WFConnection', … }] }]
 */
export function parseProcDrbd(out: string, names: Map<number, string>): DrbdState[] {
  const res: DrbdState[] = [];
  for (const m of out.matchAll(/^\s*(\d+):\s+(.*)$/gm)) {
    const kv = pairs(m[2]!.split(/\s+/));
    const [role = 'Unknown', peerRole] = (kv.ro ?? '').split('/');
    const [disk = 'Unknown', peerDisk] = (kv.ds ?? '').split('/');
    const cs = kv.cs ?? 'Unknown';
    const syncing = /^(Sync|PausedSync|Verify)/.test(cs);
    // the progress bar, if any, is on the lines right after this minor's
    const done = /sync'ed:\s*([\d.]+)%/.exec(out.slice(m.index).split('\n').slice(1, 4).join('\n'))?.[1];
    res.push({
      name: names.get(Number(m[1])) ?? `minor ${m[1]}`,
      role,
      disks: [disk],
      peers: [
        {
          name: 'peer',
          connection: syncing ? 'Connected' : cs,
          role: peerRole,
          peerDisk,
          replication: syncing ? cs : cs === 'Connected' ? 'Established' : undefined,
          done: syncing && done ? Number(done) : undefined,
        },
      ],
    });
  }
  return res;
}

/** Splits {@link DRBD_STATUS_COMMAND}'s output: `undefined` when the kernel has no DRBD loaded. */
export function parseDrbdSection(out: string, names: Map<number, string>): DrbdState[] | undefined {
  if (/^no-drbd-module/m.test(out)) return undefined;
  const [main = '', klog = ''] = out.split(/^@@klog$/m);
  const [status = '', proc = ''] = main.split(/^@@proc$/m);
  const parsed = parseDrbdStatus(status);
  const states = parsed.length ? parsed : parseProcDrbd(proc, names);
  const unresolved = unresolvedSplitBrains(klog, names);
  for (const st of states) {
    const line = unresolved.get(st.name);
    if (line && st.peers.some((p) => p.connection === 'StandAlone')) st.splitBrain = line;
  }
  return states;
}

/**
 * Resources whose newest split-brain line in the kernel log has no reconnection after it
 * (`conn( StandAlone -> …`). DRBD 8.4 names the device (`block drbd0: Split-Brain …`) or
 * the resource (`drbd r0: conn( … )`); DRBD 9 the resource (`drbd r0/0 drbd0 peer: …`).
 *
 * @example
 *   unresolvedSplitBrains('[ 9.1] block drbd0: Split-Brain detected but unresolved, dropping connection!', new Map([[0, 'r0']]))
 *   // Map { 'r0' => '[ 9.1] block drbd0: Split-Brain detected but unresolved, dropping connection!' }
 */
export function unresolvedSplitBrains(klog: string, names: Map<number, string>): Map<string, string> {
  const open = new Map<string, string>();
  for (const line of klog.split('\n')) {
    const m = /\bdrbd(\d+):/.exec(line) ?? /\bdrbd ([A-Za-z0-9_.-]+)[/: ]/.exec(line);
    if (!m) continue;
    const res = /^\d+$/.test(m[1]!) && /\bdrbd\d+:/.test(m[0]) ? names.get(Number(m[1])) : m[1];
    if (!res) continue;
    if (/Split-Brain detected but unresolved/.test(line)) open.set(res, line.trim());
    else if (/conn\( StandAlone -> /.test(line)) open.delete(res);
  }
  return open;
}
