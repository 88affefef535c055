import { InputError } from '../core/errors.js';
import { revealValue, type Secret } from '../core/secret.js';
import { quote } from '../core/shell.js';
import { addressOn, type ClusterModel, interfaceOf } from '../inventory/model.js';
import { renderedOptions } from '../inventory/stack-options.js';
import { anyDrbdFencing } from './drbd.js';
import { AUTHKEYS, DOPD_DIR, HA_CF, HARESOURCES, LDIRECTORD_CF } from './heartbeat-paths.js';
import { lvsAddresses } from './lvs.js';
import { heartbeatKindResources } from './service-kinds.js';

export { AUTHKEYS, DOPD_DIR, HA_CF, HARESOURCES, LDIRECTORD_CF };
/** ldirectord has no test mode, but `ldirectord FILE status` parses FILE first: exit 0 or 3
 *  (running / stopped) for a good file, 2 with "Error … at line N" for a bad one */
/**
 * Heartbeat has no check mode for its own files (it parses them only when it starts), so
 * these two validators run the checks Heartbeat makes at start-up, on the staged file:
 * authkeys must be 0600 and its `auth N` must name a key line with a method Heartbeat
 * knows (sha1, md5, crc); every resource in haresources must have a script where
 * Heartbeat's ResourceManager looks for it (/etc/ha.d/resource.d, then /etc/init.d).
 * ha.cf has no validator: its values come only from the checked inventory (timing rules
 * Heartbeat enforces are `inventory check` errors), and Heartbeat's start, which the
 * bootstrap waits on, is the final check.
 */
export const AUTHKEYS_VALIDATE = [
  `[ "$(stat -c %a %s)" = 600 ] || { echo "authkeys must be mode 0600 (heartbeat refuses to start otherwise)"; exit 1; };`,
  `awk 'NR == 1 && $1 == "auth" { want = $2 } $1 == want && $2 ~ /^(sha1|md5|crc)$/ && NF == 3 { ok = 1 }`,
  `END { if (!ok) { print "authkeys: no key line with sha1, md5 or crc for the number named by auth N"; exit 1 } }' %s`,
].join(' ');
export const HARESOURCES_VALIDATE = [
  `awk '!/^[[:space:]]*(#|$)/ { for (i = 2; i <= NF; i++) { split($i, r, "::"); print r[1] } }' %s |`,
  `while read -r r; do [ -x "/etc/ha.d/resource.d/$r" ] || [ -x "/etc/init.d/$r" ] ||`,
  `{ echo "haresources: resource $r has no script in /etc/ha.d/resource.d or /etc/init.d"; exit 1; }; done`,
].join(' ');

/** The data ha.cf.hbs renders: ucast to the peer, the arbitrator as ping node. */
export function haCfView(c: ClusterModel, self: string, ipfail: string): Record<string, unknown> {
  const twins = [c.master, c.slave];
  return {
    cluster_name: c.name,
    // the typed options (cluster.timing) that are ha.cf directives: keepalive, warntime, deadtime, initdead, …
    options: renderedOptions(c.timing, 'ha.cf'),
    // one ucast path per cluster link: heartbeat sends every packet on each of them
    peers: twins
      .filter((n) => n.name !== self)
      .flatMap((n) => c.links.map((l) => ({ interface: interfaceOf(c, l.network), address: addressOn(n, l.network) ?? n.address }))),
    // a serial cable: one more path, outside every network (baud before serial: ha.cf reads in order)
    serial: c.serial ?? false,
    auto_failback: c.vars.auto_failback === false ? 'off' : 'on',
    members: twins.map((n) => n.name),
    ping: c.arbitrator?.address ?? '',
    ipfail,
    stonith: stonithHost(c),
    // ha.cf `watchdog DEVICE`: heartbeat feeds it and the kernel resets a node whose heartbeat hangs
    watchdog: c.stonith.watchdog ?? '',
    // DRBD fencing on heartbeat: dopd answers drbd-peer-outdater (the fence-peer handler)
    dopd: anyDrbdFencing(c) ? `${DOPD_DIR}/dopd` : '',
  };
}

/**
 * Heartbeat's fencing line from `cluster.stonith`: the agent is a stonith plugin name
 * (`stonith -L`; a `fence_*` agent is taken as `external/fence_*`, where the lab installs
 * its fence_lab), its parameters positional, in the inventory's order; Pacemaker-only
 * `pcmk_*` parameters are left out.
 * @example stonithHost(c) // { type: 'external/fence_lab', params: '10.77.5.2 1229' }
 */
export function stonithHost(c: ClusterModel): false | { type: string; params: string } {
  const s = c.stonith;
  if (!s.enabled || !s.agent) return false;
  const entries = Object.entries(s.params ?? {})
    .filter(([k]) => !k.startsWith('pcmk_'))
    .map(([k, v]) => [k, revealValue(v)] as const);
  // the inventory check refuses these already (semantic.ts); a model built in code is checked here.
  // The message names the parameter, never its value (it may be a password).
  const bad = entries.find(([, v]) => !/^[^\s#]+$/.test(v));
  if (bad !== undefined) {
    const message = `stonith parameter ${bad[0]} cannot be written into ha.cf (its value has whitespace or "#", or is empty)`;
    throw new InputError(message, { field: `cluster.stonith.params.${bad[0]}` });
  }
  const params = entries.map(([, v]) => v);
  return { type: s.agent.startsWith('fence_') ? `external/${s.agent}` : s.agent, params: params.join(' ') };
}

/** ha.cf's mode: 0600 when its stonith_host line carries parameters (they hold the fence credentials). */
export function haCfMode(c: ClusterModel): string {
  const s = stonithHost(c);
  return s !== false && s.params ? '0600' : '0644';
}

export { clStatus, HEARTBEAT_ALIVE } from '../facts/heartbeat-status.js';

/**
 * One of Heartbeat 3's resource tools (R1, haresources): `hb_standby` gives the node's
 * resources away, `hb_takeover` asks for them; Debian ships them in /usr/share/heartbeat.
 * @example hbTool('hb_takeover') // runs `/usr/share/heartbeat/hb_takeover all`
 */
export const hbTool = (tool: 'hb_standby' | 'hb_takeover', which: 'all' | 'local' | 'foreign' = 'all'): string =>
  `for d in /usr/share/heartbeat /usr/lib/heartbeat; do [ -x $d/${tool} ] && exec $d/${tool} ${which}; done; ` +
  `echo '${tool} not found' >&2; exit 127`;

export function authkeysView(key: Secret): Record<string, unknown> {
  return { key };
}

/**
 * haresources: master, then IPaddr2::VIP/PREFIX/IFACE (floating IPs, then LVS virtual
 * addresses), drbddisk::RES, Filesystem::DEV::DIR::FSTYPE, ldirectord, the services (or
 * xendomains), as the classic howtos. A service of a kind is its agents, `OCF::AGENT::ID`.
 */
export function haresourcesView(c: ClusterModel, drbd: boolean, ipvs = true): Record<string, unknown> {
  // IPaddr2 (iproute2) rather than the howtos' IPaddr, which needs ifconfig (net-tools),
  // absent from Debian 12 installs; same argument syntax
  const res: string[] = c.floatingIps.map((v) => `IPaddr2::${v.address}/${v.prefix}/${v.interface}`);
  // an LVS virtual address must live on the active director too (ldirectord only adds the
  // IPVS rules), as in the howtos' `IPaddr2::VIP ldirectord::ldirectord.cf`
  if (ipvs) res.push(...lvsAddresses(c).map((a) => `IPaddr2::${a}/${c.network.prefix}/${c.interface}`));
  if (drbd) {
    for (const r of c.drbd) {
      res.push(`drbddisk::${r.name}`);
      if (r.filesystem) res.push(`Filesystem::${r.device}::${r.filesystem.mount}::${r.filesystem.type}`);
    }
  }
  if (c.lvs.length && ipvs) res.push(`ldirectord::${LDIRECTORD_CF.replace('/etc/ha.d/', '')}`);
  // a plain service is its init script; a service of a kind, its agents through the OCF wrapper (service-kinds.ts)
  res.push(
    ...c.services
      .filter((s) => drbd || !s.drbd)
      .flatMap((s) => (s.kind ? heartbeatKindResources(c, s).map((r) => r.haresource) : [s.name])),
  );
  if (c.guests.some((g) => g.type === 'xen') && drbd) res.push('xendomains');
  return { cluster_name: c.name, master: c.master.name, resources: res };
}

/**
 * The DRBD tools dopd runs as hacluster to outdate its own node's disk when the peer's
 * drbd-peer-outdater asks: setuid root, group haclient, as drbd-utils' hint for dopd says
 * (without it drbd-peer-outdater returns 20, "fence-peer helper broken"). dpkg's own paths
 * (the package ships /sbin/drbdmeta), so a package upgrade keeps the override.
 */
export const DOPD_SETUID = ['/lib/drbd/drbdsetup-84', '/sbin/drbdmeta'] as const;
const DOPD_OVERRIDE = 'root haclient 4750';

/** Exits 0 when dpkg's override of `path` is {@link DOPD_OVERRIDE}. */
export function dopdOverrideSet(path: string): string {
  return `[ "$(dpkg-statoverride --list ${quote(path)})" = ${quote(`${DOPD_OVERRIDE} ${path}`)} ]`;
}

/** Replaces any override of `path` with {@link DOPD_OVERRIDE} and applies it to the file now. */
export function dopdOverrideCommand(path: string): string {
  const p = quote(path);
  const drop = `dpkg-statoverride --list ${p} >/dev/null && dpkg-statoverride --remove ${p}`;
  return `{ ${drop}; true; } && dpkg-statoverride --add --update ${DOPD_OVERRIDE} ${p}`;
}
