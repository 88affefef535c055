/**
 * Defaults and derivation: schema-valid raw YAML → ClusterModel.
 * Resolution is total on schema-valid input (it never throws); anything it cannot make
 * sense of is left for semantic.ts to report with a location.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { EXPLICIT_MIN_MASK, Secret } from '../core/secret.js';
import type {
  ClusterModel,
  DeclaredPacemaker,
  DeclaredResource,
  DrbdResource,
  FloatingIp,
  GuestModel,
  LvsService,
  NodeModel,
  RealServer,
  ServiceModel,
  SshSettings,
  StonithModel,
  VolumeGroup,
} from './model.js';
import { canonicalRole, PUBLIC_NETWORK } from './model.js';
import type { RawDrbd, RawGuest, RawInventory, RawLvm, RawLvs, RawNode, RawPacemaker, RawRealServer, RawService, RawSsh } from './raw.js';
import { isSecretParam, isSecretSource, secretFromSource } from './secret-value.js';
import { KIND_PACKAGES, kindCheck, resolveMariadb, resolveNfs } from './service-kinds.js';
import { resolveTiming } from './stack-options.js';

/** The model before master/slave/arbitrator are picked (they need the role checks first). */
export type DraftModel = Omit<ClusterModel, 'master' | 'slave' | 'arbitrator'>;

export { DEFAULT_TIMING } from './stack-options.js';

/**
 * Applies defaults to a schema-valid inventory.
 * @param file the inventory path; relative paths in it are resolved against its directory
 * @example
 *   const draft = resolveDraft(raw, '/etc/hactl/lab.yaml');
 *   draft.nodes[0].nodeId // 1 unless node_id is given
 */
export function resolveDraft(raw: RawInventory, file: string): DraftModel {
  const source = resolvePath(file);
  const dir = dirname(source);
  const c = raw.cluster;
  const [netAddress = '', prefix = '0'] = c.network.split('/');
  const iface = c.interface ?? 'eth0';
  const drbd = (raw.drbd ?? []).map(resolveDrbd);
  return {
    name: c.name,
    stack: c.stack,
    network: { cidr: c.network, address: netAddress, prefix: Number(prefix) },
    interface: iface,
    networks: Object.entries(c.networks ?? {}).map(([name, n]) => {
      const [address = '', p = '0'] = n.cidr.split('/');
      return { name, cidr: n.cidr, address, prefix: Number(p), interface: n.interface ?? iface };
    }),
    links: (c.links ?? [{ network: PUBLIC_NETWORK }]).map((l) => ({
      network: l.network,
      ...(l.priority === undefined ? {} : { priority: l.priority }),
    })),
    ...(c.link_mode ? { linkMode: c.link_mode } : {}),
    replication: c.replication ?? PUBLIC_NETWORK,
    ...(c.serial ? { serial: { device: c.serial.device ?? '/dev/ttyS1', baud: c.serial.baud ?? 19200 } } : {}),
    floatingIps: c.floating_ips.map((f, i) => resolveFloatingIp(f, i, Number(prefix), iface)),
    timing: resolveTiming(c.timing),
    stonith: resolveStonith(c.stonith, source, dir),
    ...(c.arbitrator?.mode === 'qdevice' ? { qdevice: { algorithm: c.arbitrator.algorithm ?? 'ffsplit' } } : {}),
    nodes: raw.nodes.map((n, i) => resolveNode(n, i, raw.ssh, dir)),
    lvm: (raw.lvm ?? []).map(resolveLvm),
    drbd,
    services: (raw.services ?? []).map((s) => resolveService(s, drbd)),
    guests: (raw.guests ?? []).map((g) => resolveGuest(g, c.name, drbd)),
    lvs: (raw.lvs ?? []).map(resolveLvs),
    pacemaker: resolvePacemaker(raw.pacemaker, source, dir),
    vars: raw.vars ?? {},
    secretsDir: c.secrets_dir ? expandPath(c.secrets_dir, dir) : join(dir, '.hactl', 'secrets', c.name),
    source,
  };
}

/**
 * Picks master, slave and arbitrator by role. Call only after the role checks passed.
 * @example const model = finishModel(draft); model.master.role === 'master'
 */
export function finishModel(draft: DraftModel): ClusterModel {
  const byRole = (role: string) => draft.nodes.find((n) => n.role === role);
  const master = byRole('master');
  const slave = byRole('slave');
  if (!master || !slave) throw new Error('finishModel: inventory has no master or no slave (semantic checks skipped?)');
  const arbitrator = byRole('arbitrator');
  return { ...draft, master, slave, ...(arbitrator ? { arbitrator } : {}) };
}

/**
 * Resolves `~` and paths relative to the inventory directory.
 * @example expandPath('./id_ed25519', '/etc/hactl') === '/etc/hactl/id_ed25519'
 */
export function expandPath(p: string, baseDir: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return resolvePath(baseDir, p);
}

function resolveNode(n: RawNode, index: number, top: RawSsh | undefined, dir: string): NodeModel {
  return {
    name: n.name,
    address: n.address,
    role: canonicalRole(n.role),
    // Position-based ids stay stable as long as nodes are only appended (add-node does that).
    nodeId: n.node_id ?? index + 1,
    ssh: resolveSsh(n, top, dir),
    connect: n.ssh?.host ?? n.address,
    addresses: { ...(n.addresses ?? {}) },
    vars: n.vars ?? {},
  };
}

function resolveSsh(n: RawNode, top: RawSsh | undefined, dir: string): SshSettings {
  const own = n.ssh;
  const user = own?.user ?? top?.user ?? 'root';
  const ssh: SshSettings = { user, port: own?.port ?? top?.port ?? 22, become: own?.become ?? top?.become ?? user !== 'root' };
  const identity = own?.identity ?? top?.identity;
  if (identity) ssh.identity = expandPath(identity, dir);
  if (top?.config) ssh.config = expandPath(top.config, dir);
  if (top?.known_hosts) ssh.knownHosts = expandPath(top.known_hosts, dir);
  return ssh;
}

function resolveFloatingIp(f: RawInventory['cluster']['floating_ips'][number], i: number, netPrefix: number, iface: string): FloatingIp {
  const name = i === 0 ? 'vip' : `vip${i + 1}`;
  if (typeof f === 'string') {
    const [address = '', p] = f.split('/');
    return { address, prefix: p === undefined ? netPrefix : Number(p), interface: iface, name };
  }
  return { address: f.address, prefix: f.prefix ?? netPrefix, interface: f.interface ?? iface, name: f.name ?? name };
}

/**
 * Fence parameters are strings, except credentials: a password-like name ({@link isSecretParam})
 * or a `{ file | command | env }` value becomes a Secret (masked in every output; the
 * latter read only when a playbook needs it).
 */
function resolveStonith(s: RawInventory['cluster']['stonith'], source: string, dir: string): StonithModel {
  if (!s) return { enabled: false };
  const out: StonithModel = { enabled: s.enabled };
  if (s.agent) out.agent = s.agent;
  if (s.sbd) {
    out.sbd = {
      devices: [...(s.sbd.devices ?? [])],
      watchdog: s.sbd.watchdog ?? '/dev/watchdog',
      watchdogTimeout: s.sbd.watchdog_timeout ?? 5,
      softdog: s.sbd.softdog ?? 'auto',
    };
  }
  if (s.watchdog) out.watchdog = s.watchdog;
  if (s.params) {
    out.params = Object.fromEntries(
      Object.entries(s.params).map(([k, v]) => {
        const field = `cluster.stonith.params.${k}`;
        if (isSecretSource(v)) return [k, secretFromSource(v, field, source, (p) => expandPath(p, dir))];
        return [k, isSecretParam(k) ? new Secret(String(v), EXPLICIT_MIN_MASK) : String(v)];
      }),
    );
  }
  return out;
}

const strings = (nv: Record<string, string | number | boolean> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(nv ?? {}).map(([k, v]) => [k, String(v)]));

/** `pacemaker:` → the declared model: agents split, defaults filled, credentials as Secrets (as for stonith). */
function resolvePacemaker(p: RawPacemaker | undefined, source: string, dir: string): DeclaredPacemaker {
  const resources = (p?.resources ?? []).map((r, i): DeclaredResource => {
    const parts = r.agent.split(':');
    const cls = parts[0] as DeclaredResource['class'];
    const params = Object.fromEntries(
      Object.entries(r.params ?? {}).map(([k, v]) => {
        if (isSecretSource(v)) return [k, secretFromSource(v, `pacemaker.resources[${i}].params.${k}`, source, (f) => expandPath(f, dir))];
        return [k, isSecretParam(k) ? new Secret(String(v), EXPLICIT_MIN_MASK) : String(v)];
      }),
    );
    return {
      id: r.id,
      agent: r.agent,
      class: cls,
      ...(cls === 'ocf' ? { provider: parts[1] } : {}),
      type: parts[parts.length - 1] ?? '',
      params,
      ops: (r.ops ?? []).map((o) => ({
        name: o.name,
        interval: o.interval ?? '0s',
        ...(o.timeout ? { timeout: o.timeout } : {}),
        ...(o.role ? { role: o.role } : {}),
      })),
      meta: strings(r.meta),
    };
  });
  return {
    resources,
    groups: (p?.groups ?? []).map((g) => ({ id: g.id, resources: [...g.resources], meta: strings(g.meta) })),
    clones: (p?.clones ?? []).map((c) => ({ id: c.id, resource: c.resource, promotable: c.promotable ?? false, meta: strings(c.meta) })),
    locations: (p?.locations ?? []).map((l) => ({ id: l.id, resource: l.resource, node: l.node, score: String(l.score) })),
    colocations: (p?.colocations ?? []).map((c) => ({
      id: c.id,
      resource: c.resource,
      with: c.with,
      score: String(c.score ?? 'INFINITY'),
      ...(c.role ? { role: c.role } : {}),
      ...(c.with_role ? { withRole: c.with_role } : {}),
    })),
    orders: (p?.orders ?? []).map((o) => {
      const firstAction = o.first_action ?? 'start';
      return {
        id: o.id,
        first: o.first,
        then: o.then,
        kind: o.kind ?? 'Mandatory',
        firstAction,
        thenAction: o.then_action ?? firstAction,
        symmetrical: o.symmetrical ?? true,
      };
    }),
    properties: strings(p?.properties),
    rscDefaults: strings(p?.rsc_defaults),
    opDefaults: strings(p?.op_defaults),
  };
}

/**
 * Minor number from `/dev/drbdN`, or undefined.
 * @example drbdMinorOf('/dev/drbd3') === 3
 */
export function drbdMinorOf(device: string | undefined): number | undefined {
  const m = /^\/dev\/drbd([0-9]+)$/.exec(device ?? '');
  return m ? Number(m[1]) : undefined;
}

const SIZE_UNIT = { M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 } as const;

/**
 * Bytes of an `lvm:` size (binary units, as lvcreate reads them).
 * @example lvSizeBytes('48M') === 50331648
 */
export function lvSizeBytes(size: string): number {
  const m = /^([0-9]+)([MGT])$/.exec(size);
  return m ? Number(m[1]) * SIZE_UNIT[m[2] as keyof typeof SIZE_UNIT] : Number.NaN;
}

function resolveLvm(g: RawLvm): VolumeGroup {
  return {
    vg: g.vg,
    pvs: [...g.pvs],
    lvs: (g.lvs ?? []).map((l) => ({ name: l.name, size: l.size, bytes: lvSizeBytes(l.size), path: `/dev/${g.vg}/${l.name}` })),
  };
}

function resolveDrbd(d: RawDrbd): DrbdResource {
  // -1 only when neither device nor minor is given; semantic.ts reports that.
  const minor = d.minor ?? drbdMinorOf(d.device) ?? -1;
  const out: DrbdResource = {
    name: d.name,
    device: d.device ?? `/dev/drbd${minor}`,
    minor,
    disk: d.disk,
    port: d.port ?? 7788 + minor,
    metaDisk: d.meta_disk ?? 'internal',
    protocol: d.protocol ?? 'C',
  };
  if (d.filesystem) out.filesystem = { ...d.filesystem };
  if (d.initialize) out.initialize = d.initialize;
  if (d.fencing) out.fencing = d.fencing;
  return out;
}

function resolveService(s: RawService, drbd: DrbdResource[]): ServiceModel {
  const out: ServiceModel = { name: s.name, package: s.package ?? (s.kind ? KIND_PACKAGES[s.kind] : s.name) };
  if (s.drbd) out.drbd = s.drbd;
  if (s.kind) out.kind = s.kind;
  if (s.kind === 'mariadb') out.mariadb = resolveMariadb(s, drbd);
  if (s.kind === 'nfs') out.nfs = resolveNfs(s, drbd);
  if (s.check) out.check = { ...s.check };
  else if (s.kind) out.check = kindCheck(s.kind, out.nfs);
  return out;
}

function resolveGuest(g: RawGuest, cluster: string, drbd: DrbdResource[]): GuestModel {
  const backing = drbd.find((d) => d.name === g.drbd);
  const out: GuestModel = {
    name: g.name,
    type: g.type,
    memoryMiB: g.memory ?? 512,
    vcpus: g.vcpus ?? 1,
    disk: g.disk ?? backing?.device ?? '',
    bridge: g.bridge ?? 'br0',
    mac: (g.mac ?? defaultMac(cluster, g.name, g.type)).toLowerCase(),
  };
  if (g.drbd) out.drbd = g.drbd;
  return out;
}

/**
 * A stable MAC for a guest without one: the hypervisor's locally administered prefix
 * plus a hash of cluster and guest name, so both twins define the same MAC. The fourth
 * octet stays below 0x80: Xen reserves 00:16:3e:80:00:00 and up.
 * @example defaultMac('lab', 'vm1', 'kvm') // '52:54:00:xx:xx:xx', the same on every call
 */
export function defaultMac(cluster: string, guest: string, type: 'kvm' | 'xen'): string {
  const h = createHash('sha256').update(`${cluster}/${guest}`).digest();
  const prefix = type === 'xen' ? '00:16:3e' : '52:54:00';
  return `${prefix}:${[h[0]! & 0x7f, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** Splits `addr:port` (port optional). */
function splitHostPort(text: string): { address: string; port?: number } {
  const i = text.lastIndexOf(':');
  return i < 0 ? { address: text } : { address: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

function resolveRealServer(r: RawRealServer, virtualPort: number): RealServer {
  const o = typeof r === 'string' ? splitHostPort(r) : r;
  return { address: o.address, port: o.port ?? virtualPort, weight: (typeof r === 'string' ? undefined : r.weight) ?? 1 };
}

function resolveLvs(l: RawLvs): LvsService {
  const v = splitHostPort(l.virtual);
  const port = v.port ?? 0;
  const c = l.check;
  const out: LvsService = {
    name: l.name,
    address: v.address,
    port,
    protocol: l.protocol ?? 'tcp',
    scheduler: l.scheduler ?? 'wrr',
    forwarding: l.forwarding ?? 'gate',
    realServers: l.real_servers.map((r) => resolveRealServer(r, port)),
    check: { type: c?.type ?? 'http', path: c?.path ?? '/', interval: c?.interval ?? 5, timeout: c?.timeout ?? 3 },
  };
  if (c?.expect !== undefined) out.check.expect = c.expect;
  if (l.persistent !== undefined) out.persistent = l.persistent;
  return out;
}
