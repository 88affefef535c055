/**
 * Pure parsers for the Pacemaker state drift reads beyond src/facts/crm-mon.ts: leftover
 * `crm_resource --move/--ban` constraints in the CIB, fail counts, and group membership.
 */
import { child, findAll, parseXml } from '../../core/xml.js';

/** Read-only: the constraints section of the live CIB. */
export const CONSTRAINTS_COMMAND = 'cibadmin -Q --scope constraints';

/** A location constraint left by `crm_resource --move` (cli-prefer-*) or `--ban` (cli-ban-*). */
export interface CliConstraint {
  id: string;
  resource: string;
  kind: 'prefer' | 'ban';
  /** the node it pins the resource to (prefer) or keeps it off (ban) */
  node?: string;
  score?: string;
  /** end of a `--lifetime`, when given */
  expires?: string;
}

/**
 * @example
 *   parseCliConstraints('<constraints><rsc_location id="cli-prefer-vip" rsc="vip" node="slave" score="INFINITY"/></constraints>')
 *   // [{ id: 'cli-prefer-vip', resource: 'vip', kind: 'prefer', node: 'slave', score: 'INFINITY' }]
 */
export function parseCliConstraints(xml: string): CliConstraint[] {
  const doc = parseXml(xml);
  const all = doc.name === 'rsc_location' ? [doc] : findAll(doc, 'rsc_location');
  return all
    .filter((l) => /^cli-(prefer|ban)-/.test(l.attrs.id ?? ''))
    .map((l) => {
      // with --lifetime the node and score sit in a rule: #uname eq NODE, plus a date_expression
      const rule = child(l, 'rule');
      const expr = rule ? findAll(rule, 'expression').find((e) => e.attrs.attribute === '#uname') : undefined;
      const date = rule ? findAll(rule, 'date_expression')[0] : undefined;
      return {
        id: l.attrs.id ?? '',
        resource: l.attrs.rsc ?? '',
        kind: (l.attrs.id ?? '').startsWith('cli-ban-') ? ('ban' as const) : ('prefer' as const),
        node: l.attrs.node ?? expr?.attrs.value,
        score: l.attrs.score ?? rule?.attrs.score,
        expires: date?.attrs.end,
      };
    });
}

export interface FailCount {
  resource: string;
  node: string;
  count: number;
  lastFailure?: string;
}

/** Fail counts from `crm_mon --output-as=xml` (node_history, which the XML output always has). */
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
