/**
 * Fencing against the live cluster (pure: parsed facts in, items out):
 * (a) fencing disabled in the live CIB (stonith-enabled=false) while the inventory enables
 *     it: drift (exit 2); an inventory with DRBD data and no fencing at all is only a note
 *     (data at risk, but the cluster does what the inventory says: exit unchanged);
 * (b) SBD configured but the watchdog device missing, or sbd.service not active/enabled;
 * (c) live timeouts that contradict each other: SBD_WATCHDOG_TIMEOUT in /etc/default/sbd
 *     against stonith-watchdog-timeout in the CIB.
 */
import { parseCibProperties } from '../../facts/cib-properties.js';
import { parseSbdState, type SbdNodeState } from '../../facts/sbd.js';
import type { ClusterModel } from '../../inventory/model.js';
import type { DriftItem } from './items.js';
import type { HostSections } from './live.js';
import { seconds } from './timing.js';

type Live = Map<string, HostSections>;

/** The live crm_config of the master, when it answered. */
function liveProperties(c: ClusterModel, live: Live): Record<string, string> | undefined {
  const s = live.get(c.master.name)?.properties;
  return s && s.rc === 0 ? parseCibProperties(s.out) : undefined;
}

/**
 * Every fencing finding of the live cluster.
 * @example fencingItems(cluster, live) // [{ kind: 'cluster', subject: 'stonith-enabled', message: 'fencing is disabled …' }]
 */
export function fencingItems(c: ClusterModel, live: Live): DriftItem[] {
  const props = liveProperties(c, live);
  const items: DriftItem[] = [];
  if (c.stonith.enabled && props?.['stonith-enabled'] !== undefined && /^(false|no|off|0)$/i.test(props['stonith-enabled'])) {
    items.push({
      kind: 'cluster',
      host: c.master.name,
      subject: 'stonith-enabled',
      message:
        'fencing is disabled in the live CIB (stonith-enabled=false) while the inventory enables it (cluster.stonith.enabled)' +
        (c.drbd.length ? `: DRBD data (${c.drbd.map((r) => r.name).join(', ')}) at risk of a split brain` : ''),
      hint: 'hactl drift --fix (or bootstrap) sets it back; by hand: crm_attribute --type crm_config --name stonith-enabled --update true',
    });
  }
  if (!c.stonith.sbd) return items;
  const swt = props?.['stonith-watchdog-timeout'];
  for (const n of c.nodes) {
    const s = live.get(n.name)?.sbd;
    if (!s) continue;
    const st = parseSbdState(s.out);
    items.push(...sbdNodeItems(c, n.name, st), ...sbdTimeoutItems(n.name, st, swt));
  }
  return items;
}

/** (b): the watchdog device, sbd.service running and enabled (it starts with corosync). */
export function sbdNodeItems(c: ClusterModel, host: string, st: SbdNodeState): DriftItem[] {
  const sbd = c.stonith.sbd!;
  const out: DriftItem[] = [];
  const base = { kind: 'cluster' as const, host };
  if (!st.watchdog)
    out.push({
      ...base,
      subject: 'sbd watchdog',
      message: `the watchdog device ${sbd.watchdog} SBD arms is missing (cluster.stonith.sbd.watchdog)`,
      hint: sbd.softdog === 'auto' ? 'hactl bootstrap loads softdog (never on a node that shares its kernel)' : 'load the watchdog driver',
    });
  if (st.active !== 'active')
    out.push({
      ...base,
      subject: 'sbd.service',
      message: `sbd.service is ${st.active || 'not known to systemd'}, not active: this node is not fenced by SBD`,
      hint: 'sbd starts with corosync: check `journalctl -u sbd`, then restart the cluster stack on this node',
    });
  if (st.enabled !== 'enabled')
    out.push({
      ...base,
      subject: 'sbd.service enabled',
      message: `sbd.service is ${st.enabled || 'unknown'}, not enabled: corosync would start without it`,
      hint: 'systemctl enable sbd (hactl bootstrap does)',
    });
  return out;
}

/**
 * (c): a positive stonith-watchdog-timeout must be above the node's SBD_WATCHDOG_TIMEOUT
 * (Pacemaker: twice it), or the survivors take a lost node for fenced before its watchdog
 * has reset it. A negative value asks Pacemaker to derive it (2 × the node's own); 0 or
 * unset is watchdog fencing off (disk-based SBD).
 */
export function sbdTimeoutItems(host: string, st: SbdNodeState, stonithWatchdogTimeout: string | undefined): DriftItem[] {
  const wdRaw = st.config?.SBD_WATCHDOG_TIMEOUT;
  if (wdRaw === undefined || stonithWatchdogTimeout === undefined) return [];
  const wd = Number(wdRaw);
  const swt = stonithWatchdogTimeout.trim().startsWith('-') ? -1 : seconds(stonithWatchdogTimeout);
  if (!Number.isFinite(wd) || swt <= 0 || swt > wd) return [];
  return [
    {
      kind: 'timing',
      host,
      subject: 'sbd timeouts',
      message:
        `stonith-watchdog-timeout ${stonithWatchdogTimeout} in the CIB is not above SBD_WATCHDOG_TIMEOUT=${wdRaw} in /etc/default/sbd: ` +
        'the cluster may count a lost node as fenced before its watchdog has reset it',
      hint: `set stonith-watchdog-timeout to ${2 * wd}s (2 × SBD_WATCHDOG_TIMEOUT), or run hactl drift --fix`,
    },
  ];
}

/**
 * An inventory with DRBD data and no fencing: not drift (the cluster does what the inventory
 * says), a note in the report; warning level, exit code unchanged.
 */
export function dataAtRiskNotes(c: ClusterModel): string[] {
  if (c.stonith.enabled || !c.drbd.length) return [];
  return [
    `data at risk: DRBD holds data (${c.drbd.map((r) => r.name).join(', ')}) and cluster.stonith is disabled: ` +
      'a split brain cannot be fenced (fine for a lab, not for production)',
  ];
}
