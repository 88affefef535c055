/**
 * Cross-field checks the schema cannot express: roles, uniqueness, addresses inside the
 * network, DRBD numbering, references between sections and timing relations.
 * Every error points at the YAML field that has to change.
 */
import type { InputError } from '../core/errors.js';
import { isSecret } from '../core/secret.js';
import { type ClusterModel, directors, type Stack } from './model.js';
import { type Cidr, formatIpv4, inNetwork, isReservedInNetwork, parseCidr } from './net.js';
import type { RawInventory } from './raw.js';
import { type DraftModel, drbdMinorOf } from './resolve.js';
import { checkLinks } from './semantic-links.js';
import { checkLvm } from './semantic-lvm.js';
import { checkServiceKinds } from './semantic-services.js';
import type { FieldPath, SourceMap } from './source.js';
import { suggest } from './suggest.js';

export interface Ctx {
  raw: RawInventory;
  m: DraftModel;
  errors: InputError[];
  err(path: FieldPath, message: string, hint?: string): void;
}

/**
 * Runs every semantic check on a schema-valid inventory.
 * @returns located errors; empty when the inventory makes sense
 * @example
 *   const errors = checkSemantics(raw, resolveDraft(raw, file), sourceMap);
 */
export function checkSemantics(raw: RawInventory, m: DraftModel, src: SourceMap): InputError[] {
  const errors: InputError[] = [];
  const ctx: Ctx = { raw, m, errors, err: (path, message, hint) => void errors.push(src.error(path, message, hint)) };
  checkRoles(ctx);
  checkNodes(ctx);
  const net = checkNetwork(ctx);
  if (net) checkAddresses(ctx, net);
  checkLinks(ctx, net);
  checkLvm(ctx);
  checkDrbd(ctx);
  checkReferences(ctx);
  checkServiceKinds(ctx);
  checkGuests(ctx);
  checkLvs(ctx, net);
  STACK_RULES[m.stack].check(ctx);
  checkArbitratorMode(ctx);
  if (m.stonith.enabled && !m.stonith.agent && !m.stonith.sbd) {
    ctx.err(
      ['cluster', 'stonith'],
      'stonith is enabled but no agent is given',
      'add `agent: fence_...` (e.g. fence_ipmilan), `sbd:` (Pacemaker) or set `enabled: false`',
    );
  }
  return errors;
}

/**
 * Heartbeat passes stonith parameters positionally on one ha.cf line (`stonith_host *
 * TYPE p1 p2 …`), split at whitespace, with `#` starting a comment: a value holding
 * either cannot be written. (Pacemaker's CIB takes any one-line value, escaped.)
 */
function checkHeartbeatStonith({ m, err }: Ctx): void {
  for (const [k, value] of Object.entries(m.stonith.params ?? {})) {
    // a value read at run time ({ file | command | env }) is checked when it is read (stonithHost)
    const v = isSecret(value) ? value.peek() : value;
    if (v === undefined || k.startsWith('pcmk_') || /^[^\s#]+$/.test(v)) continue;
    const what = v === '' ? 'is empty' : 'holds whitespace or "#"';
    err(
      ['cluster', 'stonith', 'params', k],
      `stonith parameter ${k} ${what}: ha.cf cannot represent it`,
      'heartbeat puts the parameters on one ha.cf line separated by spaces; use a value without whitespace or "#", or the pacemaker stack',
    );
  }
}

/** Properties hactl derives from other fields, and those Pacemaker writes itself: not declarable. */
const NOT_DECLARABLE: Record<string, string> = {
  'stonith-enabled': 'hactl sets it from cluster.stonith.enabled: set that instead',
  'dc-version': 'Pacemaker writes it itself',
  'cluster-infrastructure': 'Pacemaker writes it itself',
  'cluster-name': 'Pacemaker writes it itself (from corosync.conf, i.e. cluster.name)',
  'have-watchdog': 'Pacemaker writes it itself',
  'last-lrm-refresh': 'Pacemaker writes it itself',
};

/**
 * `pacemaker:`: only with the Pacemaker stack; ids unique and not hactl's own; groups and
 * clones name declared resources, each at most once; constraints name resources that exist
 * (declared or built in) and nodes of the inventory; one operation per name and interval.
 */
function checkDeclared({ raw, m, err }: Ctx): void {
  const p = m.pacemaker;
  if (!raw.pacemaker) return;
  // where each declared id is written, for messages: ['pacemaker', 'resources', 0, 'id']
  const where = new Map<string, FieldPath>();
  const sections = ['resources', 'groups', 'clones', 'locations', 'colocations', 'orders'] as const;
  const builtin = new Set(builtinResourceIds(m));
  for (const section of sections) {
    (p[section] as Array<{ id: string }>).forEach((x, i) => {
      const path: FieldPath = ['pacemaker', section, i, 'id'];
      const first = where.get(x.id);
      if (first) err(path, `duplicate id "${x.id}" (also ${fieldName(first)})`, 'every id in the CIB must be unique');
      else if (builtin.has(x.id))
        err(path, `id "${x.id}" is one of hactl's own resources`, 'pick another id; constraints may still name it');
      else where.set(x.id, path);
    });
  }
  const primitives = new Set(p.resources.map((r) => r.id));
  const groups = new Set(p.groups.map((g) => g.id));
  const parent = new Map<string, string>();
  p.groups.forEach((g, i) =>
    g.resources.forEach((r, k) => {
      const path: FieldPath = ['pacemaker', 'groups', i, 'resources', k];
      if (!primitives.has(r)) err(path, `group ${g.id} names "${r}", which is not a declared resource`, hintFor(r, [...primitives]));
      else if (parent.has(r)) err(path, `resource ${r} is already in ${parent.get(r)}`, 'a resource belongs to one group or clone at most');
      else parent.set(r, g.id);
    }),
  );
  p.clones.forEach((c, i) => {
    const path: FieldPath = ['pacemaker', 'clones', i, 'resource'];
    if (!primitives.has(c.resource) && !groups.has(c.resource))
      err(
        path,
        `clone ${c.id} names "${c.resource}", which is not a declared resource or group`,
        hintFor(c.resource, [...primitives, ...groups]),
      );
    else if (parent.has(c.resource))
      err(path, `${c.resource} is already in ${parent.get(c.resource)}`, 'a resource belongs to one group or clone at most');
    else parent.set(c.resource, c.id);
  });
  const placeable = [...builtin, ...p.resources.map((r) => r.id), ...p.groups.map((g) => g.id), ...p.clones.map((c) => c.id)];
  const ref = (path: FieldPath, id: string): void => {
    if (!placeable.includes(id)) err(path, `unknown resource "${id}"`, hintFor(id, placeable));
    else if (parent.has(id))
      err(path, `"${id}" is inside ${parent.get(id)}: constraints name the top-level resource`, `use ${parent.get(id)}`);
  };
  p.locations.forEach((l, i) => {
    ref(['pacemaker', 'locations', i, 'resource'], l.resource);
    if (!m.nodes.some((n) => n.name === l.node))
      err(
        ['pacemaker', 'locations', i, 'node'],
        `unknown node "${l.node}"`,
        hintFor(
          l.node,
          m.nodes.map((n) => n.name),
        ),
      );
  });
  p.colocations.forEach((c, i) => {
    ref(['pacemaker', 'colocations', i, 'resource'], c.resource);
    ref(['pacemaker', 'colocations', i, 'with'], c.with);
  });
  p.orders.forEach((o, i) => {
    ref(['pacemaker', 'orders', i, 'first'], o.first);
    ref(['pacemaker', 'orders', i, 'then'], o.then);
  });
  p.resources.forEach((r, i) => {
    forDuplicates(
      r.ops,
      (o) => `${o.name}/${o.interval.replace(/s$/, '') || '0'}`,
      (k) =>
        err(
          ['pacemaker', 'resources', i, 'ops', k],
          `operation ${r.ops[k]!.name} with interval ${r.ops[k]!.interval} is declared twice for ${r.id}`,
          'Pacemaker allows one operation per name and interval; give each monitor its own interval',
        ),
    );
  });
  for (const [key, set] of [
    ['properties', p.properties],
    ['rsc_defaults', p.rscDefaults],
    ['op_defaults', p.opDefaults],
  ] as const) {
    for (const name of Object.keys(set)) {
      const why = key === 'properties' ? NOT_DECLARABLE[name] : undefined;
      if (why) err(['pacemaker', key, name], `property ${name} cannot be declared: ${why}`);
    }
  }
}

/** The top-level and group-member resource ids hactl renders itself (src/stack/pacemaker.ts cibView). */
function builtinResourceIds(m: DraftModel): string[] {
  const members = m.nodes.filter((n) => n.role !== 'realserver').map((n) => n.name);
  return [
    'ha-services',
    ...m.floatingIps.map((f) => f.name),
    ...m.services.map((s) => `svc-${s.name}`),
    // the exportfs primitives of an nfs service (src/stack/service-kinds.ts exportId)
    ...m.services.flatMap((s) => (s.nfs?.exports ?? []).map((_, i) => `svc-${s.name}-export-${i + 1}`)),
    ...m.drbd.flatMap((d) => [`drbd-${d.name}`, `drbd-${d.name}-clone`, `fs-${d.name}`]),
    ...m.guests.map((g) => `vm-${g.name}`),
    // LVS (src/stack/pacemaker.ts lvsAddressId, LDIRECTORD_ID, LVS_GROUP_ID): the virtual addresses
    // that are not floating IPs (named after their first service), ldirectord; with directors their own group
    ...lvsIds(m),
    ...(m.stonith.enabled ? members.map((n) => `fence-${n}`) : []),
    ...(m.stonith.enabled && m.stonith.sbd?.devices.length ? ['stonith-sbd'] : []),
  ];
}

/** The ids of the LVS resources hactl renders on Pacemaker (none without `lvs:`). */
function lvsIds(m: DraftModel): string[] {
  if (!m.lvs.length) return [];
  const floating = new Set(m.floatingIps.map((f) => f.address));
  const addresses = [...new Set(m.lvs.map((l) => l.address))].filter((a) => !floating.has(a));
  const first = (a: string) => m.lvs.find((l) => l.address === a)!.name;
  return [...addresses.map((a) => `vip-lvs-${first(a)}`), 'ldirectord', ...(directors(m).length ? ['lvs'] : [])];
}

const fieldName = (path: FieldPath): string => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${k}`)).join('');
const hintFor = (name: string, known: string[]): string => {
  const near = suggest(name, known);
  return near ? `did you mean \`${near}\`?` : known.length ? `known: ${known.join(', ')}` : 'declare it under pacemaker.resources first';
};

/** Calls `report(i, j)` for every item i whose key equals that of an earlier item j. */
function forDuplicates<T>(
  items: readonly T[],
  key: (t: T) => string | number | undefined,
  report: (i: number, first: number) => void,
): void {
  const seen = new Map<string | number, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else report(i, first);
  });
}

/** `cluster.arbitrator`: qdevice needs an arbitrator node to run qnetd; an algorithm only means something there. */
function checkArbitratorMode({ raw, m, err }: Ctx): void {
  const a = raw.cluster.arbitrator;
  if (a?.mode === 'qdevice' && !m.nodes.some((n) => n.role === 'arbitrator'))
    err(
      ['cluster', 'arbitrator', 'mode'],
      'cluster.arbitrator.mode is qdevice, but no node has role arbitrator to run corosync-qnetd',
      'add a node with `role: arbitrator`, or remove cluster.arbitrator',
    );
  if (a?.algorithm && a.mode !== 'qdevice')
    err(
      ['cluster', 'arbitrator', 'algorithm'],
      `cluster.arbitrator.algorithm ${a.algorithm} needs mode: qdevice (a member arbitrator has no algorithm)`,
      'add `mode: qdevice`, or remove algorithm',
    );
}

function checkRoles(ctx: Ctx): void {
  const { m, err } = ctx;
  for (const role of ['master', 'slave', 'arbitrator'] as const) {
    const idx = m.nodes.flatMap((n, i) => (n.role === role ? [i] : []));
    if (idx.length === 0 && role !== 'arbitrator') {
      err(['nodes'], `no node has role ${role}`, `exactly one node must have \`role: ${role}\``);
    }
    for (const i of idx.slice(1)) {
      err(
        ['nodes', i, 'role'],
        `more than one ${role}: nodes[${idx[0]}] (${m.nodes[idx[0]!]!.name}) is already the ${role}`,
        role === 'arbitrator' ? 'a cluster has at most one arbitrator' : `a cluster has exactly one ${role}`,
      );
    }
  }
  checkDirectors(ctx);
}

/**
 * `role: director`: a pair of its own (the three tiers: directors, real servers, storage
 * twins), so exactly two when any; each pair keeps its own floating addresses, so an LVS
 * virtual address is not one of `cluster.floating_ips` (those stay with the twins), and a
 * director pair without `lvs:` would have nothing to run.
 */
function checkDirectors({ m, err }: Ctx): void {
  const idx = m.nodes.flatMap((n, i) => (n.role === 'director' ? [i] : []));
  if (!idx.length) return;
  const hint = 'a director pair is two nodes with `role: director` (ldirectord and the LVS addresses fail over between them)';
  if (idx.length === 1)
    err(['nodes', idx[0]!, 'role'], `only one director (${m.nodes[idx[0]!]!.name}): directors come in pairs, exactly two`, hint);
  for (const i of idx.slice(2))
    err(
      ['nodes', i, 'role'],
      `more than two directors: ${idx
        .slice(0, 2)
        .map((k) => m.nodes[k]!.name)
        .join(' and ')} already are`,
      hint,
    );
  if (!m.lvs.length)
    err(
      ['nodes', idx[0]!, 'role'],
      'nodes with role director, but no lvs: services for them to run',
      'declare the virtual services under lvs:, or give these nodes another role (service)',
    );
  if (m.qdevice)
    err(
      ['cluster', 'arbitrator', 'mode'],
      'cluster.arbitrator.mode qdevice with directors: hactl sets up corosync-qdevice on the twins only, ' +
        'and every corosync member needs it',
      'use mode: member (the default; the arbitrator is a full corosync member), or drop the directors',
    );
  const floating = new Set(m.floatingIps.map((f) => f.address));
  m.lvs.forEach((l, i) => {
    if (floating.has(l.address))
      err(
        ['lvs', i, 'virtual'],
        `LVS virtual address ${l.address} is one of cluster.floating_ips: with directors the floating IPs stay with the twins, ` +
          'the LVS addresses move between the directors',
        'give the virtual service a spare address of its own',
      );
  });
}

function checkNodes({ m, raw, err }: Ctx): void {
  forDuplicates(
    m.nodes,
    (n) => n.name,
    (i, j) =>
      err(
        ['nodes', i, 'name'],
        `duplicate node name "${m.nodes[i]!.name}" (also nodes[${j}])`,
        'node names must be unique; each must equal `uname -n` of its node',
      ),
  );
  forDuplicates(
    m.nodes,
    (n) => n.address,
    (i, j) =>
      err(
        ['nodes', i, 'address'],
        `duplicate node address ${m.nodes[i]!.address} (also nodes[${j}].address)`,
        'every node needs its own address',
      ),
  );
  forDuplicates(
    m.nodes,
    (n) => n.nodeId,
    (i, j) => {
      const explicit = raw.nodes[i]!.node_id !== undefined;
      err(
        explicit ? ['nodes', i, 'node_id'] : ['nodes', i],
        `duplicate node id ${m.nodes[i]!.nodeId} (also nodes[${j}])`,
        'set node_id on every node or on none (the default is the 1-based position in nodes:)',
      );
    },
  );
}

function checkNetwork({ m, err }: Ctx): Cidr | undefined {
  const net = parseCidr(m.network.cidr);
  if (net && net.address !== formatIpv4(net.base)) {
    err(['cluster', 'network'], `network ${m.network.cidr} has host bits set`, `did you mean ${formatIpv4(net.base)}/${net.prefix}?`);
  }
  return net;
}

function checkHostAddress(ctx: Ctx, net: Cidr, path: FieldPath, address: string, what: string): boolean {
  if (!inNetwork(address, net)) {
    ctx.err(
      path,
      `${what} ${address} is outside cluster.network ${ctx.m.network.cidr}`,
      `use an address inside ${ctx.m.network.cidr}, or widen cluster.network`,
    );
    return false;
  }
  if (isReservedInNetwork(address, net)) {
    ctx.err(path, `${what} ${address} is the network or broadcast address of ${ctx.m.network.cidr}`, 'use a host address');
    return false;
  }
  return true;
}

function checkAddresses(ctx: Ctx, net: Cidr): void {
  const { m, raw } = ctx;
  m.nodes.forEach((n, i) => {
    // a QNetd arbitrator is no corosync member: the twins reach qnetd over routed TCP, so one
    // qnetd on its own network may serve clusters on several (cluster.arbitrator.mode: qdevice)
    if (m.qdevice && n.role === 'arbitrator' && !inNetwork(n.address, net)) return;
    checkHostAddress(ctx, net, ['nodes', i, 'address'], n.address, 'node address');
  });
  const vipPath = (i: number): FieldPath =>
    typeof raw.cluster.floating_ips[i] === 'string' ? ['cluster', 'floating_ips', i] : ['cluster', 'floating_ips', i, 'address'];
  m.floatingIps.forEach((f, i) => {
    if (!checkHostAddress(ctx, net, vipPath(i), f.address, 'floating IP')) return;
    const owner = m.nodes.findIndex((n) => n.address === f.address);
    if (owner >= 0) {
      ctx.err(
        vipPath(i),
        `floating IP ${f.address} is the address of node ${m.nodes[owner]!.name} (nodes[${owner}].address)`,
        'a floating IP must be a spare address that no node owns',
      );
    }
  });
  forDuplicates(
    m.floatingIps,
    (f) => f.address,
    (i, j) => ctx.err(vipPath(i), `duplicate floating IP ${m.floatingIps[i]!.address} (also cluster.floating_ips[${j}])`),
  );
  forDuplicates(
    m.floatingIps,
    (f) => f.name,
    (i, j) =>
      ctx.err(
        ['cluster', 'floating_ips', i, 'name'],
        `duplicate floating IP name "${m.floatingIps[i]!.name}" (also cluster.floating_ips[${j}])`,
        'names default to vip, vip2, vip3, ... by position; pick another name',
      ),
  );
}

function checkDrbd({ m, raw, err }: Ctx): void {
  (raw.drbd ?? []).forEach((d, i) => {
    if (d.device === undefined && d.minor === undefined) {
      err(['drbd', i], `DRBD resource "${d.name}" has neither device nor minor`, 'add `device: /dev/drbdN` (N = minor number)');
    } else if (d.device !== undefined && d.minor !== undefined && drbdMinorOf(d.device) !== d.minor) {
      err(
        ['drbd', i, 'device'],
        `DRBD device ${d.device} does not match minor ${d.minor}`,
        `use device /dev/drbd${d.minor}, or drop minor:`,
      );
    }
  });
  const list = m.drbd;
  forDuplicates(
    list,
    (d) => d.name,
    (i, j) => err(['drbd', i, 'name'], `duplicate DRBD resource name "${list[i]!.name}" (also drbd[${j}])`),
  );
  forDuplicates(
    list,
    (d) => (d.minor >= 0 ? d.minor : undefined),
    (i, j) =>
      err(
        ['drbd', i, raw.drbd?.[i]?.minor !== undefined ? 'minor' : 'device'],
        `duplicate DRBD minor ${list[i]!.minor} (also drbd[${j}])`,
        'each resource needs its own /dev/drbdN',
      ),
  );
  forDuplicates(
    list,
    (d) => d.port,
    (i, j) => {
      const defaulted = raw.drbd?.[i]?.port === undefined ? ` (default 7788 + minor ${list[i]!.minor})` : '';
      err(
        ['drbd', i, 'port'],
        `duplicate DRBD port ${list[i]!.port}${defaulted}, also used by drbd[${j}]`,
        'each resource replicates on its own TCP port; set port: to a free one',
      );
    },
  );
  const options = (raw.vars?.drbd_options ?? {}) as Record<string, { disk?: Record<string, unknown> }>;
  (raw.drbd ?? []).forEach((d, i) => {
    if (options[d.name]?.disk?.fencing !== undefined) {
      err(
        ['vars', 'drbd_options', d.name, 'disk', 'fencing'],
        `DRBD fencing of ${d.name} is set in vars.drbd_options`,
        `set drbd[${i}].fencing instead: hactl adds the handlers the policy needs`,
      );
    }
  });
}

/** The DRBD fencing policies that need what a stack lacks. */
function checkDrbdFencing({ m, raw, err }: Ctx, refuse: (policy: string) => string | undefined): void {
  (raw.drbd ?? []).forEach((d, i) => {
    const why = d.fencing === undefined ? undefined : refuse(d.fencing);
    if (why) err(['drbd', i, 'fencing'], `DRBD fencing ${d.fencing} on ${m.stack}: ${why}`, 'use resource-only, or off');
  });
}

/** Error unless `name` is a defined DRBD resource; suggests the closest name. */
function checkDrbdRef(ctx: Ctx, path: FieldPath, name: string | undefined): void {
  if (name === undefined) return;
  const names = ctx.m.drbd.map((d) => d.name);
  if (names.includes(name)) return;
  const near = suggest(name, names);
  const defined = `defined DRBD resources: ${names.join(', ')}`;
  const hint = !names.length
    ? 'no drbd: resources are defined; add one under drbd:'
    : near
      ? `did you mean \`${near}\`? (${defined})`
      : defined;
  ctx.err(path, `unknown DRBD resource "${name}"`, hint);
}

/** A service check probes a port (TCP, or HTTP with a path) and/or runs a command: the fields that need a port have one. */
function checkServiceCheck(ctx: Ctx, i: number, check: NonNullable<Ctx['raw']['services']>[number]['check']): void {
  if (!check) return;
  const at = (f: string) => ['services', i, 'check', f];
  if (check.port === undefined && check.command === undefined)
    ctx.err(['services', i, 'check'], 'a service check needs a port (TCP, or HTTP with a path) or a command', 'e.g. { port: 80, path: / }');
  if (check.port === undefined && check.path !== undefined) ctx.err(at('path'), 'an HTTP path needs the port to send it to', 'add port:');
  if (check.status !== undefined && check.path === undefined)
    ctx.err(at('status'), 'an HTTP status needs a path: without one the check is a plain TCP connect', 'add path: /');
}

function checkReferences(ctx: Ctx): void {
  const { raw, m } = ctx;
  (raw.services ?? []).forEach((s, i) => checkDrbdRef(ctx, ['services', i, 'drbd'], s.drbd));
  (raw.services ?? []).forEach((s, i) => checkServiceCheck(ctx, i, s.check));
  (raw.guests ?? []).forEach((g, i) => checkDrbdRef(ctx, ['guests', i, 'drbd'], g.drbd));
  forDuplicates(
    m.services,
    (s) => s.name,
    (i, j) => ctx.err(['services', i, 'name'], `duplicate service "${m.services[i]!.name}" (also services[${j}])`),
  );
}

function checkGuests(ctx: Ctx): void {
  const { raw, m, err } = ctx;
  (raw.guests ?? []).forEach((g, i) => {
    if (g.disk === undefined && g.drbd === undefined) {
      err(['guests', i], `guest "${g.name}" has no disk`, 'add `drbd: <resource>` (its device becomes the disk) or `disk: /dev/drbdN`');
    }
    const backing = m.drbd.find((d) => d.name === g.drbd);
    if (g.disk !== undefined && backing && backing.minor >= 0 && g.disk !== backing.device) {
      err(
        ['guests', i, 'disk'],
        `guest disk ${g.disk} is not the device of DRBD resource ${backing.name} (${backing.device})`,
        `use disk: ${backing.device}, or drop disk:`,
      );
    }
    const first = parseInt(m.guests[i]!.mac.slice(0, 2), 16);
    if (first & 1)
      err(
        ['guests', i, 'mac'],
        `guest MAC ${m.guests[i]!.mac} is a multicast address`,
        'the first octet must be even, e.g. 52:54:00:xx:xx:xx',
      );
  });
  forDuplicates(
    m.guests,
    (g) => g.name,
    (i, j) => err(['guests', i, 'name'], `duplicate guest "${m.guests[i]!.name}" (also guests[${j}])`),
  );
  forDuplicates(
    m.guests,
    (g) => g.mac,
    (i, j) =>
      err(
        raw.guests?.[i]?.mac !== undefined ? ['guests', i, 'mac'] : ['guests', i],
        `duplicate guest MAC ${m.guests[i]!.mac} (also guests[${j}])`,
        'every guest needs its own MAC',
      ),
  );
}

function checkLvs(ctx: Ctx, net: Cidr | undefined): void {
  const { raw, m, err } = ctx;
  m.lvs.forEach((l, i) => {
    const vpath: FieldPath = ['lvs', i, 'virtual'];
    if (l.port < 1 || l.port > 65535) err(vpath, `virtual port ${l.port} is out of range`, 'use a port between 1 and 65535');
    if (net) checkHostAddress(ctx, net, vpath, l.address, 'LVS virtual address');
    const owner = m.nodes.find((n) => n.address === l.address);
    if (owner) err(vpath, `LVS virtual address ${l.address} is the address of node ${owner.name}`, 'use a spare address');
    l.realServers.forEach((r, k) => {
      const isObj = typeof raw.lvs?.[i]?.real_servers[k] === 'object';
      const rpath: FieldPath = ['lvs', i, 'real_servers', k, ...(isObj ? ['port'] : [])];
      if (r.port < 1 || r.port > 65535) err(rpath, `real server port ${r.port} is out of range`, 'use a port between 1 and 65535');
    });
    forDuplicates(
      l.realServers,
      (r) => `${r.address}:${r.port}`,
      (k, j) =>
        err(
          ['lvs', i, 'real_servers', k],
          `duplicate real server ${l.realServers[k]!.address}:${l.realServers[k]!.port} (also real_servers[${j}])`,
        ),
    );
  });
  forDuplicates(
    m.lvs,
    (l) => l.name,
    (i, j) => err(['lvs', i, 'name'], `duplicate LVS service "${m.lvs[i]!.name}" (also lvs[${j}])`),
  );
  forDuplicates(
    m.lvs,
    (l) => `${l.address}:${l.port}/${l.protocol}`,
    (i, j) =>
      err(
        ['lvs', i, 'virtual'],
        `duplicate LVS virtual service ${m.lvs[i]!.address}:${m.lvs[i]!.port}/${m.lvs[i]!.protocol} (also lvs[${j}])`,
      ),
  );
}

/** What `sbd create` writes as msgwait: twice the watchdog timeout (sbd(8), `-4`). */
const sbdMsgwait = (watchdogTimeout: number): number => 2 * watchdogTimeout;

/** A Pacemaker duration (`60s`, `60`, `1min`, `1500ms`) in seconds, undefined when unreadable. */
function durationS(v: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min)?$/.exec((v ?? '').trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' || m[2] === 'msec' ? n / 1000 : m[2] === 'm' || m[2] === 'min' ? n * 60 : n;
}

/**
 * `cluster.stonith.sbd` (Pacemaker): needs fencing on; diskless SBD needs a safe quorum
 * (an odd number of voters, or the arbitrator) because a node that loses quorum resets
 * itself and the survivors take its death for granted after stonith-watchdog-timeout; the
 * devices are distinct; hactl derives stonith-watchdog-timeout, and a declared
 * stonith-timeout must leave the fenced node time to die (msgwait, or the watchdog wait).
 */
function checkSbd({ raw, m, err }: Ctx): void {
  const s = m.stonith;
  if (raw.cluster.stonith?.watchdog !== undefined)
    err(
      ['cluster', 'stonith', 'watchdog'],
      'cluster.stonith.watchdog is heartbeat only (ha.cf `watchdog`)',
      'did you mean `cluster.stonith.sbd.watchdog`? (Pacemaker arms the watchdog through SBD)',
    );
  if (!s.sbd) return;
  if (!s.enabled)
    err(['cluster', 'stonith', 'enabled'], 'cluster.stonith.sbd is given but fencing is disabled', 'set `enabled: true`, or remove sbd:');
  const diskless = s.sbd.devices.length === 0;
  if (!diskless && s.agent)
    err(
      ['cluster', 'stonith', 'agent'],
      `disk-based SBD gets its own fence_sbd device, and agent ${s.agent} would be a second fence device kind`,
      'remove agent:/params: (hactl renders one device kind), or make SBD diskless (no devices:) as a watchdog fallback',
    );
  forDuplicates(
    s.sbd.devices,
    (d) => d,
    (i, j) => err(['cluster', 'stonith', 'sbd', 'devices', i], `duplicate SBD device ${s.sbd!.devices[i]} (also devices[${j}])`),
  );
  const voters = m.nodes.filter((n) => n.role !== 'realserver');
  const arbitrator = m.nodes.some((n) => n.role === 'arbitrator');
  if (diskless && voters.length % 2 === 0 && !arbitrator)
    err(
      ['cluster', 'stonith', 'sbd'],
      `diskless SBD with ${voters.length} voters and no arbitrator: a node that loses quorum resets itself, ` +
        'and two nodes alone cannot have quorum safely (after a split each would have to assume the other reset)',
      'add a node with `role: arbitrator` (a third vote), or give sbd `devices:` (a shared disk) for disk-based SBD',
    );
  const declared = m.pacemaker.properties;
  if ('stonith-watchdog-timeout' in declared)
    err(
      ['pacemaker', 'properties', 'stonith-watchdog-timeout'],
      'property stonith-watchdog-timeout cannot be declared with cluster.stonith.sbd: hactl derives it',
      `set cluster.stonith.sbd.watchdog_timeout instead (diskless: stonith-watchdog-timeout = 2 × ${s.sbd.watchdogTimeout} s)`,
    );
  // the time a fenced node needs to be surely dead: diskless, the watchdog wait; disk, msgwait
  const dead = 2 * s.sbd.watchdogTimeout;
  const what = diskless ? `stonith-watchdog-timeout (${dead} s)` : `SBD msgwait (${sbdMsgwait(s.sbd.watchdogTimeout)} s)`;
  const timeout = durationS(declared['stonith-timeout']);
  if (timeout !== undefined && timeout <= dead)
    err(
      ['pacemaker', 'properties', 'stonith-timeout'],
      `stonith-timeout (${timeout} s) must be longer than ${what}: ` +
        `the fencing would time out before the node is surely dead (cluster.stonith.sbd.watchdog_timeout ${s.sbd.watchdogTimeout} s)`,
      `raise stonith-timeout above ${Math.ceil(dead * 1.2)}s (msgwait + 20 %), or lower sbd.watchdog_timeout`,
    );
}

const at = (k: string): FieldPath => ['cluster', 'timing', k];

function checkHeartbeatTiming({ m, err }: Ctx): void {
  const t = m.timing;
  if (t.deadtime <= 2 * t.keepalive) {
    err(
      at('deadtime'),
      `timing.deadtime (${t.deadtime} s) must be more than twice keepalive (${t.keepalive} s)`,
      `raise deadtime above ${2 * t.keepalive} or lower keepalive; one lost packet must not kill a node`,
    );
  }
  if (t.initdead < t.deadtime) {
    err(
      at('initdead'),
      `timing.initdead (${t.initdead} s) must be at least deadtime (${t.deadtime} s)`,
      `use initdead: ${2 * t.deadtime} (twice deadtime is usual)`,
    );
  }
  if (t.warntime >= t.deadtime) {
    err(
      at('warntime'),
      `timing.warntime (${t.warntime} s) must be less than deadtime (${t.deadtime} s)`,
      'a warning after the node is already dead is useless',
    );
  }
}

function checkCorosyncTiming({ m, err }: Ctx): void {
  const t = m.timing;
  if (t.consensus < 1.2 * t.token) {
    err(
      at('consensus'),
      `timing.consensus (${t.consensus} ms) must be at least 1.2 * token (${Math.ceil(1.2 * t.token)} ms)`,
      `use consensus: ${Math.ceil(1.2 * t.token)} or remove it (the default is 1.2 * token)`,
    );
  }
}

type Timing = ClusterModel['timing'];

/** The rules of one stack: errors in the model, and warnings about legal but risky timing. */
const STACK_RULES: { readonly [S in Stack]: { check(ctx: Ctx): void; timingWarnings(t: Timing): string[] } } = {
  heartbeat: {
    check(ctx) {
      checkHeartbeatTiming(ctx);
      checkHeartbeatStonith(ctx);
      if (ctx.raw.cluster.stonith?.sbd)
        ctx.err(
          ['cluster', 'stonith', 'sbd'],
          'cluster.stonith.sbd is Pacemaker only: heartbeat has no SBD integration',
          'use cluster.stonith.watchdog (ha.cf `watchdog`) with heartbeat, or stack: pacemaker',
        );
      // dopd only outdates the peer's disk; it never waits for a node to be shot
      checkDrbdFencing(ctx, (p) =>
        p === 'resource-and-stonith' ? 'dopd (drbd-peer-outdater) can only outdate the peer, not fence it' : undefined,
      );
      if (ctx.raw.cluster.arbitrator?.mode === 'qdevice')
        ctx.err(
          ['cluster', 'arbitrator', 'mode'],
          'cluster.arbitrator.mode qdevice is corosync only: heartbeat has no quorum device',
          'use mode: member (the default) with heartbeat, or stack: pacemaker',
        );
      if (ctx.raw.pacemaker)
        ctx.err(['pacemaker'], 'pacemaker: declares resources, but the stack is heartbeat', 'use stack: pacemaker, or remove pacemaker:');
      // Heartbeat R1 (haresources) runs every resource on the two twins: no third or fourth node holds any
      ctx.m.nodes.forEach((n, i) => {
        if (n.role === 'director')
          ctx.err(
            ['nodes', i, 'role'],
            `${n.name} has role director, but Heartbeat R1 runs its resources on the two twins only (the active twin directs LVS)`,
            'use stack: pacemaker for a director pair of its own, or drop the directors (the twins then run ldirectord)',
          );
      });
    },
    timingWarnings: (t) => [
      ...(t.deadtime < 10
        ? [`timing.deadtime is ${t.deadtime} s: below 10 s a busy node can miss heartbeats and trigger a needless failover`]
        : []),
      ...(t.initdead < 2 * t.deadtime
        ? [
            `timing.initdead (${t.initdead} s) is less than twice deadtime (${t.deadtime} s): ` +
              'a booting peer may be declared dead before its network is up',
          ]
        : []),
    ],
  },
  pacemaker: {
    check(ctx) {
      checkCorosyncTiming(ctx);
      checkSbd(ctx);
      if (ctx.raw.cluster.serial)
        ctx.err(
          ['cluster', 'serial'],
          'cluster.serial is heartbeat only (ha.cf `serial`): corosync talks over networks only',
          'give corosync a second network instead (cluster.networks + cluster.links), or use stack: heartbeat',
        );
      checkDeclared(ctx);
      checkDrbdFencing(ctx, (p) =>
        p === 'resource-and-stonith' && !ctx.m.stonith.enabled
          ? 'DRBD would freeze I/O waiting for a fencing that cluster.stonith never does'
          : undefined,
      );
    },
    timingWarnings: (t) => [
      ...(t.token < 1000 ? [`timing.token is ${t.token} ms: below 1000 ms a loaded network can cause spurious membership changes`] : []),
      ...(t.monitorInterval < 2
        ? [`timing.monitor_interval is ${t.monitorInterval} s: monitors this frequent load the nodes for little gain`]
        : []),
    ],
  },
};

/**
 * Legal but risky timing choices, as one-line warnings.
 * @example timingWarnings({ stack: 'heartbeat', timing: { ...t, deadtime: 5 } })[0] // "timing.deadtime is 5 s: ..."
 */
export function timingWarnings(model: Pick<ClusterModel, 'stack' | 'timing'>): string[] {
  return STACK_RULES[model.stack].timingWarnings(model.timing);
}

/**
 * Every warning about a valid model: timing plus cluster-level risks (no fencing, no arbitrator).
 * @example inventoryWarnings(model).forEach((w) => console.warn(w))
 */
export function inventoryWarnings(model: ClusterModel): string[] {
  const out = timingWarnings(model);
  if (!model.stonith.enabled && model.drbd.length > 0) {
    out.push('stonith is disabled while DRBD holds data: a split brain cannot be fenced (fine for a lab, not for production)');
  }
  if (!model.arbitrator) out.push('no arbitrator: with only the twins, a network split cannot be decided by quorum');
  const sbd = model.stonith.enabled ? model.stonith.sbd : undefined;
  const budget = model.vars.failover_budget;
  // diskless SBD: a lost node counts as fenced 2 × watchdog_timeout after it was noticed (stonith-watchdog-timeout)
  if (sbd && typeof budget === 'number' && 2 * sbd.watchdogTimeout >= budget) {
    out.push(
      `cluster.stonith.sbd.watchdog_timeout ${sbd.watchdogTimeout} s: a lost node counts as fenced only after ` +
        `${2 * sbd.watchdogTimeout} s (${sbd.devices.length ? 'SBD msgwait' : 'stonith-watchdog-timeout'}), ` +
        `not below vars.failover_budget (${budget} s): lower watchdog_timeout or raise the budget`,
    );
  }
  return out;
}
