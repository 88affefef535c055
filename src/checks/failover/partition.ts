/**
 * A cut between two nodes only, with no firewall: on each, a blackhole route to the other's
 * address (`ip route add blackhole PEER/32`), more specific than the network's own route,
 * so their packets to each other go nowhere while both still reach everyone else (the
 * arbitrator, the control host). The undo is scheduled on the node first, in its own
 * session (like cut-link's), so a lost orchestrator never leaves the twins apart. Pure
 * command builders, tested as data.
 */
import { quote } from '../../core/shell.js';

/** Marks the undo timer's command line, so the undo can stop it (`pkill -f`). */
export const PARTITION_MARK = 'hactl-split-twins';

export interface PartitionCommands {
  /** schedules the undo after `seconds`, then adds the blackhole route */
  cut: string;
  /** removes the route and the pending timer (succeeds when there is neither) */
  heal: string;
}

/**
 * The commands one node runs to stop talking to `peer` (an IPv4 address) and to start again.
 * @example partitionCommands('10.77.0.12', 60).cut
 *   // "setsid sh -c ': hactl-split-twins; sleep 60; ip route del blackhole 10.77.0.12/32' </dev/null >/dev/null 2>&1 &
 *   //  ip route replace blackhole 10.77.0.12/32"
 */
export function partitionCommands(peer: string | readonly string[], seconds: number): PartitionCommands {
  // every address the peer has (one per network: public, a backplane …), so no link is left between them
  const routes = (typeof peer === 'string' ? [peer] : peer).map((a) => quote(`${a}/32`));
  const del = routes.map((r) => `ip route del blackhole ${r}`).join('; ');
  const timer = `: ${PARTITION_MARK}; sleep ${Math.round(seconds)}; ${del}`;
  return {
    cut: `setsid sh -c ${quote(timer)} </dev/null >/dev/null 2>&1 &\n${routes.map((r) => `ip route replace blackhole ${r}`).join('\n')}`,
    // `[h]`: the pattern must not match this very shell's command line
    heal: `pkill -f ${quote(`[${PARTITION_MARK[0]}]${PARTITION_MARK.slice(1)}`)}; ${routes
      .map((r) => `ip route del blackhole ${r} 2>/dev/null`)
      .join('; ')}; true`,
  };
}
