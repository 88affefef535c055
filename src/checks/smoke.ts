import { NodeError } from '../core/errors.js';
import { quote } from '../core/shell.js';
import { ADDRESSES_COMMAND, holdsAddress, holdsAddressCommand } from '../facts/addresses.js';
import { CRM_MON_COMMAND, parseCrmMon, parseGroups } from '../facts/crm-mon.js';
import { DRBD_STATUS_COMMAND, type DrbdState, parseDrbdSection } from '../facts/drbd-status.js';
import { heartbeatStatusCommand, parseHeartbeatStatus } from '../facts/heartbeat-status.js';
import { downPeers, KNET_LINKS_COMMAND, type KnetLink, parseKnetLinks } from '../facts/knet-links.js';
import {
  parseQdeviceStatus,
  parseQnetdClusters,
  QDEVICE_STATUS_COMMAND,
  QNETD_CLUSTERS_COMMAND,
  qdeviceProblem,
  qnetdProblem,
} from '../facts/qdevice.js';
import { parseQuorum, QUORUM_COMMAND } from '../facts/quorum.js';
import { type ClusterModel, type NodeModel, probedService, type ServiceCheck, type Stack } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import { members, qdeviceVotes } from '../stack/corosync.js';
import { splitBrainHint } from '../stack/drbd-safety.js';
import { directors, LDIRECTORD_CF, lvsAddresses, lvsNodes } from '../stack/lvs.js';
import { GROUP_ID, LVS_GROUP_ID } from '../stack/pacemaker.js';
import { isDiskless } from '../stack/sbd.js';
import type { Connection } from '../transport/types.js';
import { drbdProblems, isResyncing } from './drbd.js';
import { probe } from './http.js';

export interface SmokeCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface SmokeReport {
  ok: boolean;
  checks: SmokeCheck[];
  /** where the floating IP answered */
  vip?: string;
}

export interface SmokeOptions {
  /**
   * Nodes expected to be gone (a failed twin about to be replaced): not asked, not
   * required online, their votes and DRBD peer connection not required
   */
  absent?: string[];
}

/**
 * Proves the cluster works as a client would see it: membership and quorum, resources
 * running together on a twin, no failed actions, and the floating IP answering a real
 * request from the orchestrator and from the arbitrator.
 */
export async function smoke(c: ClusterModel, connector: Connector, opts: SmokeOptions = {}): Promise<SmokeReport> {
  const absent = new Set(opts.absent ?? []);
  const checks = await STACK_CHECKS[c.stack](c, connector, absent);
  checks.push(...(await drbdChecks(c, connector, absent)));
  checks.push(...(await vipChecks(c, connector)));
  checks.push(...(await commandChecks(c, connector, absent)));
  const vip = c.floatingIps[0];
  const svc = probedService(c);
  return { ok: checks.every((k) => k.ok), checks, vip: vip && svc ? serviceUrl(vip.address, svc.check) : vip?.address };
}

/** Where a client reaches the service: an HTTP URL when the check has a path, else `tcp://ADDRESS:PORT`. */
export function serviceUrl(address: string, check: { port: number; path?: string }): string {
  return check.path === undefined ? `tcp://${address}:${check.port}` : `http://${address}:${check.port}${check.path}`;
}

async function firstReachable(_c: ClusterModel, connector: Connector, nodes: NodeModel[]) {
  const errors: string[] = [];
  for (const n of nodes) {
    try {
      return { node: n, conn: await connector.get(n) };
    } catch (err) {
      errors.push(`${n.name}: ${(err as Error).message}`); // try the next twin
    }
  }
  throw new NodeError(`none of ${nodes.map((n) => n.name).join(', ')} is reachable over SSH`, {
    output: errors.join('\n'),
    hint: 'check the network, sshd and known_hosts of the twins',
  });
}

async function pacemakerChecks(c: ClusterModel, connector: Connector, absent: Set<string>): Promise<SmokeCheck[]> {
  const { node, conn } = await firstReachable(
    c,
    connector,
    [c.master, c.slave].filter((n) => !absent.has(n.name)),
  );
  const sbd = c.stonith.enabled ? c.stonith.sbd : undefined;
  const [mon, q, links, swt] = await Promise.all([
    conn.exec(CRM_MON_COMMAND),
    conn.exec(QUORUM_COMMAND),
    c.links.length > 1 ? conn.exec(KNET_LINKS_COMMAND) : undefined,
    sbd && isDiskless(sbd) ? conn.exec(WATCHDOG_TIMEOUT_COMMAND) : undefined,
  ]);
  if (mon.code !== 0)
    return [
      { check: 'pacemaker', ok: false, detail: `crm_mon failed on ${node.name}: ${(mon.stderr || mon.stdout).trim().split('\n')[0]}` },
    ];
  const st = parseCrmMon(mon.stdout);
  const quorum = parseQuorum(q.stdout);
  const all = members(c).map((n) => n.name);
  const want = all.filter((n) => !absent.has(n));
  const offline = want.filter((n) => !st.nodes.find((x) => x.name === n && x.online));
  // a QNetd arbitrator's vote comes through the twins' corosync-qdevice (cluster.arbitrator.mode: qdevice)
  const qd = qdeviceVotes(c);
  const lvs = c.lvs.length ? await lvsOnHolder(c, connector, absent) : [];
  return [
    {
      check: 'members online',
      ok: offline.length === 0,
      detail: offline.length ? `offline: ${offline.join(', ')}` : `${want.length}/${want.length} online (${want.join(', ')})`,
    },
    {
      check: 'quorum',
      // an absent node may still be up (a twin about to be rebuilt): its vote is welcome, not required
      ok:
        quorum.quorate &&
        (absent.size ? quorum.totalVotes >= want.length + qd : quorum.totalVotes === want.length + qd) &&
        quorum.expectedVotes === all.length + qd,
      detail:
        `${quorum.quorate ? 'quorate' : 'NOT quorate'}, ${quorum.totalVotes} of ${quorum.expectedVotes} expected votes ` +
        `(want ${want.length + qd}${qd ? `, ${qd} of them the qdevice's` : ''}` +
        `${absent.size ? ` of ${all.length}: ${[...absent].join(', ')} absent` : ''})`,
    },
    serviceGroupCheck(c, mon.stdout, st),
    ...(directors(c).length && c.lvs.length ? [lvsGroupCheck(c, mon.stdout, st)] : []),
    {
      check: 'failed actions',
      ok: st.failures.length === 0,
      detail: st.failures.length ? st.failures.map((f) => `${f.op} on ${f.node}: ${f.status}`).join('; ') : 'none',
    },
    fencingCheck(c, st.resources, swt?.stdout.trim()),
    ...(links ? [linksCheck(c, parseKnetLinks(links.stdout), absent)] : []),
    ...(c.qdevice ? await qdeviceChecks(c, connector, absent) : []),
    ...lvs,
  ];
}

/**
 * A QNetd arbitrator (cluster.arbitrator.mode: qdevice), from both ends: each twin's
 * corosync-qdevice connected with the inventory's algorithm (one twin that is not still
 * leaves the cluster quorate, so the vote count alone does not show it), and qnetd listing
 * the cluster with every twin.
 */
async function qdeviceChecks(c: ClusterModel, connector: Connector, absent: Set<string>): Promise<SmokeCheck[]> {
  const want = c.qdevice?.algorithm ?? 'ffsplit';
  const twins = [c.master, c.slave].filter((n) => !absent.has(n.name));
  const read = async (n: NodeModel, command: string): Promise<{ out: string; code: number } | string> => {
    try {
      const r = await (await connector.get(n)).exec(command);
      return { out: `${r.stdout}${r.stderr}`, code: r.code };
    } catch (err) {
      return `${n.name} does not answer: ${(err as Error).message}`;
    }
  };
  const parts = await Promise.all(
    twins.map(async (n) => {
      const r = await read(n, QDEVICE_STATUS_COMMAND);
      const problem = typeof r === 'string' ? r : qdeviceProblem(parseQdeviceStatus(r.out, r.code), want);
      return { node: n, ok: !problem, text: `${n.name}: ${problem ?? `connected (${want})`}` };
    }),
  );
  const checks: SmokeCheck[] = [{ check: 'qdevice', ok: parts.every((p) => p.ok), detail: parts.map((p) => p.text).join('; ') }];
  const arb = c.arbitrator;
  if (arb && !absent.has(arb.name)) {
    const r = await read(arb, QNETD_CLUSTERS_COMMAND);
    // qnetd must list the twins whose qdevice is connected (one that is not fails the check above)
    const connected = parts.filter((p) => p.ok).map((p) => p.node);
    const problem = typeof r === 'string' ? r : qnetdProblem(parseQnetdClusters(r.out, r.code), c.name, connected, want);
    checks.push({
      check: 'qnetd',
      ok: !problem,
      detail: problem ?? `${arb.name} serves "${c.name}"${connected.length ? ` with ${connected.map((t) => t.name).join(', ')}` : ''}`,
    });
  }
  return checks;
}

/**
 * The LVS check where ldirectord runs: on the twin holding the floating IP, or with a director
 * pair on the director holding the first LVS virtual address (none when no node holds it:
 * another check says so).
 */
async function lvsOnHolder(c: ClusterModel, connector: Connector, absent: Set<string>): Promise<SmokeCheck[]> {
  const pair = directors(c).length > 0;
  const address = pair ? lvsAddresses(c)[0] : c.floatingIps[0]?.address;
  if (!address) return [];
  for (const n of lvsNodes(c).filter((x) => !absent.has(x.name))) {
    const conn = await connector.get(n);
    if ((await conn.exec(holdsAddressCommand(address))).code === 0) return [await lvsCheck(c, conn)];
  }
  return pair
    ? [
        {
          check: 'LVS (ldirectord)',
          ok: false,
          detail: `no director (${lvsNodes(c)
            .map((n) => n.name)
            .join(', ')}) holds ${address}`,
        },
      ]
    : [];
}

/**
 * With several links (cluster.links), every link connected to every other member: one
 * down costs no failover but leaves the cluster one cable from a split, so it fails smoke.
 * @example linksCheck(cluster, parseKnetLinks(out)) // { check: 'links', ok: true, detail: 'link 0 (backplane) connected; …' }
 */
export function linksCheck(
  c: Pick<ClusterModel, 'links' | 'nodes'>,
  links: readonly KnetLink[],
  absent: ReadonlySet<string> = new Set(),
): SmokeCheck {
  const parts = c.links.map((l, i) => {
    const link = links.find((x) => x.id === i);
    if (!link) return { ok: false, text: `link ${i} (${l.network}) missing` };
    const down = downPeers(link, c.nodes, (n) => !absent.has(n));
    return { ok: !down.length, text: `link ${i} (${l.network}) ${down.length ? `down to ${down.join(', ')}` : 'connected'}` };
  });
  return { check: 'links', ok: parts.every((p) => p.ok), detail: parts.map((p) => p.text).join('; ') };
}

/**
 * The service group runs whole on one twin, every member started. Its members only:
 * resources declared in the inventory (a clone on every node) and an operator's own run
 * where their constraints say, which is not this check's business.
 * @example serviceGroupCheck(cluster, crmMonXml)
 * // { check: 'resources', ok: true, detail: 'vip, svc-apache2 (group ha-services) on master' }
 */
export function serviceGroupCheck(c: Pick<ClusterModel, 'master' | 'slave'>, crmMonXml: string, st = parseCrmMon(crmMonXml)): SmokeCheck {
  const groups = parseGroups(crmMonXml);
  const groupRes = st.resources.filter((r) => r.id !== '' && groups.get(r.id) === GROUP_ID);
  const where = [...new Set(groupRes.flatMap((r) => r.nodes))];
  const stopped = groupRes.filter((r) => !r.active).map((r) => r.id);
  return {
    check: 'resources',
    ok: groupRes.length > 0 && stopped.length === 0 && where.length === 1 && [c.master.name, c.slave.name].includes(where[0]!),
    detail: stopped.length
      ? `not running: ${stopped.join(', ')}`
      : `${groupRes.map((r) => r.id).join(', ')} (group ${GROUP_ID}) on ${where.join(', ') || 'nowhere'}`,
  };
}

/**
 * With a director pair (the three tiers): the LVS group runs whole on one director, every
 * member started, apart from the services group on the twins.
 * @example lvsGroupCheck(threeTier, crmMonXml)
 * // { check: 'LVS resources', ok: true, detail: 'vip-lvs-web, ldirectord (group lvs) on lvs-a' }
 */
export function lvsGroupCheck(c: Pick<ClusterModel, 'nodes'>, crmMonXml: string, st = parseCrmMon(crmMonXml)): SmokeCheck {
  const groups = parseGroups(crmMonXml);
  const groupRes = st.resources.filter((r) => r.id !== '' && groups.get(r.id) === LVS_GROUP_ID);
  const where = [...new Set(groupRes.flatMap((r) => r.nodes))];
  const stopped = groupRes.filter((r) => !r.active).map((r) => r.id);
  const pair = directors(c).map((n) => n.name);
  return {
    check: 'LVS resources',
    ok: groupRes.length > 0 && stopped.length === 0 && where.length === 1 && pair.includes(where[0]!),
    detail: stopped.length
      ? `not running: ${stopped.join(', ')}`
      : `${groupRes.map((r) => r.id).join(', ') || 'no resources'} (group ${LVS_GROUP_ID}) on ${where.join(', ') || 'nowhere'}` +
        (where.length === 1 && !pair.includes(where[0]!) ? `, not a director (${pair.join(', ')})` : ''),
  };
}

/** Read-only: the live `stonith-watchdog-timeout` (empty when unset). */
const WATCHDOG_TIMEOUT_COMMAND = 'crm_attribute -t crm_config -n stonith-watchdog-timeout -G -q 2>/dev/null || true';

/**
 * Fencing as the cluster runs it: every STONITH device started when the inventory enables
 * fencing; with diskless SBD (no device: the watchdog fences) a positive live
 * `stonith-watchdog-timeout` (`watchdogTimeout`), which bootstrap sets only once sbd runs on every voter.
 */
export function fencingCheck(
  c: Pick<ClusterModel, 'stonith'>,
  resources: ReturnType<typeof parseCrmMon>['resources'],
  watchdogTimeout?: string,
): SmokeCheck {
  const devices = resources.filter((r) => r.agent.startsWith('stonith'));
  if (!c.stonith.enabled) {
    return { check: 'fencing', ok: true, detail: 'disabled in the inventory (cluster.stonith): nothing stops a split brain' };
  }
  const sbd = c.stonith.sbd;
  if (sbd && isDiskless(sbd) && !devices.length) {
    const armed = Number.parseFloat(watchdogTimeout ?? '') > 0;
    return {
      check: 'fencing',
      ok: armed,
      detail: armed
        ? `diskless SBD: stonith-watchdog-timeout ${watchdogTimeout} (watchdog self-fencing, no device)`
        : 'diskless SBD, but stonith-watchdog-timeout is not set: sbd does not run on every voter (restart the stack there)',
    };
  }
  const stopped = devices.filter((r) => !r.active).map((r) => r.id);
  return {
    check: 'fencing',
    ok: devices.length > 0 && stopped.length === 0,
    detail: !devices.length
      ? 'enabled in the inventory, but the cluster has no STONITH device'
      : stopped.length
        ? `STONITH device(s) not running: ${stopped.join(', ')}`
        : `${devices.map((r) => r.id).join(', ')} started (${c.stonith.agent})`,
  };
}

type StackChecks = (c: ClusterModel, connector: Connector, absent: Set<string>) => Promise<SmokeCheck[]>;

/** Membership, quorum and resource checks, per stack (DRBD and the VIP are checked the same way for both). */
const STACK_CHECKS: { readonly [S in Stack]: StackChecks } = {
  pacemaker: (c, connector, absent) => pacemakerChecks(c, connector, absent),
  heartbeat: (c, connector, absent) => heartbeatChecks(c, connector, absent),
};

const ADDR_MARK = '@@hactl-addresses';

async function heartbeatChecks(c: ClusterModel, connector: Connector, absent: Set<string>): Promise<SmokeCheck[]> {
  const out: SmokeCheck[] = [];
  const holders: string[] = [];
  for (const n of [c.master, c.slave].filter((x) => !absent.has(x.name))) {
    const conn = await connector.get(n);
    const peer = n.name === c.master.name ? c.slave.name : c.master.name;
    // heartbeat's view and the addresses, in one round trip
    // (and the serial cable's state towards the peer: a dead cable is a path a split would find missing)
    const serial = c.serial ? [{ node: peer, link: c.serial.device }] : [];
    const r = await conn.exec(`${heartbeatStatusCommand([peer], serial)}; echo ${ADDR_MARK}; ${ADDRESSES_COMMAND}`);
    const [hbOut = '', ipOut = ''] = r.stdout.split(`${ADDR_MARK}\n`);
    const st = parseHeartbeatStatus(hbOut);
    if (c.floatingIps.some((v) => holdsAddress(ipOut, v.address))) holders.push(n.name);
    const peerActive = st.nodes[peer] === 'active';
    const peerOk = absent.has(peer) || peerActive;
    const cable = c.serial ? (st.links[`${peer} ${c.serial.device}`] ?? 'unknown') : undefined;
    const cableOk = !cable || absent.has(peer) || cable === 'up';
    out.push({
      check: `heartbeat on ${n.name}`,
      ok: st.running && peerOk && cableOk,
      detail:
        `${st.running ? 'running' : 'NOT running'}, ` +
        `peer ${peer} ${peerActive ? 'active' : absent.has(peer) ? 'dead (absent)' : 'dead'}` +
        (cable && !absent.has(peer)
          ? `, serial ${c.serial?.device} ${cable === 'up' ? 'up' : `${cable.toUpperCase()} (check the cable and baud)`}`
          : ''),
    });
  }
  out.push({
    check: 'floating IP holder',
    ok: holders.length === 1,
    detail: holders.length === 1 ? `on ${holders[0]}` : holders.length ? `on BOTH ${holders.join(' and ')} (split brain)` : 'on no twin',
  });
  if (c.lvs.length && holders.length === 1)
    out.push(await lvsCheck(c, await connector.get(holders[0] === c.master.name ? c.master : c.slave)));
  return out;
}

/**
 * DRBD as the kernels run it, one check per resource: up on both twins, Connected, both
 * disks UpToDate (a resync in progress passes, with its progress), Primary on at most one
 * twin, and no split brain — which is reported with the commands that end it, never
 * resolved by hactl. Where no twin has the DRBD module (the namespace lab), one passing
 * line says so.
 */
export async function drbdChecks(c: ClusterModel, connector: Connector, absent: Set<string> = new Set()): Promise<SmokeCheck[]> {
  if (!c.drbd.length) return [];
  const minors = new Map(c.drbd.map((r) => [r.minor, r.name]));
  const twins = [c.master, c.slave].filter((n) => !absent.has(n.name));
  const seen = await Promise.all(
    twins.map(async (n) => {
      try {
        const r = await (await connector.get(n)).exec(DRBD_STATUS_COMMAND);
        return { node: n.name, states: parseDrbdSection(r.stdout, minors) };
      } catch (err) {
        return { node: n.name, error: (err as Error).message.split('\n')[0] };
      }
    }),
  );
  if (seen.every((s) => !s.error && !s.states)) {
    return [
      {
        check: 'drbd',
        ok: true,
        detail: `not active: no DRBD kernel module on ${twins.map((n) => n.name).join(', ')} (configured, not replicating)`,
      },
    ];
  }
  return c.drbd.map((r) =>
    judgeDrbd(
      r.name,
      seen.map((s) => ({ node: s.node, error: s.error, state: s.states?.find((x) => x.name === r.name), module: Boolean(s.states) })),
      absent.size > 0,
    ),
  );
}

/** One resource as seen by each twin (pure: the smoke check's verdict). */
export function judgeDrbd(
  resource: string,
  sides: Array<{ node: string; error?: string; module: boolean; state?: DrbdState }>,
  peerMayBeGone = false,
): SmokeCheck {
  const check = `drbd ${resource}`;
  const bad: string[] = [];
  const notes: string[] = [];
  for (const s of sides) {
    const st = s.state;
    if (s.error) {
      bad.push(`${s.node}: not checked (${s.error})`);
      continue;
    }
    if (!s.module) {
      bad.push(`${s.node}: no DRBD kernel module`);
      continue;
    }
    if (!st) {
      bad.push(`${s.node}: not up`);
      continue;
    }
    if (st.splitBrain) return { check, ok: false, detail: `SPLIT BRAIN seen by ${s.node} (${st.splitBrain}): ${splitBrainHint(resource)}` };
    for (const why of drbdProblems(st, { strictness: 'serving', peerMayBeGone })) {
      bad.push(`${s.node}: ${why}${/StandAlone/.test(why) ? `; \`drbdadm connect ${resource}\` after checking why` : ''}`);
    }
    const p = st.peers.find((x) => isResyncing(x.replication));
    if (p) notes.push(`${s.node} ${p.replication}${p.done !== undefined ? ` ${p.done}%` : ''}`);
  }
  const primaries = sides.filter((s) => s.state?.role === 'Primary').map((s) => s.node);
  if (primaries.length > 1) bad.push(`Primary on ${primaries.join(' and ')} at once`);
  if (bad.length) return { check, ok: false, detail: bad.join('; ') };
  return {
    check,
    ok: true,
    detail:
      `${primaries.length ? `Primary on ${primaries[0]}` : 'no Primary'}, ` +
      `${notes.length ? `resyncing (${notes.join(', ')})` : `UpToDate on ${sides.map((s) => s.node).join(' and ')}`}`,
  };
}

/**
 * LVS on the active director: `ipvsadm -Ln` must list every real server. Where the kernel
 * has no IPVS (the namespace lab), say so and check the deployed ldirectord.cf instead.
 */
async function lvsCheck(c: ClusterModel, conn: Connection): Promise<SmokeCheck> {
  const r = await conn.exec(`if [ -e /proc/net/ip_vs ]; then ipvsadm -Ln; else echo NO-IPVS; cat ${LDIRECTORD_CF}; fi`);
  const want = c.lvs.flatMap((v) => v.realServers.map((rs) => ({ v: `${v.address}:${v.port}`, rs: `${rs.address}:${rs.port}` })));
  const missing = want.filter((w) => !r.stdout.includes(w.v) || !r.stdout.includes(w.rs)).map((w) => `${w.v} → ${w.rs}`);
  if (r.stdout.startsWith('NO-IPVS')) {
    return {
      check: 'LVS (ldirectord)',
      ok: missing.length === 0,
      detail:
        'IPVS is not available in this kernel: checked the deployed ldirectord.cf instead ' +
        `(${missing.length ? 'missing ' + missing.join(', ') : `${c.lvs.length} virtual service(s), ${want.length} real server(s)`})`,
    };
  }
  return {
    check: 'LVS (ipvsadm)',
    ok: missing.length === 0,
    detail: missing.length ? `not in ipvsadm -Ln: ${missing.join(', ')}` : `${want.length} real server(s) listed`,
  };
}

async function vipChecks(c: ClusterModel, connector: Connector): Promise<SmokeCheck[]> {
  const vip = c.floatingIps[0];
  const svc = probedService(c);
  if (!vip || !svc) return [];
  // a check with a path is an HTTP GET; a check with only a port is a TCP connect (an NFS or
  // database port is never sent an HTTP request)
  const { check } = svc;
  const { port, path } = check;
  const what = path === undefined ? 'TCP connect' : 'HTTP';
  const out: SmokeCheck[] = [];
  const local = await retry(async () => {
    const r = await probe(vip.address, port, path, 2000);
    const bad = answerProblem(check, r);
    return { ...r, ok: bad === undefined, bad };
  });
  const localOk = path === undefined ? `TCP connect to ${vip.address}:${port} in ${local.ms} ms` : `HTTP ${local.status} in ${local.ms} ms`;
  out.push({ check: 'VIP from orchestrator', ok: local.ok, detail: local.ok ? localOk : `no answer (${what}): ${local.bad}` });
  if (c.arbitrator) {
    const conn = await connector.get(c.arbitrator);
    const r = await conn.exec(arbitratorProbe(vip.address, port, path));
    const got = parseArbitratorProbe(r.stdout, path);
    const bad = answerProblem(check, got) ?? (got.ok ? undefined : r.stderr.trim() || got.error);
    out.push({
      check: `VIP from ${c.arbitrator.name}`,
      ok: bad === undefined,
      detail: bad === undefined ? (path === undefined ? 'TCP connect' : `HTTP ${got.status}`) : `no answer (${what}: ${bad})`,
    });
  }
  return out;
}

/**
 * Why an answer does not pass a service check (undefined: it passes): no answer, a status
 * other than the check's `status` (without one: 500 or over), or a body without `expect`.
 * @example answerProblem({ port: 80, path: '/', status: 200 }, { ok: true, status: 301 }) // 'HTTP 301, not 200'
 */
export function answerProblem(check: ServiceCheck, r: { ok: boolean; status?: number; body?: string; error?: string }): string | undefined {
  if (r.status === undefined) return r.ok ? undefined : (r.error ?? 'no answer');
  if (check.status !== undefined ? r.status !== check.status : r.status >= 500)
    return `HTTP ${r.status}${check.status !== undefined ? `, not ${check.status}` : ''}`;
  if (check.expect && !(r.body ?? '').includes(check.expect)) return `HTTP ${r.status}, but the answer lacks "${check.expect}"`;
  return undefined;
}

/**
 * The shell command the arbitrator runs to reach the VIP: curl for an HTTP check (the URL
 * quoted as one word, whatever the path holds; the body, then the status on a line of its
 * own), bash's /dev/tcp for a TCP check.
 */
export function arbitratorProbe(address: string, port: number, path: string | undefined): string {
  const tcp = `timeout 3 bash -c ${quote(`exec 3<>/dev/tcp/${address}/${port}`)} 2>/dev/null && echo tcp-ok`;
  if (path === undefined) return tcp;
  return `curl -s -m 3 -w '\n%{http_code}' -- ${quote(`http://${address}:${port}${path}`)}`;
}

/** {@link arbitratorProbe}'s output read back: the status (its last line) and the body before it. */
export function parseArbitratorProbe(
  stdout: string,
  path: string | undefined,
): { ok: boolean; status?: number; body?: string; error?: string } {
  if (path === undefined) return stdout.trim() === 'tcp-ok' ? { ok: true } : { ok: false, error: 'no TCP connect' };
  const cut = stdout.lastIndexOf('\n');
  const code = stdout.slice(cut + 1).trim();
  if (!/^[1-5]\d\d$/.test(code)) return { ok: false, error: code === '000' || !code ? 'no HTTP answer (000)' : code };
  return { ok: Number(code) < 500, status: Number(code), body: stdout.slice(0, Math.max(cut, 0)) };
}

/**
 * The services' own commands (`check.command`), run where the service runs: on the twin
 * holding the floating IP (or the master, without one), as `sh -c`, the command one quoted
 * word. Healthy when it exits 0 (and, for a check without a port, its output holds `expect`);
 * the detail names the twin and the output's last line.
 */
async function commandChecks(c: ClusterModel, connector: Connector, absent: Set<string>): Promise<SmokeCheck[]> {
  const services = c.services.filter((s) => s.check?.command !== undefined);
  if (!services.length) return [];
  const vip = c.floatingIps[0];
  const twins = [c.master, c.slave].filter((n) => !absent.has(n.name));
  const out: SmokeCheck[] = [];
  for (const s of services) {
    const answers = await Promise.all(
      twins.map(async (n) => {
        const r = await (await connector.get(n)).exec(serviceCommandScript(s.check!.command!, vip?.address, n === c.master));
        return { node: n.name, ...parseServiceCommand(r.stdout) };
      }),
    );
    const ran = answers.find((a) => a.rc !== undefined);
    out.push(commandVerdict(s.name, s.check!, ran));
  }
  return out;
}

/** Runs `command` if this node holds `vip` (or, without a VIP, on the master): `holder rc=N` then its output. */
export function serviceCommandScript(command: string, vip: string | undefined, master: boolean): string {
  const here = vip ? holdsAddressCommand(vip) : master ? 'true' : 'false';
  return `if ${here}; then out=$(timeout 30 sh -c ${quote(command)} </dev/null 2>&1); rc=$?; printf 'holder rc=%s\n%s\n' "$rc" "$out"; fi`;
}

/** {@link serviceCommandScript}'s output: the exit code when this node ran it, and what it printed. */
export function parseServiceCommand(stdout: string): { rc?: number; output: string } {
  const m = /^holder rc=(\d+)\n([\s\S]*)$/.exec(stdout);
  return m ? { rc: Number(m[1]), output: m[2]!.trim() } : { output: '' };
}

/** The smoke verdict of one service's command, from the twin that ran it (undefined: no twin holds the service). */
export function commandVerdict(
  service: string,
  check: ServiceCheck,
  ran: { node: string; rc?: number; output: string } | undefined,
): SmokeCheck {
  const name = `service ${service} (command)`;
  if (!ran || ran.rc === undefined) return { check: name, ok: false, detail: 'no twin holds the floating IP: the command did not run' };
  // the last line: a tool's verdict comes last (apache2ctl -t: warnings, then "Syntax OK")
  const last = ran.output.split('\n').at(-1)?.slice(0, 120) ?? '';
  const said = last ? `: ${last}` : '';
  if (ran.rc !== 0) return { check: name, ok: false, detail: `exit ${ran.rc} on ${ran.node}${said}` };
  if (check.port === undefined && check.expect && !ran.output.includes(check.expect))
    return { check: name, ok: false, detail: `exit 0 on ${ran.node}, but its output lacks "${check.expect}"${said}` };
  return { check: name, ok: true, detail: `exit 0 on ${ran.node}${said}` };
}

async function retry<T extends { ok: boolean }>(fn: () => Promise<T>, tries = 5): Promise<T> {
  let last = await fn();
  for (let i = 1; i < tries && !last.ok; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    last = await fn();
  }
  return last;
}
