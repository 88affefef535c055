/**
 * The owned CIB elements of a generation (`hactl rollback`): from the configuration a run
 * kept before its patch (cib-before.xml), the elements its `hactl-owned` tag listed, as
 * desired sections for {@link planCib} — so a rollback goes through the same owned-only,
 * shadow-verified, one-patch path as any change.
 */
import { type CibSection, readConfiguration, SECTIONS } from './cib.js';

/**
 * The owned elements of `configXml`, as `<resources>…</resources>` and `<constraints>…</constraints>`
 * (their exact text); undefined when the configuration has no hactl-owned tag (nothing is known to be hactl's).
 * @example ownedSections(cibBefore)?.resources // '<resources>\n<group id="ha-services">…</group>\n</resources>'
 */
export function ownedSections(configXml: string): Record<CibSection, string> | undefined {
  const { elements, tagIds } = readConfiguration(configXml);
  if (tagIds === undefined) return undefined;
  const out = {} as Record<CibSection, string>;
  for (const section of SECTIONS) {
    // in the tag's order, not the CIB's: planCib writes the tag in desired order, and an
    // element added later (a fence device) sits after the group in the CIB but not in the tag
    const els = tagIds.map((id) => elements.find((e) => e.id === id && e.section === section)).filter((e) => e !== undefined);
    out[section] = `<${section}>\n${els.map((e) => e.xml).join('\n')}\n</${section}>`;
  }
  return out;
}
