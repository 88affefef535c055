/**
 * Which node answered a probe. Best first: a marker the node serves (its own name), then
 * the orchestrator's ARP entry for the VIP (the MAC that really received the request,
 * when the orchestrator shares the VIP's network), then the one twin holding the VIP.
 */
import { readFileSync } from 'node:fs';
import type { ProbeResult } from '../http.js';

/**
 * The MAC this host's ARP table holds for `address` (complete entries only).
 * @example arpMac('10.77.0.100') // '02:77:00:00:00:0b'
 */
export function arpMac(address: string, table = readArp()): string | undefined {
  for (const line of table.split('\n').slice(1)) {
    const [ip, , flags, mac] = line.trim().split(/\s+/);
    if (ip === address && flags !== '0x0' && mac && mac !== '00:00:00:00:00:00') return mac.toLowerCase();
  }
  return undefined;
}

function readArp(): string {
  try {
    return readFileSync('/proc/net/arp', 'utf8');
  } catch {
    return '';
  }
}

export interface IdentifyOptions {
  vip: string;
  nodes: readonly string[];
  /** MAC (lower case) → node name, of the twins' VIP interfaces */
  macs: ReadonlyMap<string, string>;
  /** the probe requests a marker path whose body is the answering node's name */
  marker: boolean;
  /** the one twin holding the VIP now, per the watcher */
  holder: () => string | undefined;
  /** injectable for tests */
  arp?: () => string;
}

/**
 * @example
 *   const identify = identifier({
 *     vip: '10.77.0.100', nodes: ['master', 'slave'], macs, marker: false, holder: () => watcher.soleHolder(),
 *   });
 *   new Prober(target, { identify });
 */
export function identifier(o: IdentifyOptions): (r: ProbeResult) => string | undefined {
  return (r) => {
    if (o.marker) {
      const body = r.body?.trim();
      if (body && o.nodes.includes(body)) return body;
    }
    const mac = arpMac(o.vip, o.arp?.());
    const byMac = mac ? o.macs.get(mac) : undefined;
    return byMac ?? o.holder();
  };
}
