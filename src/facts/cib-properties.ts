/**
 * The cluster properties (crm_config) of the live CIB: what the cluster runs with, e.g.
 * stonith-enabled and stonith-watchdog-timeout. Read-only.
 */
import { parseXml } from '../core/xml.js';

export const CIB_PROPERTIES_COMMAND = 'cibadmin -Q --scope crm_config';

/**
 * Pure parser for {@link CIB_PROPERTIES_COMMAND}: name → value of every nvpair in every
 * cluster_property_set (the first set that names a property wins); undefined when the
 * output is not a crm_config (cibadmin failed).
 * @example parseCibProperties('<crm_config><cluster_property_set id="o"><nvpair id="a" name="stonith-enabled" value="false"/>…')
 *   // { 'stonith-enabled': 'false' }
 */
export function parseCibProperties(out: string): Record<string, string> | undefined {
  let root: ReturnType<typeof parseXml> | undefined;
  try {
    root = parseXml(out);
  } catch {
    return undefined;
  }
  if (root?.name !== 'crm_config') return undefined;
  const props: Record<string, string> = {};
  for (const set of root.children.filter((s) => s.name === 'cluster_property_set'))
    for (const nv of set.children)
      if (nv.name === 'nvpair' && nv.attrs.name !== undefined && !(nv.attrs.name in props)) props[nv.attrs.name] = nv.attrs.value ?? '';
  return props;
}
