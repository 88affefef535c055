/**
 * The typed stack options of the inventory (`cluster.timing`), declared once: each entry
 * gives the schema (range, unit, description), the default (resolve.ts), and where the
 * value goes (`renders`: a corosync.conf totem key or an ha.cf directive; none: read by
 * code, e.g. Pacemaker's monitor interval). The schema, the raw and resolved types, the
 * resolution and the daemon views (src/stack/corosync.ts, heartbeat.ts) are all derived
 * from this table, so a new option is one entry here (then `npm run gen:validator`).
 * Relations between options (consensus ≥ 1.2 × token) are semantic.ts' rules.
 */
import type { Stack } from './model.js';

/** Where an option's value is written: a `key: value` line of corosync.conf's totem, or a `key value` line of ha.cf. */
export type OptionTarget = 'corosync.totem' | 'ha.cf';

export interface StackOption {
  /** the key under `cluster.timing` in the inventory */
  field: string;
  /** the schema's title: the unit */
  title: 'milliseconds' | 'seconds';
  /** the schema's description (the error hint and editor hover text) */
  description: string;
  min: number;
  max: number;
  /** the value when the inventory has none: a number (also the schema's `default`), a rule over the options
   *  declared before it, or absent: the option is optional and rendered only when set */
  default?: number | ((t: Readonly<Record<string, number | undefined>>) => number);
  /** the stack that reads it */
  stack: Stack;
  /** where it is rendered, and under which key (default: `field`) */
  renders?: { in: OptionTarget; key?: string };
}

export const TIMING_OPTIONS = {
  token: {
    field: 'token',
    title: 'milliseconds',
    description: 'Corosync token timeout in ms, 100 to 300000 (default 3000).',
    min: 100,
    max: 300_000,
    default: 3000,
    stack: 'pacemaker',
    renders: { in: 'corosync.totem' },
  },
  consensus: {
    field: 'consensus',
    title: 'milliseconds',
    description: 'Corosync consensus timeout in ms, >= 1.2 * token, at most 360000 (default round(1.2 * token)).',
    min: 120,
    max: 360_000,
    default: (t) => Math.round(1.2 * (t.token ?? 3000)),
    stack: 'pacemaker',
    renders: { in: 'corosync.totem' },
  },
  keepalive: {
    field: 'keepalive',
    title: 'seconds',
    description: 'Heartbeat: seconds between heartbeats, 1 to 60 (default 1).',
    min: 1,
    max: 60,
    default: 1,
    stack: 'heartbeat',
    renders: { in: 'ha.cf' },
  },
  warntime: {
    field: 'warntime',
    title: 'seconds',
    description: 'Heartbeat: seconds of silence before a "late heartbeat" warning, < deadtime, at most 3600 (default 5).',
    min: 1,
    max: 3600,
    default: 5,
    stack: 'heartbeat',
    renders: { in: 'ha.cf' },
  },
  deadtime: {
    field: 'deadtime',
    title: 'seconds',
    description: 'Heartbeat: seconds of silence before the peer is declared dead, > 2 * keepalive, at most 3600 (default 10).',
    min: 1,
    max: 3600,
    default: 10,
    stack: 'heartbeat',
    renders: { in: 'ha.cf' },
  },
  initdead: {
    field: 'initdead',
    title: 'seconds',
    description: 'Heartbeat: deadtime used right after start, >= deadtime, 2 * deadtime recommended, at most 7200 (default 30).',
    min: 1,
    max: 7200,
    default: 30,
    stack: 'heartbeat',
    renders: { in: 'ha.cf' },
  },
  monitorInterval: {
    field: 'monitor_interval',
    title: 'seconds',
    description: 'Pacemaker: seconds between resource monitor operations, 1 to 3600 (default 5).',
    min: 1,
    max: 3600,
    default: 5,
    stack: 'pacemaker',
  },
} as const satisfies Record<string, StackOption>;

type Options = typeof TIMING_OPTIONS;
type WithDefault = { [K in keyof Options]: Options[K] extends { default: unknown } ? K : never }[keyof Options];

/** The resolved timing (`ClusterModel.timing`): an option with a default is always set, one without only when given. */
export type Timing = { [K in WithDefault]: number } & { [K in Exclude<keyof Options, WithDefault>]?: number };

/** `cluster.timing` as written in the inventory, keyed by the inventory's field names. */
export type RawTiming = { [K in keyof Options as Options[K]['field']]?: number };

const entries = Object.entries(TIMING_OPTIONS) as Array<[keyof Options, StackOption]>;

/**
 * Defaults applied, in the table's order (a rule reads the options before it).
 * @example resolveTiming({ token: 1000 }) // { token: 1000, consensus: 1200, keepalive: 1, … }
 */
export function resolveTiming(raw: RawTiming | undefined): Timing {
  const out: Record<string, number | undefined> = {};
  const given = (raw ?? {}) as Record<string, number | undefined>;
  for (const [key, o] of entries) {
    const v = given[o.field] ?? (typeof o.default === 'function' ? o.default(out) : o.default);
    if (v !== undefined) out[key] = v;
  }
  return out as Timing;
}

/** Default timing values (see docs/inventory.md for the reasoning). */
export const DEFAULT_TIMING: Readonly<Timing> = resolveTiming(undefined);

/**
 * The options rendered into `target` that are set, in the table's order, under their daemon keys.
 * @example renderedOptions(c.timing, 'ha.cf') // { keepalive: 1, warntime: 5, deadtime: 10, initdead: 30 }
 */
export function renderedOptions(t: Timing, target: OptionTarget): Record<string, number> {
  const values = t as Record<string, number | undefined>;
  const out: Record<string, number> = {};
  for (const [key, o] of entries) {
    const v = values[key];
    if (o.renders?.in === target && v !== undefined) out[o.renders.key ?? o.field] = v;
  }
  return out;
}
