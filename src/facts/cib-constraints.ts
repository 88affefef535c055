/**
 * Leftover `crm_resource --move/--ban` constraints in the live CIB (cli-prefer-*,
 * cli-ban-*): drift reports them, `hactl clear` removes them.
 */
import { child, findAll, parseXml } from '../core/xml.js';

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
