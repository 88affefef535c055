/**
 * Pure rules for the other live layers: DRBD replication (where the kernel has DRBD),
 * Heartbeat's peers and who holds the floating IP, and package version skew.
 */

import { holdsAddress } from '../../facts/addresses.js';
import { type DebPackages, parseDebPackages } from '../../facts/dpkg.js';
import { parseDrbdSection } from '../../facts/drbd-status.js';
import { parseHeartbeatStatus } from '../../facts/heartbeat-status.js';
import type { ClusterModel } from '../../inventory/model.js';
import { splitBrainHint } from '../../stack/drbd-safety.js';
import { drbdProblems } from '../drbd.js';
import type { DriftItem } from './items.js';
import type { HostSections } from './live.js';
import { versionSkew } from './packages.js';

type Live = Map<string, HostSections>;

/**
 * DRBD must be Connected and UpToDate on both sides, and Primary on at most one twin.
 * Twins without the DRBD module loaded are skipped (bootstrap's check run reports a
 * module that should be loaded).
 *
 * @example
 *   drbdItems(cluster, live) // [{ kind: 'cluster', host: 'slave', subject: 'drbd r0', message: 'not connected to its peer: StandAlone' }]
 */
export function drbdItems(c: ClusterModel, live: Live): DriftItem[] {
  const minors = new Map(c.drbd.map((r) => [r.minor, r.name]));
  const items: DriftItem[] = [];
  const primaries = new Map<string, string[]>();
  for (const n of [c.master, c.slave]) {
    const s = live.get(n.name)?.drbd;
    const states = s ? parseDrbdSection(s.out, minors) : undefined;
    if (!states) continue;
    for (const r of c.drbd) {
      const st = states.find((x) => x.name === r.name);
      const base = { kind: 'cluster' as const, host: n.name, subject: `drbd ${r.name}` };
      if (!st) {
        items.push({ ...base, message: 'not up (drbdadm status does not list it)', hint: `drbdadm adjust ${r.name}` });
        continue;
      }
      if (st.role === 'Primary') primaries.set(r.name, [...(primaries.get(r.name) ?? []), n.name]);
      if (st.splitBrain) {
        items.push({ ...base, message: `split brain, not resolved (kernel: ${st.splitBrain})`, hint: splitBrainHint(r.name) });
        continue;
      }
      const problems = drbdProblems(st);
      if (problems.length)
        items.push({
          ...base,
          message: problems.join('; '),
          hint: problems.some((p) => /StandAlone/.test(p)) ? `check for a split brain, then drbdadm connect ${r.name}` : undefined,
        });
    }
  }
  for (const [res, on] of primaries) {
    if (on.length > 1)
      items.push({ kind: 'cluster', subject: `drbd ${res}`, message: `Primary on ${on.join(' and ')} at once (split brain)` });
  }
  return items;
}

/**
 * Heartbeat: running on both twins, each seeing its peer and the ping node (arbitrator)
 * alive, and exactly one twin holding the floating IPs — the master while auto_failback is on.
 */
export function heartbeatItems(c: ClusterModel, live: Live): DriftItem[] {
  const items: DriftItem[] = [];
  const holders: string[] = [];
  const twins = [c.master, c.slave];
  for (const n of twins) {
    const s = live.get(n.name);
    if (!s?.heartbeat) continue;
    const st = parseHeartbeatStatus(s.heartbeat.out);
    const base = { kind: 'cluster' as const, host: n.name };
    if (!st.running) {
      items.push({ ...base, subject: 'heartbeat', message: 'Heartbeat is not running' });
      continue;
    }
    const peer = twins.find((t) => t.name !== n.name)!;
    const ps = st.nodes[peer.name] ?? 'unknown';
    if (ps !== 'active' && ps !== 'up')
      items.push({ ...base, subject: `peer ${peer.name}`, message: `Heartbeat sees its peer ${peer.name} as ${ps}` });
    if (c.arbitrator) {
      const ping = st.nodes[c.arbitrator.address] ?? 'unknown';
      if (ping === 'dead' || ping === 'unknown')
        items.push({
          ...base,
          subject: `ping ${c.arbitrator.address}`,
          message: `Heartbeat sees the ping node ${c.arbitrator.address} (${c.arbitrator.name}) as ${ping}`,
        });
    }
    if (s.addresses && c.floatingIps.some((v) => holdsAddress(s.addresses!.out, v.address))) holders.push(n.name);
  }
  const answered = twins.filter((t) => live.get(t.name)?.addresses);
  if (answered.length === 2) items.push(...holderItems(c, holders));
  return items;
}

function holderItems(c: ClusterModel, holders: string[]): DriftItem[] {
  const vips = c.floatingIps.map((v) => v.address).join(', ');
  const base = { kind: 'cluster' as const, subject: 'floating ip' };
  if (holders.length === 0) return [{ ...base, message: `no twin holds ${vips}` }];
  if (holders.length > 1) return [{ ...base, message: `both twins hold ${vips} (split brain)` }];
  if (holders[0] !== c.master.name && c.vars.auto_failback !== false) {
    return [
      { ...base, message: `${vips} is on ${holders[0]}, not on ${c.master.name}, the inventory's master, although auto_failback is on` },
    ];
  }
  return [];
}

/** Version skew from every node's `packages` section. */
export function skewItems(live: Live): DriftItem[] {
  const installed = new Map<string, DebPackages>();
  for (const [host, s] of live) if (s.packages) installed.set(host, parseDebPackages(s.packages.out));
  return versionSkew(installed);
}
