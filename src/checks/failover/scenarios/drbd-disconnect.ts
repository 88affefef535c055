/**
 * `drbd-disconnect`: DRBD's replication link breaks (`drbdadm disconnect` on the active
 * twin, so the primary goes StandAlone and keeps writing alone), 8 MiB are written to
 * the DRBD filesystem while disconnected, then the link comes back. Nothing may move and
 * clients must not notice; the undo reconnects and measures the resync of what was
 * written meanwhile (logged, e.g. "DRBD resynced in 4.2 s").
 */
import { quote } from '../../../core/shell.js';
import { DRBD_STATUS_COMMAND, parseDrbdSection } from '../../../facts/drbd-status.js';
import type { ClusterModel } from '../../../inventory/model.js';
import { resyncState } from '../../../stack/drbd-safety.js';
import { sleep } from '../nodes.js';
import { DRBD_STATUS, drbdInSyncOf } from '../preflight.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

/** Every DRBD resource of the inventory, as drbdadm names them. */
const resources = (c: ClusterModel): string => c.drbd.map((r) => quote(r.name)).join(' ');

/** The DRBD state of the target, for the log: `r0 UpToDate/UpToDate` (read and parsed by the DRBD fact). */
async function drbdLine(ctx: ScenarioContext): Promise<string> {
  const out = (await ctx.runner.exec(ctx.target, DRBD_STATUS_COMMAND, 10_000))?.stdout ?? '';
  const states = parseDrbdSection(out, new Map(ctx.cluster.drbd.map((r) => [r.minor, r.name])));
  return states?.map((s) => `${s.name} ${resyncState(s)}`).join('; ') || '?';
}

async function waitSynced(ctx: ScenarioContext, timeoutMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (drbdInSyncOf((await ctx.runner.exec(ctx.target, DRBD_STATUS, 10_000))?.stdout ?? '').ok) return Date.now() - t0;
    await sleep(1000);
  }
  return undefined;
}

export const drbdDisconnect: Scenario = {
  name: 'drbd-disconnect',
  summary:
    'break DRBD replication (drbdadm disconnect on the active twin), write while alone, reconnect: nothing moves, the resync is measured',
  stacks: ['pacemaker', 'heartbeat'],
  hits: 'active',
  expect: 'stay',
  budget: 'no-outage',
  unavailable: ({ cluster }) => (cluster.drbd.length ? undefined : 'the inventory declares no DRBD resource'),
  // a monitor round of the DRBD resource agent sees the disconnected peer
  observeMs: (c) => c.timing.monitorInterval * 1000 + 5000,
  async inject(ctx) {
    const c = ctx.cluster;
    ctx.log(`drbdadm disconnect ${c.drbd.map((r) => r.name).join(' ')} on ${ctx.target.name}`);
    await ctx.runner.sh(ctx.target, `drbdadm disconnect ${resources(c)}`, 'disconnecting DRBD', 30_000);
    const mount = c.drbd.find((r) => r.filesystem)?.filesystem?.mount;
    if (mount) {
      // data the peer does not have yet: the resync after the reconnect copies it
      await ctx.runner.sh(
        ctx.target,
        `dd if=/dev/urandom of=${quote(`${mount}/hactl-resync.bin`)} bs=1M count=8 conv=fsync status=none`,
        'writing while disconnected',
        60_000,
      );
    }
  },
  async undo(ctx) {
    const c = ctx.cluster;
    // the StandAlone side connects again; the peer waits for it (WFConnection)
    await ctx.runner.sh(
      ctx.target,
      `drbdadm connect ${resources(c)} 2>/dev/null; drbdadm adjust ${resources(c)}`,
      'reconnecting DRBD',
      60_000,
    );
    await ctx.runner.exec(ctx.passive, `drbdadm adjust ${resources(c)}`, 60_000);
    const ms = await waitSynced(ctx, 300_000 * ctx.runner.factor);
    const state = await drbdLine(ctx);
    ctx.log(
      ms === undefined
        ? `DRBD not resynced after 5 min: ${state}`
        : `DRBD resynced in ${(ms / 1000).toFixed(1)} s after the reconnect (${state})`,
    );
  },
};
