/**
 * Failover-test settings an inventory may declare under `vars.failover` (free vars, so
 * the inventory schema needs no change):
 *
 *   vars:
 *     failover:
 *       move_back: true            # restore moves the resources back to the master (default)
 *       data_check: sha256sum /srv/www/index.html   # run where the resources are, before and after
 *       marker_path: /hactl-node.txt                # GET path answering the node's name
 *       power: { off: "ipmitool -H {node}-ipmi … chassis power off", on: "… power on" }
 *       cut_seconds: 60            # real nodes: how long `cut-link` keeps the link down
 *       service_process: apache2   # what `kill-service` kills (default: the first service's name)
 */
import { InputError } from '../../core/errors.js';
import type { ClusterModel } from '../../inventory/model.js';

export interface FailoverSettings {
  moveBack: boolean;
  dataCheck?: string;
  markerPath?: string;
  /** commands run on the orchestrator; `{node}` and `{address}` are replaced */
  power?: { off: string; on: string };
  cutSeconds: number;
  serviceProcess?: string;
}

const FIELDS = ['move_back', 'data_check', 'marker_path', 'power', 'cut_seconds', 'service_process'];

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
  if (f.move_back !== undefined && typeof f.move_back !== 'boolean') throw bad('move_back', 'true or false');
  if (f.cut_seconds !== undefined && (typeof f.cut_seconds !== 'number' || f.cut_seconds < 5)) throw bad('cut_seconds', 'a number of seconds ≥ 5');
  let power: FailoverSettings['power'];
  if (f.power !== undefined) {
    const p = f.power as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || typeof p.off !== 'string' || typeof p.on !== 'string') throw bad('power', '{ off: COMMAND, on: COMMAND }');
    power = { off: p.off, on: p.on };
  }
  return {
    moveBack: f.move_back !== false,
    dataCheck: str('data_check'),
    markerPath: str('marker_path'),
    power,
    cutSeconds: (f.cut_seconds as number | undefined) ?? 60,
    serviceProcess: str('service_process') ?? c.services[0]?.name,
  };
}
