/**
 * Pure rules over the live Pacemaker state: membership, quorum, where the resources run,
 * failures, leftover move/ban constraints and the CIB elements hactl owns against the files
 * it applies (the elements it does not own are listed apart: unmanagedItems).
 * Input: the sections each host answered (live.ts); output: drift items.
 */

import { parseCliConstraints } from '../../facts/cib-constraints.js';
import { type CrmStatus, parseCrmMon, parseFailCounts, parseGroups, resourceOfOp } from '../../facts/crm-mon.js';
import { downPeers, parseKnetLinks } from '../../facts/knet-links.js';
import { parseQdeviceStatus, parseQnetdClusters, qdeviceProblem, qnetdProblem } from '../../facts/qdevice.js';
import { parseQuorum } from '../../facts/quorum.js';
import type { ClusterModel } from '../../inventory/model.js';
import { type CibSection, type ForeignElement, OWNED_TAG, planCib } from '../../stack/cib.js';
import { members } from '../../stack/corosync.js';
import { directors } from '../../stack/lvs.js';
import { clusterProperties, GROUP_ID, LVS_GROUP_ID, ownedProperties } from '../../stack/pacemaker.js';
import { fencingItems } from './fencing-rules.js';
import type { DriftItem } from './items.js';
import type { HostSections } from './live.js';

type Live = Map<string, HostSections>;
const firstLine = (s: string): string => s.trim().split('\n')[0] ?? '';

/** Every Pacemaker-stack finding from the live sections. */
export function pacemakerItems(c: ClusterModel, live: Live): DriftItem[] {
  const items = [
    ...quorumItems(c, live),
    ...constraintItems(c, live),
    ...cibItems(c, live),
    ...fencingItems(c, live),
    ...linkItems(c, live),
    ...qdeviceItems(c, live),
  ];
  const view = crmView(c, live);
  if (view) items.push(...nodeItems(c, view.host, view.status), ...resourceItems(c, view.host, view.xml, view.status));
  else {
    const answered = [c.master, c.slave].filter((n) => live.get(n.name)?.crm_mon);
    if (answered.length) {
      const why = firstLine(live.get(answered[0]!.name)!.crm_mon!.out);
      items.push({
        kind: 'cluster',
        subject: 'pacemaker',
        message: `Pacemaker does not answer on ${answered.map((n) => n.name).join(' or ')}: ${why}`,
      });
    }
  }
  return items;
}

/** The cluster as the first twin that answers crm_mon sees it (the master when it can). */
function crmView(c: ClusterModel, live: Live): { host: string; xml: string; status: CrmStatus } | undefined {
  for (const n of [c.master, c.slave]) {
    const s = live.get(n.name)?.crm_mon;
    if (s?.rc !== 0) continue;
    try {
      return { host: n.name, xml: s.out, status: parseCrmMon(s.out) };
    } catch {
      /* not XML: try the other twin */
    }
  }
  return undefined;
}

function quorumItems(c: ClusterModel, live: Live): DriftItem[] {
  const items: DriftItem[] = [];
  for (const n of members(c)) {
    const s = live.get(n.name)?.quorum;
    if (!s) continue;
    if (!/Quorate:/.test(s.out)) {
      items.push({
        kind: 'cluster',
        host: n.name,
        subject: 'quorum',
        message: `corosync does not answer: ${firstLine(s.out) || `exit ${s.rc}`}`,
      });
      continue;
    }
    const q = parseQuorum(s.out);
    if (!q.quorate)
      items.push({
        kind: 'cluster',
        host: n.name,
        subject: 'quorum',
        message: `quorum lost: ${q.totalVotes} of ${q.expectedVotes} expected votes`,
      });
  }
  return items;
}

function nodeItems(c: ClusterModel, seenFrom: string, st: CrmStatus): DriftItem[] {
  const items: DriftItem[] = [];
  const node = (n: string) => st.nodes.find((x) => x.name === n);
  for (const m of members(c)) {
    const x = node(m.name);
    const base = { kind: 'cluster' as const, host: m.name, subject: 'pacemaker node' };
    if (!x?.online) items.push({ ...base, message: `offline (seen from ${seenFrom})` });
    else if (x.standby) items.push({ ...base, message: 'in standby', hint: `crm_standby -N ${m.name} -D` });
    else if (x.maintenance) items.push({ ...base, message: 'in maintenance mode', hint: `crm_attribute -N ${m.name} -n maintenance -D` });
  }
  if (!st.quorate) items.push({ kind: 'cluster', subject: 'quorum', message: `the partition ${seenFrom} is in has no quorum` });
  return items;
}

function resourceItems(c: ClusterModel, seenFrom: string, xml: string, st: CrmStatus): DriftItem[] {
  const items: DriftItem[] = [];
  const groups = parseGroups(xml);
  const ours = st.resources.filter((r) => r.agent !== 'ocf:linbit:drbd');
  for (const r of ours) {
    const base = { kind: 'cluster' as const, subject: r.id };
    if (r.failed) items.push({ ...base, message: `failed (${r.role || 'unknown role'})`, hint: `crm_resource --cleanup -r ${r.id}` });
    else if (!r.active) items.push({ ...base, message: `not running (seen from ${seenFrom})` });
    if (!r.managed)
      items.push({
        ...base,
        message: 'unmanaged: the cluster neither monitors nor moves it',
        hint: `crm_resource --meta -r ${r.id} -d is-managed`,
      });
  }
  const group = ours.filter((r) => groups.get(r.id) === GROUP_ID && r.active);
  const where = [...new Set(group.flatMap((r) => r.nodes))];
  const twins = [c.master.name, c.slave.name];
  const base = { kind: 'cluster' as const, subject: GROUP_ID };
  if (where.length > 1) {
    items.push({ ...base, message: `split across nodes: ${group.map((r) => `${r.id} on ${r.nodes.join('+')}`).join(', ')}` });
  } else if (where.length === 1 && !twins.includes(where[0]!)) {
    items.push({ ...base, message: `runs on ${where[0]}, which is not a twin` });
  } else if (where[0] === c.slave.name && st.nodes.find((n) => n.name === c.master.name)?.online) {
    items.push({
      ...base,
      message: `runs on ${c.slave.name}, not on ${c.master.name}, the inventory's master (online)`,
      hint:
        'fail back when convenient (a short outage): ' +
        `crm_resource --move -r ${GROUP_ID} -N ${c.master.name} && crm_resource --wait && crm_resource --clear -r ${GROUP_ID}`,
    });
  }
  return [...items, ...lvsGroupItems(c, groups, ours), ...failureItems(xml, st)];
}

/** With a director pair (the three tiers): the LVS group whole on one director (never on a twin or the arbitrator). */
function lvsGroupItems(c: ClusterModel, groups: Map<string, string>, ours: CrmStatus['resources']): DriftItem[] {
  const pair = directors(c).map((n) => n.name);
  if (!pair.length || !c.lvs.length) return [];
  const group = ours.filter((r) => groups.get(r.id) === LVS_GROUP_ID && r.active);
  const where = [...new Set(group.flatMap((r) => r.nodes))];
  const base = { kind: 'cluster' as const, subject: LVS_GROUP_ID };
  if (where.length > 1)
    return [{ ...base, message: `split across nodes: ${group.map((r) => `${r.id} on ${r.nodes.join('+')}`).join(', ')}` }];
  if (where.length === 1 && !pair.includes(where[0]!))
    return [{ ...base, message: `runs on ${where[0]}, which is not a director (${pair.join(', ')})` }];
  return [];
}

/** Fail counts and failed actions, one item per resource and node. */
function failureItems(xml: string, st: CrmStatus): DriftItem[] {
  const byKey = new Map<string, { rsc: string; node: string; count?: number; ops: string[] }>();
  const get = (rsc: string, node: string) => {
    const k = `${rsc}\0${node}`;
    if (!byKey.has(k)) byKey.set(k, { rsc, node, ops: [] });
    return byKey.get(k)!;
  };
  for (const f of parseFailCounts(xml)) get(f.resource, f.node).count = f.count;
  for (const f of st.failures) get(resourceOfOp(f.op), f.node).ops.push(`${f.op}: ${f.status}${f.exitReason ? ` (${f.exitReason})` : ''}`);
  return [...byKey.values()].map((e) => ({
    kind: 'cluster' as const,
    host: e.node,
    subject: e.rsc,
    message: [e.count !== undefined ? `failcount ${e.count}` : '', e.ops.length ? `failed ${e.ops.join('; ')}` : '']
      .filter(Boolean)
      .join(', '),
    hint: `find the cause, then: crm_resource --cleanup -r ${e.rsc} -N ${e.node}`,
  }));
}

function constraintItems(c: ClusterModel, live: Live): DriftItem[] {
  for (const n of [c.master, c.slave]) {
    const s = live.get(n.name)?.constraints;
    if (s?.rc !== 0) continue;
    let list: ReturnType<typeof parseCliConstraints>;
    try {
      list = parseCliConstraints(s.out);
    } catch {
      continue;
    }
    return list.map((k) => ({
      kind: 'cluster' as const,
      subject: k.id,
      message:
        k.kind === 'prefer'
          ? `leftover \`crm_resource --move\`: ${k.resource} is pinned to ${k.node ?? '?'} ` +
            `(score ${k.score ?? '?'})${k.expires ? ` until ${k.expires}` : ''}`
          : `leftover \`crm_resource --ban\`: ${k.resource} is kept off ${k.node ?? '?'}${k.expires ? ` until ${k.expires}` : ''}`,
      hint: `crm_resource --clear -r ${k.resource}`,
    }));
  }
  return [];
}

/** The master's `cib` section: the live configuration and the desired sections, or why not. */
function cibSection(c: ClusterModel, live: Live): { error?: string; live?: string; desired?: Record<CibSection, string> } | undefined {
  const s = live.get(c.master.name)?.cib;
  if (!s) return undefined;
  const [head = '', ...rest] = s.out.split('\n');
  const body = rest.join('\n');
  if (head !== 'state ok') return { error: firstLine(body) || `exit ${s.rc}` };
  const [liveXml = '', resources = '', constraints = '', topology = ''] = body.split(
    /^@@desired-(?:resources|constraints|fencing-topology)\n/m,
  );
  // fencing-topology.xml came with fencing levels: a master bootstrapped before has none (no levels)
  const desired = { resources, constraints, 'fencing-topology': topology.trim() || '<fencing-topology/>' };
  return { live: liveXml, desired: resources.trim() && constraints.trim() ? desired : undefined };
}

/**
 * The elements hactl owns in the live CIB against the desired files on the master: a
 * difference is drift, with the diff of the owned elements. Foreign elements are not
 * (see {@link unmanagedItems}).
 */
function cibItems(c: ClusterModel, live: Live): DriftItem[] {
  const s = cibSection(c, live);
  if (!s) return [];
  if (s.error !== undefined) return [{ kind: 'cluster', host: c.master.name, subject: 'cib', message: `cannot read the CIB: ${s.error}` }];
  // no desired files yet: the check-mode bootstrap names them (files missing)
  if (!s.desired) return [];
  let plan: ReturnType<typeof planCib>;
  try {
    plan = planCib(s.live, s.desired, ownedProperties(clusterProperties(c)));
  } catch (err) {
    return [{ kind: 'cluster', host: c.master.name, subject: 'cib', message: `cannot read the CIB: ${(err as Error).message}` }];
  }
  if (!plan.ops.length && !plan.tag) return [];
  const message = plan.ops.length
    ? `the CIB elements hactl owns differ from what it applies (${plan.summary.replace(/^owned CIB elements: /, '')})`
    : plan.adopted.length
      ? `CIB elements made by an earlier hactl are not marked as owned yet (${plan.adopted.length}; the next bootstrap adopts them)`
      : `the tag ${OWNED_TAG} does not list what hactl owns`;
  return [
    {
      kind: 'cluster',
      host: c.master.name,
      subject: 'cib',
      message,
      diff: plan.diff,
      hint: 'hactl bootstrap (or drift --fix) applies the owned elements only',
    },
  ];
}

/**
 * What the live CIB holds that hactl does not own: informational, never drift (exit 0).
 *
 * @example unmanagedItems(cluster, live) // [{ section: 'resources', kind: 'primitive', id: 'op-dummy' }]
 */
export function unmanagedItems(c: ClusterModel, live: Live): ForeignElement[] {
  const s = cibSection(c, live);
  if (!s?.live) return [];
  try {
    const desired = s.desired ?? { resources: '<resources/>', constraints: '<constraints/>', 'fencing-topology': '<fencing-topology/>' };
    return planCib(s.live, desired, ownedProperties(clusterProperties(c))).foreign;
  } catch {
    return [];
  }
}

/**
 * Several knet links (cluster.links): every link of every voter connected to every other
 * voter that answered. One link down moves nothing, so only drift (or smoke) shows that
 * the cluster is one cable away from a split. A node that did not answer is reported as
 * unreachable already: the links towards it are not counted twice.
 * @example linkItems(cluster, live) // [{ kind: 'cluster', host: 'master', subject: 'link 0 (backplane)', message: 'down to slave …' }]
 */
export function linkItems(c: ClusterModel, live: Live): DriftItem[] {
  if (c.links.length < 2) return [];
  const items: DriftItem[] = [];
  const answered = new Set(c.nodes.filter((n) => live.get(n.name)?.links).map((n) => n.name));
  for (const n of c.nodes) {
    const s = live.get(n.name)?.links;
    if (!s) continue;
    if (s.rc !== 0) {
      items.push({
        kind: 'cluster',
        host: n.name,
        subject: 'corosync links',
        message: `corosync-cfgtool -s failed: ${firstLine(s.out) || `exit ${s.rc}`}`,
      });
      continue;
    }
    const links = parseKnetLinks(s.out);
    c.links.forEach((l, i) => {
      const link = links.find((x) => x.id === i);
      const down = link ? downPeers(link, c.nodes, (x) => answered.has(x)) : [];
      if (link && !down.length) return;
      items.push({
        kind: 'cluster',
        host: n.name,
        subject: `link ${i} (${l.network})`,
        message: link
          ? `corosync link ${i} on ${l.network} is down to ${down.join(', ')}: ` +
            'the cluster runs on its other link(s), one cable from a split'
          : `corosync has no link ${i} (${l.network}): corosync.conf and the running corosync differ`,
        hint: link
          ? `check ${l.network}'s cable, switch and interface on both ends (corosync-cfgtool -s)`
          : 'corosync-cfgtool -R reloads corosync.conf',
      });
    });
  }
  return items;
}

/**
 * A QNetd arbitrator (cluster.arbitrator.mode: qdevice): each twin that answered has its
 * corosync-qdevice connected with the inventory's algorithm, and qnetd on the arbitrator
 * lists the cluster with each twin that answered. One twin's qdevice down leaves the
 * cluster quorate, so only these checks show that the next twin failure loses the tie-break.
 * @example qdeviceItems(cluster, live) // [{ kind: 'cluster', host: 'slave', subject: 'qdevice', message: '… does not run' }]
 */
export function qdeviceItems(c: ClusterModel, live: Live): DriftItem[] {
  const want = c.qdevice?.algorithm;
  if (!want) return [];
  const items: DriftItem[] = [];
  // qnetd must list the twins whose qdevice is fine (one that is not is named once, above)
  const twins: (typeof c.master)[] = [];
  for (const n of [c.master, c.slave]) {
    const s = live.get(n.name)?.qdevice;
    if (!s) continue;
    const problem = qdeviceProblem(parseQdeviceStatus(s.out, s.rc), want);
    if (!problem) twins.push(n);
    else
      items.push({
        kind: 'cluster',
        host: n.name,
        subject: 'qdevice',
        message: problem,
        hint: `service corosync-qdevice restart on ${n.name}; corosync-qdevice-tool -sv shows why it does not connect`,
      });
  }
  const arb = c.arbitrator;
  const q = arb && live.get(arb.name)?.qnetd;
  if (arb && q) {
    const problem = qnetdProblem(parseQnetdClusters(q.out, q.rc), c.name, twins, want);
    if (problem)
      items.push({
        kind: 'cluster',
        host: arb.name,
        subject: 'qnetd',
        message: problem,
        hint: `service corosync-qnetd start on ${arb.name}; corosync-qdevice-tool -sv on the twins`,
      });
  }
  return items;
}
