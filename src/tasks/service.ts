import { quote } from '../core/shell.js';
import type { ServiceFact } from '../facts/service.js';
import { noop, type Step, type TaskDef, type TaskPlan } from './types.js';

export interface ServiceOptions {
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  /** override the start / stop commands (for daemons whose init script misbehaves) */
  start?: string;
  stop?: string;
  /** decides "running" instead of the init system, e.g. `pgrep -x pacemakerd` */
  status?: string;
}

function action(fact: ServiceFact, verb: 'start' | 'stop' | 'restart' | 'reload', o: ServiceOptions): Step {
  if (verb === 'start' && o.start) return { command: o.start };
  if (verb === 'stop' && o.stop) return { command: o.stop };
  if (verb === 'restart' && o.start && o.stop) return { command: `${o.stop}; ${o.start}` };
  const n = quote(fact.name);
  if (fact.init === 'systemd') return { command: `systemctl ${verb} ${n}` };
  // sysv: a daemon that keeps the script's stdout open would hold the SSH session, so the
  // output goes to a log file, shown when the script fails
  const log = `/var/log/hactl-service-${fact.name.replace(/[^A-Za-z0-9_.-]/g, '')}.log`;
  return { command: `service ${n} ${verb} </dev/null >${log} 2>&1 || { rc=$?; tail -n 20 ${log} >&2; exit $rc; }` };
}

/**
 * Brings a service to the wanted state, on systemd and on nodes without it.
 *
 * @example
 *   planService({ name: 'corosync', init: 'sysv', running: false }, { state: 'started' })
 *   // { changed: true, reason: 'start corosync', steps: [{ command: 'service corosync start …' }] }
 */
export function planService(fact: ServiceFact, o: ServiceOptions): TaskPlan {
  const steps: Step[] = [];
  const why: string[] = [];
  const add = (verb: Parameters<typeof action>[1], what: string): void => {
    steps.push(action(fact, verb, o));
    why.push(`${what} ${fact.name}`);
  };
  if (o.state === 'started' && !fact.running) add('start', 'start');
  if (o.state === 'stopped' && fact.running) add('stop', 'stop');
  if (o.state === 'restarted') add(fact.running ? 'restart' : 'start', 'restart');
  if (o.state === 'reloaded') add(fact.running ? 'reload' : 'start', 'reload');
  if (o.enabled !== undefined && fact.enabled !== undefined && o.enabled !== fact.enabled) {
    const n = quote(fact.name);
    const verb = o.enabled ? 'enable' : 'disable';
    steps.push({
      command: fact.init === 'systemd' ? `systemctl ${verb} ${n}` : `update-rc.d ${n} ${o.enabled ? 'defaults' : 'disable'} >/dev/null`,
    });
    why.push(`${verb} ${fact.name}`);
  }
  if (steps.length === 0) {
    const state = fact.running ? 'running' : 'stopped';
    return noop(`${fact.name} is ${state}${fact.enabled === undefined ? '' : fact.enabled ? ' and enabled' : ' and disabled'}`);
  }
  return { changed: true, reason: why.join(', '), steps };
}

/** The service task: brings `service` to the wanted state (read with the `status` command when given). */
export const serviceTask: TaskDef<ServiceOptions & { service: string }> = {
  name: (o) => `service ${o.service}${o.state ? ' ' + o.state : ''}`,
  facts: (o) => ({ services: [{ name: o.service, status: o.status }] }),
  plan: (f, o) => planService(f.service(o.service, o.status), o),
  invalidates: (o) => ({ services: [{ name: o.service, status: o.status }] }),
};
