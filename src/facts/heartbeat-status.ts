/**
 * Heartbeat's view of its peers, read with `cl_status` (read-only: it only asks the
 * running daemon), framed as `key value` lines so the parser stays trivial.
 */
import { quote } from '../core/shell.js';
import type { Fact } from './fact.js';

/**
 * `cl_status` blocks on the leftover API socket of a killed heartbeat: ask it only while
 * heartbeat runs ({@link HEARTBEAT_ALIVE}), and bounded.
 * @example `if ${HEARTBEAT_ALIVE}; then ${clStatus('hbstatus')}; fi` // … timeout -k 1 3 cl_status hbstatus …
 */
export const HEARTBEAT_ALIVE = 'pgrep -x heartbeat >/dev/null';
export const clStatus = (args: string, seconds = 3): string => `timeout -k 1 ${seconds} cl_status ${args}`;

export interface HeartbeatStatus {
  running: boolean;
  /** node name or ping address → `active`, `up`, `ping` (a live ping node), `dead`, `unknown` */
  nodes: Record<string, string>;
  /** `cl_status rscstatus`: all, local, foreign, none, transition, unknown */
  resources: string;
  /** `cl_status hblinkstatus NODE LINK` of the links asked for: `up`, `dead`, `unknown` (keyed `node link`) */
  links: Record<string, string>;
}

/**
 * @example
 *   heartbeatStatusCommand(['master', 'slave', '10.77.0.13'])
 *   // cl_status hbstatus …; node master $(cl_status nodestatus master); …; rsc $(cl_status rscstatus)
 */
export function heartbeatStatusCommand(names: string[], links: ReadonlyArray<{ node: string; link: string }> = []): string {
  const lines = [
    `if ${HEARTBEAT_ALIVE} && ${clStatus('hbstatus')} >/dev/null 2>&1; then echo "hb running"; else echo "hb stopped"; fi`,
    ...names.map((n) => `s=$(${HEARTBEAT_ALIVE} && ${clStatus(`nodestatus ${quote(n)}`)} 2>/dev/null); echo "node ${n} \${s:-unknown}"`),
    ...links.map(
      (l) =>
        `s=$(${HEARTBEAT_ALIVE} && ${clStatus(`hblinkstatus ${quote(l.node)} ${quote(l.link)}`)} 2>/dev/null); ` +
        `echo "link ${l.node} ${l.link} \${s:-unknown}"`,
    ),
    `s=$(${HEARTBEAT_ALIVE} && ${clStatus('rscstatus')} 2>/dev/null); echo "rsc \${s:-unknown}"`,
  ];
  return lines.join('; ');
}

/** {@link heartbeatStatusCommand} for these names as a fact. */
export const heartbeatStatus = (names: string[]): Fact<HeartbeatStatus> => ({
  command: heartbeatStatusCommand(names),
  parse: (out) => parseHeartbeatStatus(out),
});

/**
 * Heartbeat sees `peer` active and is not moving resources: true, else what it says. With
 * `home` (auto_failback on: the master holds the resources, the slave none) the resources
 * must also have arrived there: after a restart of both twins the first one up takes them,
 * and the master takes them back a while later, so "not moving" alone can be a pause.
 * @example heartbeatSettled('slave')(status) // 'peer slave: dead, resources: transition'
 * @example heartbeatSettled('slave', 'holder')(status) // 'peer slave: active, resources: none (waiting for all of them here)'
 * @example heartbeatSettled('master', 'idle')(status) // 'peer master: active, resources: all (waiting for them to leave)'
 */
export const heartbeatSettled =
  (peer: string, home?: 'holder' | 'idle') =>
  (st: HeartbeatStatus): true | string => {
    // rscstatus is a mask of what a node holds, its own (local) and its peer's (foreign); the
    // slave owns none in haresources, so idle it says `local` (nothing of its own) or `none`
    const held = (...states: string[]): boolean => states.includes(st.resources);
    const arrived = home === 'holder' ? held('all', 'local') : home === 'idle' ? held('none', 'local') : true;
    if (st.nodes[peer] === 'active' && st.resources !== 'transition' && arrived) return true;
    const waiting = home === 'holder' ? ' (waiting for all of them here)' : home === 'idle' ? ' (waiting for them to leave)' : '';
    return `peer ${peer}: ${st.nodes[peer] ?? 'unknown'}, resources: ${st.resources}${arrived ? '' : waiting}`;
  };

/** Pure parser for {@link heartbeatStatusCommand}. */
export function parseHeartbeatStatus(out: string): HeartbeatStatus {
  const st: HeartbeatStatus = { running: false, nodes: {}, resources: 'unknown', links: {} };
  for (const line of out.split('\n')) {
    const [key, a, b, d] = line.trim().split(/\s+/);
    if (key === 'hb') st.running = a === 'running';
    else if (key === 'link' && a && b) st.links[`${a} ${b}`] = d ?? 'unknown';
    else if (key === 'node' && a) st.nodes[a] = b ?? 'unknown';
    else if (key === 'rsc' && a) st.resources = a;
  }
  return st;
}
