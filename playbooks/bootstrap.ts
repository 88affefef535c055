/**
 * hactl bootstrap — the howto, as code, for the stack the inventory names: Corosync +
 * Pacemaker (playbooks/pacemaker.ts) or Heartbeat R1 (playbooks/heartbeat.ts), each with
 * DRBD (drbd.ts), the services and the guests (guests.ts), and the LVS real servers
 * (realservers.ts).
 *
 * Every config file is checked by its daemon's own parser on the node before it
 * replaces the old one; a second run changes nothing.
 */

import { definePlaybook, type PlaybookContext } from '../src/index.js';
import type { Stack } from '../src/inventory/model.js';
import { type DrbdHandler, drbdHandlers } from './drbd.js';
import { bootstrapHeartbeat, type HeartbeatHandler, heartbeatHandlers } from './heartbeat.js';
import { bootstrapPacemaker, type PacemakerHandler, pacemakerHandlers } from './pacemaker.js';
import { bootstrapRealServers } from './realservers.js';

/** Every handler a bootstrap task may notify (both stacks' and DRBD's). */
export type BootstrapHandler = PacemakerHandler | HeartbeatHandler | DrbdHandler;

/** The bootstrap of each stack, typed over the stack names. */
const STACK_BOOTSTRAP: { readonly [S in Stack]: (ctx: PlaybookContext<BootstrapHandler>) => Promise<void> } = {
  pacemaker: bootstrapPacemaker,
  heartbeat: bootstrapHeartbeat,
};

export default definePlaybook(
  'bootstrap',
  async (ctx) => {
    await STACK_BOOTSTRAP[ctx.cluster.stack](ctx);
    // the LVS real servers (role realserver) last: the directors check them from then on
    await bootstrapRealServers(ctx);
  },
  {
    description: 'Corosync/Pacemaker (or Heartbeat) cluster with DRBD, services and guests',
    // both stacks' handlers (a stack's tasks notify only its own) and DRBD's
    handlers: { ...heartbeatHandlers, ...pacemakerHandlers, ...drbdHandlers },
  },
);

export type { PlaybookContext };
