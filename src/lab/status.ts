/** A node's line in `lab status`, the same for both kinds of lab: whether its process runs and its cable is in. */
import type { Role } from '../inventory/model.js';
import type { Cable } from './cable.js';
import type { LabNodeStatus } from './lab.js';
import { linkUp } from './network.js';
import { isAlive, type ProcRef } from './proc.js';

/**
 * The status of one node: running when `proc` (its PID 1, or its qemu) is alive; cut when
 * its cable (`link` in `netns`: a veth or a tap) is down.
 */
export async function nodeStatus(
  n: { name: string; address: string; role: Role },
  proc: ProcRef | undefined,
  cable: Cable,
  inInventory: boolean,
): Promise<LabNodeStatus> {
  const running = isAlive(proc);
  const up = running ? await linkUp(cable.netns, cable.link) : undefined;
  return {
    name: n.name,
    address: n.address,
    role: n.role,
    running,
    pid: running ? proc?.pid : undefined,
    cut: up === false,
    inInventory,
  };
}
