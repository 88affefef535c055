/**
 * Failover-test settings an inventory may declare under `vars.failover` (the inventory
 * schema checks them at load, with their line; this reader keeps its own checks for a
 * model built in code):
 *
 *   vars:
 *     failover:
 *       move_back: true            # restore moves the resources back to the master (default)
 *       data_write: head -c 4M /dev/urandom > /srv/data/f.bin && sha256sum /srv/data/f.bin > /srv/data/f.sha256 && sync
 *                                  # run where the resources are before each fault (fresh data to lose)
 *       data_check: sha256sum -c /srv/data/f.sha256 && cat /srv/data/f.sha256
 *                                  # run where the resources are: before the fault, on the survivor, after the restore
 *       marker_path: /hactl-node.txt                # GET path answering the node's name
 *       power: { off: "ipmitool -H {node}-ipmi … chassis power off", on: "… power on" }
 *       pause: { freeze: "virsh suspend {node}", thaw: "virsh resume {node}" }   # what `freeze` does on real nodes
 *       cut_seconds: 60            # real nodes: how long `cut-link` keeps the link down
 *       service_process: apache2   # what `kill-service` kills (default: the first service's name)
 *       timeout_factor: 3          # slow (emulated) nodes: every SSH timeout, the watcher's poll and the restore × 3
 */
import { InputError } from '../../core/errors.js';
import type { ClusterModel } from '../../inventory/model.js';

export interface FailoverSettings {
  moveBack: boolean;
  /** written where the resources are just before each fault (then `dataCheck` runs) */
  dataWrite?: string;
  dataCheck?: string;
  markerPath?: string;
  /** commands run on the orchestrator; `{node}` and `{address}` are replaced */
  power?: { off: string; on: string };
  /** commands run on the orchestrator that hang a node and resume it (`{node}`, `{address}` replaced) */
  pause?: { freeze: string; thaw: string };
  cutSeconds: number;
  serviceProcess?: string;
  /** every timeout towards the nodes is multiplied by it (slow, emulated nodes); default 1 */
  timeoutFactor: number;
}

/**
 * `vars.failover.timeout_factor` without validating the rest (default 1), for code that
 * only has the cluster (budgets, the node runner); failoverSettings validates it.
 */
export function timeoutFactor(c: Pick<ClusterModel, 'vars'>): number {
  const f = (c.vars?.failover as { timeout_factor?: unknown } | undefined)?.timeout_factor;
  return typeof f === 'number' && f >= 1 && f <= 10 ? f : 1;
}

const FIELDS = [
  'move_back',
  'data_write',
  'data_check',
  'marker_path',
  'power',
  'pause',
  'cut_seconds',
  'service_process',
  'timeout_factor',
];

/**
 * Reads `vars.failover` of an inventory.
 * @throws InputError naming the field when a value has the wrong type
 * @example failoverSettings(cluster).moveBack // true unless `move_back: false`
 */
export function failoverSettings(c: ClusterModel): FailoverSettings {
  const raw = c.vars.failover ?? {};
  const bad = (field: string, want: string): InputError =>
    new InputError(`vars.failover.${field} must be ${want}`, { location: c.source, field: `vars.failover.${field}` });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError('vars.failover must be a mapping', { location: c.source, field: 'vars.failover' });
  }
  const f = raw as Record<string, unknown>;
  const unknown = Object.keys(f).filter((k) => !FIELDS.includes(k));
  if (unknown.length) {
    throw new InputError(`unknown key vars.failover.${unknown[0]}`, { location: c.source, hint: `known keys: ${FIELDS.join(', ')}` });
  }
  const str = (k: string): string | undefined => {
    if (f[k] === undefined) return undefined;
    if (typeof f[k] !== 'string' || !f[k]) throw bad(k, 'a non-empty string');
    return f[k];
  };
  if (f.data_write !== undefined && f.data_check === undefined)
    throw bad('data_check', 'declared with data_write (the check that reads what was written)');
  if (f.move_back !== undefined && typeof f.move_back !== 'boolean') throw bad('move_back', 'true or false');
  if (f.timeout_factor !== undefined && (typeof f.timeout_factor !== 'number' || f.timeout_factor < 1 || f.timeout_factor > 10))
    throw bad('timeout_factor', 'a number from 1 to 10');
  if (f.cut_seconds !== undefined && (typeof f.cut_seconds !== 'number' || f.cut_seconds < 5))
    throw bad('cut_seconds', 'a number of seconds ≥ 5');
  const power = commandPair(f, 'power', 'off', 'on', bad);
  const pause = commandPair(f, 'pause', 'freeze', 'thaw', bad);
  return {
    moveBack: f.move_back !== false,
    dataWrite: str('data_write'),
    dataCheck: str('data_check'),
    markerPath: str('marker_path'),
    power,
    pause,
    cutSeconds: (f.cut_seconds as number | undefined) ?? 60,
    serviceProcess: str('service_process') ?? c.services[0]?.name,
    timeoutFactor: (f.timeout_factor as number | undefined) ?? 1,
  };
}

/**
 * A `{ A: COMMAND, B: COMMAND }` setting (power's off/on, pause's freeze/thaw), or undefined when absent.
 * @throws what `bad` builds, when it is not two strings
 */
function commandPair<A extends string, B extends string>(
  f: Record<string, unknown>,
  key: string,
  a: A,
  b: B,
  bad: (key: string, want: string) => Error,
): Record<A | B, string> | undefined {
  const p = f[key] as Record<string, unknown> | undefined;
  if (p === undefined) return undefined;
  if (typeof p !== 'object' || p === null || typeof p[a] !== 'string' || typeof p[b] !== 'string')
    throw bad(key, `{ ${a}: COMMAND, ${b}: COMMAND }`);
  return { [a]: p[a], [b]: p[b] } as Record<A | B, string>;
}
