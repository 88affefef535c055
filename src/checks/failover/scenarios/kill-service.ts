/**
 * `kill-service`: kill -9 of the service on the active twin. Pacemaker's monitor must
 * notice and restart it in place. Heartbeat R1 does not monitor resources, so the
 * scenario does not apply there.
 */
import { quote } from '../../../core/shell.js';
import type { Scenario } from '../scenario.js';

export const killService: Scenario = {
  name: 'kill-service',
  summary: 'kill -9 the service on the active twin; the monitor must restart it',
  stacks: ['pacemaker'],
  notFor: { heartbeat: 'Heartbeat R1 does not monitor resources: nothing would restart the service' },
  hits: 'active',
  expect: 'stay',
  budget: 'service-restart',
  unavailable: ({ cluster, settings }) =>
    cluster.services.length && settings.serviceProcess ? undefined : 'the inventory declares no service',
  observeMs: () => 1500,
  watch: (ctx, node) =>
    node.name === ctx.target.name && ctx.cluster.services[0]
      ? `echo "fail=$(crm_failcount --query -r ${quote(`svc-${ctx.cluster.services[0].name}`)} -N ${quote(node.name)} -q 2>/dev/null)"`
      : undefined,
  detect: (samples, ctx, faultAt) => {
    const hit = samples.find((s) => s.t >= faultAt && s.node === ctx.target.name && Number(s.extra.fail) > 0);
    return hit ? Math.round(hit.t - faultAt) : undefined;
  },
  async inject(ctx) {
    const proc = ctx.settings.serviceProcess!;
    ctx.log(`kill -9 ${proc} on ${ctx.target.name}`);
    await ctx.runner.sh(ctx.target, `pkill -9 -x ${quote(proc)}`, `killing ${proc}`, 10_000);
  },
  async undo() {
    /* the cluster restarts it; restore clears the fail-count */
  },
};
