/**
 * What the inventory declares under `pacemaker:` — primitives of any OCF, systemd, lsb or
 * stonith agent, groups, clones, constraints — as template data beside hactl's built-in
 * resources, and the node-side check of each primitive before anything is applied:
 * the agent must exist (`crm_resource --show-metadata`), every parameter must be one the
 * agent knows, and the agent's own `validate-all` must accept the values
 * (`crm_resource --validate`, OCF and stonith agents). Pure functions; the playbook runs
 * the script and hands the output back to {@link declaredProblems}.
 */
import { formatError, InputError, InputErrors } from '../core/errors.js';
import { mask, revealValue } from '../core/secret.js';
import { quote } from '../core/shell.js';
import { parseXml } from '../core/xml.js';
import { locateField } from '../inventory/load.js';
import type { ClusterModel, DeclaredResource } from '../inventory/model.js';
import { formatPath } from '../inventory/source.js';

interface Nv {
  id: string;
  name: string;
  value: string;
}
const nvs = (prefix: string, map: Record<string, string>): Nv[] =>
  Object.entries(map).map(([name, value]) => ({ id: `${prefix}-${name}`, name, value }));

/** One declared primitive as resources.xml.hbs renders it (every optional field present: strict mode). */
export interface PrimitiveView {
  id: string;
  class: string;
  provider: string;
  type: string;
  params: Nv[];
  meta: Nv[];
  ops: Array<{ id: string; name: string; interval: string; timeout: string; role: string }>;
}

/** Pacemaker's own ids for nested elements follow pcs: `<rsc>-instance_attributes-<name>`, `<rsc>-monitor-interval-10s`. */
function primitiveView(r: DeclaredResource): PrimitiveView {
  return {
    id: r.id,
    class: r.class,
    provider: r.provider ?? '',
    type: r.type,
    // the real values: resources.xml is written 0600 and its diffs are masked
    params: nvs(`${r.id}-instance_attributes`, Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, revealValue(v)]))),
    meta: nvs(`${r.id}-meta_attributes`, r.meta),
    ops: r.ops.map((o) => ({
      id: `${r.id}-${o.name}-interval-${o.interval}${o.role ? `-${o.role}` : ''}`,
      name: o.name,
      interval: o.interval,
      timeout: o.timeout ?? '',
      role: o.role ?? '',
    })),
  };
}

/**
 * The data the templates render for `pacemaker:`: top-level resources (a primitive, a
 * group of primitives, or a clone of either), then the constraints.
 * @example declaredView(model).top[0] // { id: 'web-dummy', primitive: { id: 'web-dummy', class: 'ocf', … }, group: false, clone: false }
 */
export function declaredView(c: ClusterModel): Record<string, unknown> {
  const p = c.pacemaker;
  const prim = new Map(p.resources.map((r) => [r.id, primitiveView(r)]));
  const groupView = (g: (typeof p.groups)[number]) => ({
    id: g.id,
    meta: nvs(`${g.id}-meta_attributes`, g.meta),
    members: g.resources.map((id) => prim.get(id)!),
  });
  const groups = new Map(p.groups.map((g) => [g.id, g]));
  const inside = new Set([...p.groups.flatMap((g) => g.resources), ...p.clones.map((cl) => cl.resource)]);
  const top: Array<Record<string, unknown>> = [];
  const entry = (
    primitive: PrimitiveView | false,
    group: ReturnType<typeof groupView> | false,
    clone: Record<string, unknown> | false,
  ) => ({ primitive, group, clone });
  for (const r of p.resources) if (!inside.has(r.id)) top.push(entry(prim.get(r.id)!, false, false));
  for (const g of p.groups) if (!inside.has(g.id)) top.push(entry(false, groupView(g), false));
  for (const cl of p.clones) {
    const meta = { ...(cl.promotable ? { promotable: 'true' } : {}), ...cl.meta };
    const g = groups.get(cl.resource);
    top.push(
      entry(false, false, {
        id: cl.id,
        meta: nvs(`${cl.id}-meta_attributes`, meta),
        primitive: g ? false : prim.get(cl.resource)!,
        group: g ? groupView(g) : false,
      }),
    );
  }
  return {
    top,
    locations: p.locations,
    colocations: p.colocations.map((x) => ({
      id: x.id,
      resource: x.resource,
      with_rsc: x.with,
      score: x.score,
      role: x.role ?? '',
      with_role: x.withRole ?? '',
    })),
    orders: p.orders.map((o) => ({ ...o, first_action: o.firstAction, then_action: o.thenAction })),
  };
}

/** `class:provider:type` or `class:type`, as crm_resource --show-metadata takes it. */
const agentSpec = (r: DeclaredResource): string => (r.provider ? `${r.class}:${r.provider}:${r.type}` : `${r.class}:${r.type}`);
const MARK = '@@hactl-declared';

/**
 * The node-side check of every declared primitive, one `sh -s` round trip (the script on
 * stdin: parameters may hold credentials, which must not show on a command line). For each
 * resource it prints a marker line, the agent's metadata (or why there is none) and, for
 * OCF and stonith agents, what `crm_resource --validate` said and its exit code.
 * @example declaredCheckScript(model) // 'crm_resource --show-metadata ocf:heartbeat:Dummy …'
 */
export function declaredCheckScript(c: ClusterModel): string {
  // a node not provisioned yet (plan before the first bootstrap): nothing to ask
  const lines: string[] = [`command -v crm_resource >/dev/null 2>&1 || { echo '${MARK} unavailable'; exit 0; }`];
  c.pacemaker.resources.forEach((r, i) => {
    lines.push(`echo '${MARK} ${i} metadata'`, `crm_resource --show-metadata ${quote(agentSpec(r))} 2>&1; echo "${MARK} rc $?"`);
    if (r.class !== 'ocf' && r.class !== 'stonith') return;
    const opts = Object.entries(r.params).map(([k, v]) => `--option ${quote(`${k}=${revealValue(v)}`)}`);
    lines.push(
      `echo '${MARK} ${i} validate'`,
      `crm_resource --validate --class ${quote(r.class)}${r.provider ? ` --provider ${quote(r.provider)}` : ''} ` +
        `--agent ${quote(r.type)} ${opts.join(' ')} 2>&1; echo "${MARK} rc $?"`,
    );
  });
  return lines.join('\n') + '\n';
}

/** Parameter names a metadata document declares (`<parameter name="…">`), or undefined when it is not XML. */
export function metadataParameters(xml: string): string[] | undefined {
  const start = xml.indexOf('<resource-agent');
  if (start < 0) return undefined;
  try {
    const doc = parseXml(xml.slice(start));
    return (
      doc.children
        .find((e) => e.name === 'parameters')
        ?.children.filter((e) => e.name === 'parameter')
        .map((e) => e.attrs.name ?? '') ?? []
    );
  } catch {
    return undefined;
  }
}

/** A problem of one declared resource, found on the node. */
export interface DeclaredProblem {
  /** inventory field path, e.g. ['pacemaker', 'resources', 0, 'agent'] */
  path: Array<string | number>;
  message: string;
  output?: string;
  hint?: string;
}

// parameters every OCF agent takes (ocf-shellfuncs), and Pacemaker's own for fence devices
const ALWAYS_KNOWN = (cls: string, name: string): boolean =>
  name === 'trace_ra' || name === 'trace_file' || (cls === 'stonith' && name.startsWith('pcmk_'));

/**
 * Reads the output of {@link declaredCheckScript}: an agent the node does not have, a
 * parameter the agent does not declare, or values its validate-all refuses.
 * @param host where it ran, for messages
 */
export function declaredProblems(c: ClusterModel, output: string, host: string): DeclaredProblem[] {
  if (output.includes(`${MARK} unavailable`)) return [];
  const parts = new Map<string, { text: string; rc: number }>();
  const re = new RegExp(`^${MARK} (\\d+) (metadata|validate)\\n([\\s\\S]*?)^${MARK} rc (\\d+)$`, 'gm');
  for (const m of output.matchAll(re)) parts.set(`${m[1]} ${m[2]}`, { text: m[3]!.trim(), rc: Number(m[4]) });
  const out: DeclaredProblem[] = [];
  c.pacemaker.resources.forEach((r, i) => {
    const at = (...rest: Array<string | number>) => ['pacemaker', 'resources', i, ...rest];
    const meta = parts.get(`${i} metadata`);
    if (!meta) {
      out.push({ path: at('agent'), message: `could not check resource agent ${r.agent} of ${r.id} on ${host}: no answer`, output });
      return;
    }
    if (meta.rc !== 0) {
      out.push({
        path: at('agent'),
        message: `resource agent ${r.agent} (of ${r.id}) is not installed on ${host}`,
        output: meta.text.split('\n')[0],
        hint:
          `check the spelling (crm_resource --list-agents ${r.class}${r.provider ? `:${r.provider}` : ''}) ` +
          'or install the package that provides it',
      });
      return;
    }
    const known = metadataParameters(meta.text);
    if (known && (r.class === 'ocf' || r.class === 'stonith')) {
      for (const name of Object.keys(r.params)) {
        if (known.includes(name) || ALWAYS_KNOWN(r.class, name)) continue;
        out.push({
          path: at('params', name),
          message: `${r.agent} has no parameter "${name}" (resource ${r.id})`,
          hint: `its parameters: ${known.join(', ') || 'none'}`,
        });
      }
    }
    const v = parts.get(`${i} validate`);
    if (v && v.rc !== 0) {
      out.push({
        path: at('params'),
        message: `${r.agent} refuses the parameters of ${r.id} (crm_resource --validate, exit ${v.rc})`,
        output: v.text,
        hint: "the agent's own validate-all said so: fix the values under params",
      });
    }
  });
  return out;
}

/**
 * Every id in the rendered resources and constraints, unique (Pacemaker's schema demands
 * it; the inventory checks cover hactl's top-level ids, this covers the nested ones too).
 * @throws InputError naming the id
 */
export function assertUniqueIds(c: ClusterModel, ...xml: string[]): void {
  const seen = new Set<string>();
  for (const text of xml) {
    for (const m of text.matchAll(/\sid="([^"]*)"/g)) {
      if (!seen.has(m[1]!)) {
        seen.add(m[1]!);
        continue;
      }
      throw new InputError(`the CIB hactl would write holds the id "${m[1]}" twice`, {
        location: c.source,
        hint:
          'a declared id under pacemaker: (or one derived from it, such as <id>-instance_attributes) ' +
          "equals another element's id: rename it",
      });
    }
  }
}

/**
 * The problems as one error (exit 2: the inventory must change): the first problem in the
 * message, every problem in the output with the inventory's file:line of its field (the
 * runtime shows a failed host's message and output), or undefined when there are none.
 */
export function declaredError(c: ClusterModel, problems: DeclaredProblem[]): InputError | undefined {
  if (!problems.length) return undefined;
  const located = new InputErrors(
    problems.map(
      (p) =>
        new InputError(p.message, {
          location: locateField(c.source, p.path),
          field: formatPath(p.path),
          ...(p.output ? { output: mask(p.output) } : {}),
          ...(p.hint ? { hint: p.hint } : {}),
        }),
    ),
  );
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new InputError(`refused before anything was applied: ${problems[0]!.message}${more}`, {
    location: located.errors[0]!.details.location,
    field: located.errors[0]!.details.field,
    output: formatError(located),
  });
}
