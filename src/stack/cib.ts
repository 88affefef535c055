/**
 * The CIB is shared: hactl changes only the elements it owns. Ownership is written in the
 * CIB itself, as one Pacemaker tag, `<tag id="hactl-owned">`, whose `obj_ref`s name the
 * top-level resources, constraints and fencing levels hactl made (docs/cib.md says why a tag). Everything
 * else — operators' resources, constraints, tags, properties, defaults, alerts — is
 * foreign: never part of a patch, listed by drift as "not managed by hactl".
 *
 * Pure functions: the live configuration (`cibadmin -Q --scope configuration`) and the
 * desired sections (the rendered templates) in, a plan out — per-element operations, the
 * ids adopted from an earlier hactl (no tag yet), the foreign elements and a diff of the
 * owned elements. {@link cibApplyScript} turns the operations into the node-side script.
 */
import { twoFilesPatch } from '../core/diff.js';
import { mask } from '../core/secret.js';
import { quote } from '../core/shell.js';
import { parseXml, type XmlElement } from '../core/xml.js';

export const OWNED_TAG = 'hactl-owned';
export const SECTIONS = ['resources', 'constraints', 'fencing-topology'] as const;
export type CibSection = (typeof SECTIONS)[number];

/** Properties Pacemaker writes itself: neither hactl's nor an operator's. */
const PACEMAKER_PROPERTIES = new Set(['dc-version', 'cluster-infrastructure', 'cluster-name', 'have-watchdog', 'last-lrm-refresh']);

/**
 * The id of the short `dc-deadtime` a fresh cluster's first CIB carries until it has formed
 * (src/stack/pacemaker.ts, {@link FORMATION_DC_DEADTIME}): hactl's own transient, removed by
 * the run that formed the cluster (or the next one), never listed as foreign.
 */
export const FORMATION_NVPAIR_ID = 'hactl-formation-dc-deadtime';

export interface CibElement {
  section: CibSection;
  /** element name: primitive, group, clone, rsc_location … */
  name: string;
  id: string;
  el: XmlElement;
  /** its exact text in the XML it was read from */
  xml: string;
}

/** An element of the live configuration hactl does not own. */
export interface ForeignElement {
  /** resources, constraints, tags, crm_config, rsc_defaults, op_defaults, or another section */
  section: string;
  /** element name, or `property` for an nvpair of a property set */
  kind: string;
  id: string;
  /** for properties: name=value */
  detail?: string;
}

export interface CibOp {
  op: 'create' | 'replace' | 'delete';
  section: CibSection;
  name: string;
  id: string;
  /** the desired element's XML (create, replace) */
  xml?: string;
}

export interface CibPlan {
  /** in the order the apply script runs them (the tag's replacement is separate) */
  ops: CibOp[];
  /** the tag must be written (new, or its list of ids changes) */
  tag: boolean;
  /** the ids hactl owns once applied (the tag's list), in desired order */
  owned: string[];
  /** ids of unmarked live elements that hactl declares: they become owned (an earlier hactl made them) */
  adopted: string[];
  foreign: ForeignElement[];
  /** unified diff of the owned elements (and the tag), live → desired; '' when equal */
  diff: string;
  /** one line: what changes */
  summary: string;
}

/** The top-level elements of one section, with their exact text. */
export function topLevel(sectionXml: string | undefined, section: CibSection): CibElement[] {
  // a section the caller does not have (a desired file of an older hactl) holds nothing
  if (!sectionXml?.trim()) return [];
  const doc = parseXml(sectionXml);
  const root = doc.name === section ? doc : doc.children.find((c) => c.name === section);
  if (!root) return [];
  return root.children.map((el) => ({ section, name: el.name, id: el.attrs.id ?? '', el, xml: sectionXml.slice(el.start, el.end) }));
}

/** Structural form: attribute order and whitespace between elements do not count (as for crm_diff). */
export function canonical(el: XmlElement): string {
  const attrs = Object.keys(el.attrs)
    .sort()
    .map((k) => `${k}=${JSON.stringify(el.attrs[k])}`)
    .join(' ');
  const text = el.text.trim();
  return `<${el.name} ${attrs}>${text ? JSON.stringify(text) : ''}${el.children.map(canonical).join('')}</${el.name}>`;
}

const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Re-indents an element (attributes in their own order), so live and desired diff line by line. */
export function pretty(el: XmlElement, indent = ''): string {
  const attrs = Object.entries(el.attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  const text = el.text.trim();
  if (!el.children.length && !text) return `${indent}<${el.name}${attrs}/>\n`;
  if (!el.children.length) return `${indent}<${el.name}${attrs}>${esc(text)}</${el.name}>\n`;
  return `${indent}<${el.name}${attrs}>\n${el.children.map((c) => pretty(c, indent + '  ')).join('')}${indent}</${el.name}>\n`;
}

/** The live configuration, read: top-level elements, the owned tag's ids, the rest. */
export function readConfiguration(configXml: string): { elements: CibElement[]; tagIds: string[] | undefined; config: XmlElement } {
  const config = parseXml(configXml);
  const elements: CibElement[] = [];
  for (const section of SECTIONS) {
    const root = config.children.find((c) => c.name === section);
    for (const el of root?.children ?? [])
      elements.push({ section, name: el.name, id: el.attrs.id ?? '', el, xml: configXml.slice(el.start, el.end) });
  }
  const tag = config.children.find((c) => c.name === 'tags')?.children.find((t) => t.name === 'tag' && t.attrs.id === OWNED_TAG);
  const tagIds = tag?.children.filter((r) => r.name === 'obj_ref').map((r) => r.attrs.id ?? '');
  return { elements, tagIds, config };
}

/**
 * What the live CIB holds that hactl does not own: top-level resources and constraints
 * outside the tag (leftover `crm_resource --move/--ban` constraints are drift of their
 * own, not listed here), other tags, and properties or defaults hactl does not set.
 *
 * @param owned the ids hactl owns or adopts
 * @param hactlProperties names hactl sets, by set (`crm_config`, `rsc_defaults`)
 */
export function foreignElements(config: XmlElement, owned: Set<string>, hactlProperties: Record<string, string[]>): ForeignElement[] {
  const out: ForeignElement[] = [];
  for (const section of SECTIONS) {
    for (const el of config.children.find((c) => c.name === section)?.children ?? []) {
      const id = el.attrs.id ?? '';
      if (owned.has(id) || /^cli-(prefer|ban)-/.test(id)) continue;
      out.push({ section, kind: el.name, id });
    }
  }
  for (const t of config.children.find((c) => c.name === 'tags')?.children ?? []) {
    if (t.attrs.id !== OWNED_TAG) out.push({ section: 'tags', kind: t.name, id: t.attrs.id ?? '' });
  }
  for (const section of ['crm_config', 'rsc_defaults', 'op_defaults']) {
    const ours = new Set(hactlProperties[section] ?? []);
    for (const set of config.children.find((c) => c.name === section)?.children ?? []) {
      for (const nv of set.children.filter((n) => n.name === 'nvpair')) {
        const name = nv.attrs.name ?? '';
        if (ours.has(name) || (section === 'crm_config' && (PACEMAKER_PROPERTIES.has(name) || nv.attrs.id === FORMATION_NVPAIR_ID)))
          continue;
        out.push({ section, kind: 'property', id: nv.attrs.id ?? '', detail: `${name}=${nv.attrs.value ?? ''}` });
      }
    }
  }
  const known = new Set<string>(['crm_config', 'nodes', ...SECTIONS, 'tags', 'rsc_defaults', 'op_defaults']);
  for (const s of config.children.filter((c) => !known.has(c.name))) {
    for (const el of s.children) out.push({ section: s.name, kind: el.name, id: el.attrs.id ?? '' });
  }
  return out;
}

/**
 * The owned-only change from the live configuration to the desired sections.
 *
 * Ownership: the ids in the live tag, plus (adoption) unmarked live elements whose id
 * hactl declares — a CIB made by hactl before the tag existed. An owned id hactl no longer
 * declares is deleted; a declared one is created or, when it differs, replaced.
 *
 * @param live `cibadmin -Q --scope configuration`, or undefined when there is no CIB to read yet
 * @example
 *   planCib(live, { resources, constraints }).ops
 *   // [{ op: 'replace', section: 'resources', name: 'group', id: 'ha-services', xml: '<group id="ha-services">…' }]
 */
export function planCib(
  live: string | undefined,
  desired: Record<CibSection, string>,
  hactlProperties: Record<string, string[]> = {},
): CibPlan {
  const want = SECTIONS.flatMap((s) => topLevel(desired[s], s));
  const wantIds = new Set(want.map((e) => e.id));
  const read = live === undefined ? { elements: [], tagIds: undefined, config: parseXml('<configuration/>') } : readConfiguration(live);
  const tagIds = new Set(read.tagIds ?? []);
  const byId = new Map(read.elements.map((e) => [e.id, e]));
  const adopted = read.elements.filter((e) => !tagIds.has(e.id) && wantIds.has(e.id)).map((e) => e.id);
  const owned = read.elements.filter((e) => tagIds.has(e.id) || wantIds.has(e.id));

  const ops: CibOp[] = [];
  // deletions first (levels and constraints before the resources they name), then resources,
  // constraints, levels
  for (const section of ['fencing-topology', 'constraints', 'resources'] as const) {
    for (const e of owned.filter((x) => x.section === section && !wantIds.has(x.id)))
      ops.push({ op: 'delete', section, name: e.name, id: e.id });
  }
  for (const w of want) {
    const have = byId.get(w.id);
    if (have && have.section === w.section && have.name === w.name) {
      if (canonical(have.el) !== canonical(w.el)) ops.push({ op: 'replace', section: w.section, name: w.name, id: w.id, xml: w.xml });
      continue;
    }
    // same id as another kind of element (or in the other section): swap it whole
    if (have) ops.splice(0, 0, { op: 'delete', section: have.section, name: have.name, id: have.id });
    ops.push({ op: 'create', section: w.section, name: w.name, id: w.id, xml: w.xml });
  }
  const tagWanted = want.map((e) => e.id);
  const tag = read.tagIds === undefined || read.tagIds.join('\0') !== tagWanted.join('\0');

  const tagText = (ids: string[] | undefined): string =>
    ids === undefined ? '' : pretty(parseXml(`<tag id="${OWNED_TAG}">${ids.map((i) => `<obj_ref id="${esc(i)}"/>`).join('')}</tag>`));
  const liveText =
    [...want.map((w) => byId.get(w.id)).filter((e): e is CibElement => Boolean(e)), ...owned.filter((e) => !wantIds.has(e.id))]
      .map((e) => pretty(e.el))
      .join('') + tagText(read.tagIds);
  const wantText = want.map((w) => pretty(w.el)).join('') + tagText(tagWanted);
  // the desired resources hold fence credentials: masked, as every revealed secret is
  const diff =
    ops.length || tag
      ? mask(
          twoFilesPatch('live CIB (hactl-owned elements)', 'desired (inventory)', liveText, wantText)
            .replace(/^=+\n/, '')
            .replace(/^(---|\+\+\+) (.*?)\t$/gm, '$1 $2'),
        )
      : '';
  const count = (op: CibOp['op']) => ops.filter((o) => o.op === op).length;
  const parts = [
    count('create') && `create ${count('create')}`,
    count('replace') && `replace ${count('replace')}`,
    count('delete') && `delete ${count('delete')}`,
    adopted.length && `adopt ${adopted.join(', ')}`,
    tag && !adopted.length && !ops.length && `mark owned elements in tag ${OWNED_TAG}`,
  ].filter(Boolean);
  return {
    ops,
    tag,
    adopted,
    owned: tagWanted,
    foreign: foreignElements(read.config, new Set([...tagIds, ...wantIds]), hactlProperties),
    diff,
    summary: parts.length ? `owned CIB elements: ${parts.join(', ')}` : 'the CIB elements hactl owns match the inventory',
  };
}

/** One foreign element for people: `primitive op-dummy (resources)`, `property operator-note=hello (crm_config)`. */
export function describeForeign(f: ForeignElement): string {
  return `${f.kind} ${f.detail ?? f.id} (${f.section})`;
}

/** A heredoc delimiter that no line of the XML equals (inventory values hold no newlines, but be sure). */
function heredoc(xml: string, n: number): string {
  let tag = `HACTL_CIB_${n}`;
  while (xml.split('\n').includes(tag)) tag += '_';
  return `<<'${tag}'\n${xml}\n${tag}`;
}

/**
 * The node-side script (run with `sh -s`, the script on stdin: the XML can hold fence
 * credentials, which must not show on a command line): a shadow copy of the live CIB gets
 * the per-element operations and the tag, crm_verify checks it (errors refuse, exit 97,
 * the live CIB untouched), then `crm_diff --no-version` between the shadow before and after
 * is the patch — owned elements only, by construction — applied in one `cibadmin --patch`,
 * so the cluster never sees half a change and foreign elements are never written.
 *
 * @param tagIds the owned ids, when the tag must be written (else undefined)
 * @param saveBefore where to keep the configuration as it was before the patch (the run's
 *   generation, `hactl rollback`), written only when the patch is applied
 * @example cibApplyScript(plan.ops, plan.tag ? plan.owned : undefined, '/var/lib/hactl/cib')
 */
export function cibApplyScript(ops: CibOp[], tagIds: string[] | undefined, workDir: string, saveBefore?: string): string {
  let n = 0;
  const lines = [
    'set -e',
    'umask 077',
    'shadow=hactl-$$',
    `dir=$(mktemp -d ${workDir}/.apply-XXXXXX)`,
    'cleanup() { CIB_shadow= crm_shadow --batch --force --delete $shadow >/dev/null 2>&1 || true; rm -rf "$dir"; }',
    'trap cleanup EXIT',
    'crm_shadow --batch --force --create $shadow >/dev/null 2>&1',
    'export CIB_shadow=$shadow',
    'cibadmin -Q > "$dir/before.xml"',
  ];
  if (saveBefore) lines.push('cibadmin -Q --scope configuration > "$dir/config-before.xml"');
  for (const o of ops) {
    if (o.op === 'delete') lines.push(`cibadmin --delete --xml-pipe ${heredoc(`<${o.name} id="${esc(o.id)}"/>`, n++)}`);
    else if (o.op === 'create' && o.section === 'fencing-topology')
      // a CIB has no fencing-topology section until something makes one: the first level does
      lines.push(
        'if cibadmin -Q --scope fencing-topology >/dev/null 2>&1; then',
        `  cibadmin --create --scope fencing-topology --xml-pipe ${heredoc(o.xml!, n++)}`,
        `else cibadmin --create --scope configuration --xml-pipe ${heredoc(`<fencing-topology>${o.xml!}</fencing-topology>`, n++)}`,
        'fi',
      );
    else lines.push(`cibadmin --${o.op} --scope ${o.section} --xml-pipe ${heredoc(o.xml!, n++)}`);
  }
  if (tagIds) {
    // replaced in place when it exists (Pacemaker does not check obj_ref ids: order is free)
    const tag = `<tag id="${OWNED_TAG}">${tagIds.map((i) => `<obj_ref id="${esc(i)}"/>`).join('')}</tag>`;
    const ownedTag = `"/cib/configuration/tags/tag[@id='${OWNED_TAG}']"`;
    lines.push(
      `if cibadmin -Q --xpath ${ownedTag} >/dev/null 2>&1; then cibadmin --replace --scope tags --xml-pipe ${heredoc(tag, n++)}`,
      `elif cibadmin -Q --scope tags >/dev/null 2>&1; then cibadmin --create --scope tags --xml-pipe ${heredoc(tag, n++)}`,
      `else cibadmin --create --scope configuration --xml-pipe ${heredoc(`<tags>${tag}</tags>`, n++)}`,
      'fi',
    );
  }
  lines.push(
    // crm_verify exits non-zero for warnings too ("config may not be valid"): only errors refuse
    `out=$(crm_verify -L 2>&1) || if ! printf '%s' "$out" | grep -q 'Warnings found'; then printf '%s\\n' "$out" >&2; exit 97; fi`,
    'cibadmin -Q > "$dir/after.xml"',
    'unset CIB_shadow',
    'rc=0; crm_diff --no-version -o "$dir/before.xml" -n "$dir/after.xml" > "$dir/patch.xml" || rc=$?',
    '[ $rc -eq 0 ] && exit 0',
    '[ $rc -eq 1 ] || { cat "$dir/patch.xml" >&2; exit $rc; }',
    ...(saveBefore ? [`mkdir -p "$(dirname ${quote(saveBefore)})" && cp "$dir/config-before.xml" ${quote(saveBefore)}`] : []),
    'cibadmin --patch --xml-file "$dir/patch.xml"',
  );
  return lines.join('\n') + '\n';
}
