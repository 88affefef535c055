import { child, findAll, parseXml } from '../core/xml.js';
import type { Fact } from './fact.js';

/** What `crm_mon --output-as=xml` says about the cluster, reduced to what hactl checks. */
export interface CrmStatus {
  dc?: string;
  quorate: boolean;
  nodes: { name: string; id: string; online: boolean; standby: boolean; maintenance: boolean }[];
  resources: { id: string; agent: string; role: string; active: boolean; failed: boolean; managed: boolean; nodes: string[] }[];
  failures: { op: string; node: string; exitReason: string; status: string }[];
}

export const CRM_MON_COMMAND = 'crm_mon -1 --output-as=xml';

/** {@link CRM_MON_COMMAND} as a fact: undefined while Pacemaker does not answer (starting, stopped). */
export const CRM_MON: Fact<CrmStatus | undefined> = {
  command: `${CRM_MON_COMMAND} 2>/dev/null`,
  parse(out, code) {
    if (code !== 0 || !out.trim()) return undefined;
    try {
      return parseCrmMon(out);
    } catch {
      return undefined;
    }
  },
};

/**
 * Every one of `names` online and the partition quorate: true, else what is missing.
 * @example clusterFormed(['a', 'b'])(status) // 'waiting for: b online' or true
 */
export const clusterFormed =
  (names: string[]) =>
  (st: CrmStatus | undefined): true | string => {
    if (!st) return 'Pacemaker does not answer yet';
    const offline = names.filter((n) => !st.nodes.some((x) => x.name === n && x.online));
    const why = [...(st.quorate ? [] : ['no quorum']), ...(offline.length ? [`${offline.join(', ')} not online`] : [])];
    return why.length ? why.join(', ') : true;
  };

/** Pure parser for {@link CRM_MON_COMMAND}'s output. */
export function parseCrmMon(xml: string): CrmStatus {
  const doc = parseXml(xml);
  const summary = child(doc, 'summary');
  const dc = summary && child(summary, 'current_dc');
  const nodesEl = child(doc, 'nodes');
  const resEl = child(doc, 'resources');
  const failEl = child(doc, 'failures');
  return {
    dc: dc?.attrs.present === 'true' ? dc.attrs.name : undefined,
    quorate: dc?.attrs.with_quorum === 'true',
    nodes: (nodesEl?.children ?? [])
      .filter((n) => n.name === 'node')
      .map((n) => ({
        name: n.attrs.name ?? '',
        id: n.attrs.id ?? '',
        online: n.attrs.online === 'true',
        standby: n.attrs.standby === 'true',
        maintenance: n.attrs.maintenance === 'true',
      })),
    resources: resEl
      ? findAll(resEl, 'resource').map((r) => ({
          id: r.attrs.id ?? '',
          agent: r.attrs.resource_agent ?? '',
          role: r.attrs.role ?? '',
          active: r.attrs.active === 'true',
          failed: r.attrs.failed === 'true',
          managed: r.attrs.managed !== 'false',
          nodes: r.children.filter((c) => c.name === 'node').map((c) => c.attrs.name ?? ''),
        }))
      : [],
    failures: (failEl?.children ?? []).map((f) => ({
      op: f.attrs.op_key ?? f.attrs.task ?? '',
      node: f.attrs.node ?? '',
      exitReason: f.attrs.exitreason ?? '',
      status: f.attrs.exitstatus ?? f.attrs.status ?? '',
    })),
  };
}

export interface FailCount {
  resource: string;
  node: string;
  count: number;
  lastFailure?: string;
}

/** Fail counts from {@link CRM_MON_COMMAND}'s output (node_history, which the XML output always has). */
export function parseFailCounts(crmMonXml: string): FailCount[] {
  const history = child(parseXml(crmMonXml), 'node_history');
  if (!history) return [];
  const out: FailCount[] = [];
  for (const node of history.children.filter((n) => n.name === 'node')) {
    for (const r of node.children.filter((c) => c.name === 'resource_history')) {
      const count = failCountValue(r.attrs['fail-count']);
      if (count > 0) out.push({ resource: r.attrs.id ?? '', node: node.attrs.name ?? '', count, lastFailure: r.attrs['last-failure'] });
    }
  }
  return out;
}

const failCountValue = (v: string | undefined): number => (v === undefined ? 0 : /INFINITY/i.test(v) ? Infinity : Number(v) || 0);

/** Resource id → id of the group it belongs to, from crm_mon's resources section. */
export function parseGroups(crmMonXml: string): Map<string, string> {
  const res = child(parseXml(crmMonXml), 'resources');
  const out = new Map<string, string>();
  for (const g of res ? findAll(res, 'group') : []) {
    for (const r of findAll(g, 'resource')) out.set(r.attrs.id ?? '', g.attrs.id ?? '');
  }
  return out;
}

/** The resource a failed operation belongs to: op keys are RSC_TASK_INTERVAL and ids may hold `_`. */
export function resourceOfOp(opKey: string): string {
  const parts = opKey.split('_');
  return parts.length >= 3 ? parts.slice(0, -2).join('_') : opKey;
}

/** The resource group's state from crm_mon: every member started on one node, or not. */
export interface GroupPlacement {
  /** the node running every member, when all run together */
  node?: string;
  running: boolean;
  /** members not started */
  stopped: string[];
  /** nodes where a member's start (or another op) failed */
  failedOn: string[];
  /** those failures, e.g. "svc-apache2_start_0 on master: error" */
  failures: string[];
}

/**
 * Reads where the group runs from `crm_mon --output-as=xml`.
 * @example placementOf(xml, 'ha-services').node // 'master'
 */
export function placementOf(crmMonXml: string, group: string): GroupPlacement {
  const doc = parseXml(crmMonXml);
  const res = child(doc, 'resources');
  const g = res ? findAll(res, 'group').find((x) => x.attrs.id === group) : undefined;
  const members = g ? findAll(g, 'resource') : [];
  const ids = new Set(members.map((m) => m.attrs.id ?? ''));
  const nodes = [...new Set(members.flatMap((m) => m.children.filter((c) => c.name === 'node').map((c) => c.attrs.name ?? '')))];
  const stopped = members.filter((m) => m.attrs.active !== 'true').map((m) => m.attrs.id ?? '');
  const st = parseCrmMon(crmMonXml);
  const failed = st.failures.filter((f) => ids.has(resourceOfOp(f.op)));
  const failedOn = [...new Set(failed.map((f) => f.node))];
  const running = members.length > 0 && stopped.length === 0 && nodes.length === 1;
  const failures = failed.map((f) => `${f.op} on ${f.node}: ${f.status}${f.exitReason ? ` (${f.exitReason})` : ''}`);
  return { node: running ? nodes[0] : undefined, running, stopped, failedOn, failures };
}
