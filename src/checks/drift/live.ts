/**
 * Live state, read in ONE round trip per host: a script of read-only commands, each
 * framed by a marker line and followed by its exit status, split back into sections here.
 * Nothing in it writes: no temp files, no modprobe, no redirection except to stdout —
 * a unit test holds every generated script to that.
 */

import { ADDRESSES_COMMAND } from '../../facts/addresses.js';
import { CONSTRAINTS_COMMAND } from '../../facts/cib-constraints.js';
import { CIB_PROPERTIES_COMMAND } from '../../facts/cib-properties.js';
import { CRM_MON_COMMAND } from '../../facts/crm-mon.js';
import { debPackagesCommand } from '../../facts/dpkg.js';
import { DRBD_STATUS_COMMAND } from '../../facts/drbd-status.js';
import { heartbeatStatusCommand } from '../../facts/heartbeat-status.js';
import { KNET_LINKS_COMMAND } from '../../facts/knet-links.js';
import { QDEVICE_STATUS_COMMAND, QNETD_CLUSTERS_COMMAND } from '../../facts/qdevice.js';
import { QUORUM_COMMAND } from '../../facts/quorum.js';
import { sbdStateCommand } from '../../facts/sbd.js';
import type { ClusterModel, NodeModel, Stack } from '../../inventory/model.js';
import type { Connector } from '../../runtime/connector.js';
import { mapBounded } from '../../runtime/pool.js';
import { CIB_DIR, CIB_FILES } from '../../stack/pacemaker.js';
import { hintFor } from './from-run.js';
import type { CheckError } from './items.js';
import { expectedPackages } from './packages.js';
import { COROSYNC_RUNNING_COMMAND, DRBD_RUNNING_COMMAND, HEARTBEAT_RUNNING_COMMAND } from './running.js';

export type SectionName =
  | 'quorum'
  | 'crm_mon'
  | 'constraints'
  | 'cib'
  | 'packages'
  | 'drbd'
  | 'heartbeat'
  | 'addresses'
  | 'running-corosync'
  | 'running-heartbeat'
  | 'running-drbd'
  | 'properties'
  | 'sbd'
  | 'links'
  | 'qdevice'
  | 'qnetd';

export interface Section {
  out: string;
  rc: number;
}
/** What one host answered, by section (absent: not asked on this host). */
export type HostSections = Partial<Record<SectionName, Section>>;

const MARK = '@@hactl-live:';
const RC = '@@hactl-rc:';

/**
 * The live CIB configuration and the desired sections hactl keeps on the master, for the
 * owned/foreign comparison (src/stack/cib.ts). The live XML is only printed: nothing is
 * written. A desired file that does not exist prints nothing after its marker.
 */
export const CIB_SECTION_COMMAND = [
  `if ! live=$(cibadmin -Q --scope configuration 2>&1); then echo "state cibadmin-failed"; printf '%s\\n' "$live"`,
  `else echo "state ok"; printf '%s\\n' "$live"; ` +
    `for s in ${CIB_FILES.map((f) => f.replace(/\.xml$/, '')).join(' ')}; do ` +
    `echo "@@desired-$s"; cat ${CIB_DIR}/$s.xml 2>/dev/null || true; done; fi`,
].join('\n');

const isTwin = (n: NodeModel): boolean => n.role === 'master' || n.role === 'slave';

/** The stack's own sections of one node. */
const STACK_SECTIONS: { readonly [S in Stack]: (c: ClusterModel, n: NodeModel) => [SectionName, string][] } = {
  pacemaker(c, n) {
    if (n.role === 'realserver') return [];
    // a QNetd arbitrator runs no corosync: only qnetd's list of the clusters it serves
    if (c.qdevice && n.role === 'arbitrator') return [['qnetd', QNETD_CLUSTERS_COMMAND]];
    return [
      ['quorum', QUORUM_COMMAND],
      ...(isTwin(n)
        ? ([
            ['crm_mon', CRM_MON_COMMAND],
            ['constraints', CONSTRAINTS_COMMAND],
          ] as [SectionName, string][])
        : []),
      ...(n.role === 'master'
        ? ([
            ['cib', CIB_SECTION_COMMAND],
            ['properties', CIB_PROPERTIES_COMMAND],
          ] as [SectionName, string][])
        : []),
      ['running-corosync', COROSYNC_RUNNING_COMMAND],
      // SBD on every voter: the watchdog device, sbd.service, /etc/default/sbd
      ...(c.stonith.sbd ? ([['sbd', sbdStateCommand(c.stonith.sbd.watchdog)]] as [SectionName, string][]) : []),
      // several knet links: each one's state towards every other member (one down is one cable from a split)
      ...(c.links.length > 1 ? ([['links', KNET_LINKS_COMMAND]] as [SectionName, string][]) : []),
      // the twins' corosync-qdevice: connected to qnetd, with the inventory's algorithm
      ...(c.qdevice && isTwin(n) ? ([['qdevice', QDEVICE_STATUS_COMMAND]] as [SectionName, string][]) : []),
    ];
  },
  heartbeat(c, n) {
    if (!isTwin(n)) return [];
    const names = [c.master.name, c.slave.name, ...(c.arbitrator ? [c.arbitrator.address] : [])];
    return [
      ['heartbeat', heartbeatStatusCommand(names)],
      ['addresses', ADDRESSES_COMMAND],
      ['running-heartbeat', HEARTBEAT_RUNNING_COMMAND],
    ];
  },
};

/** The sections asked of one node, by stack and role. */
export function liveSections(c: ClusterModel, n: NodeModel): [SectionName, string][] {
  const out: [SectionName, string][] = [];
  const pkgs = expectedPackages(c, n);
  if (pkgs.length) out.push(['packages', debPackagesCommand(pkgs)]);
  out.push(...STACK_SECTIONS[c.stack](c, n));
  if (isTwin(n) && c.drbd.length) out.push(['drbd', DRBD_STATUS_COMMAND], ['running-drbd', DRBD_RUNNING_COMMAND]);
  return out;
}

/**
 * The whole script for one node: sections framed by markers, each with its exit status.
 *
 * @example
 *   liveScript(cluster, cluster.master) // "echo '@@hactl-live:packages'\n{\ndpkg-query …\n} 2>&1\necho \"@@hactl-rc:$?\"\n…"
 */
export function liveScript(c: ClusterModel, n: NodeModel): string {
  return liveSections(c, n)
    .map(([name, cmd]) => `echo '${MARK}${name}'\n{\n${cmd}\n} 2>&1\necho "${RC}$?"`)
    .join('\n');
}

/** Pure parser for {@link liveScript}'s output. */
export function splitSections(stdout: string): HostSections {
  const out: HostSections = {};
  for (const block of stdout.split(MARK).slice(1)) {
    const nl = block.indexOf('\n');
    const name = block.slice(0, nl < 0 ? undefined : nl).trim() as SectionName;
    const body = nl < 0 ? '' : block.slice(nl + 1);
    const rcAt = body.lastIndexOf(RC);
    const rc = rcAt < 0 ? -1 : Number(body.slice(rcAt + RC.length).trim());
    out[name] = { out: rcAt < 0 ? body : body.slice(0, rcAt), rc };
  }
  return out;
}

/**
 * Runs {@link liveScript} on every node, in parallel, over the run's shared connections.
 * A node that cannot be reached is a CheckError, not a thrown error: the others are still read.
 */
export async function readLive(
  c: ClusterModel,
  connector: Connector,
  forks = 10,
): Promise<{ sections: Map<string, HostSections>; errors: CheckError[] }> {
  const sections = new Map<string, HostSections>();
  const errors: CheckError[] = [];
  const nodes = c.nodes.filter((n) => liveSections(c, n).length);
  await mapBounded(nodes, forks, async (n) => {
    try {
      const conn = await connector.get(n);
      const r = await conn.exec(liveScript(c, n), { timeoutMs: 60_000 });
      if (r.code === 124) throw new Error('the live checks timed out after 60 s (a hung cluster daemon?)');
      sections.set(n.name, splitSections(r.stdout));
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      errors.push({ host: n.name, message, hint: hintFor(message) });
    }
  });
  // in inventory order, whatever order the failures came in
  const at = (h?: string) => c.nodes.findIndex((n) => n.name === h);
  return { sections, errors: errors.sort((a, b) => at(a.host) - at(b.host)) };
}
