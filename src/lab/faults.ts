/**
 * The lab's fault primitives for failover tests: pull a node's cable, power it off, boot
 * it — on either kind of lab (namespace nodes or VMs; state.json says which). They have
 * the shape of the failover test's `Faults` (src/checks/failover/faults.ts); the CLI
 * hands them over when the inventory is a lab's, so nothing in src/checks imports the lab.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ClusterModel } from '../inventory/model.js';
import { anyLabFault, anyLabStatus } from './dispatch.js';

/** A node as the faults need it: its name in the lab. */
type LabNodeRef = { name: string };

/**
 * The lab whose state dir holds this inventory, if any: the one `lab up` wrote, or a copy
 * beside it (e.g. with LVS or guests added) whose nodes are all the lab's, same addresses.
 * @example labStateDirFor(await loadInventory('/tmp/lab/inventory.yaml')) // '/tmp/lab'
 */
export function labStateDirFor(c: Pick<ClusterModel, 'source' | 'nodes'>): string | undefined {
  const dir = dirname(c.source);
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { inventory?: string; nodes?: Array<{ name: string; address: string }> };
    if (state.inventory && resolve(state.inventory) === resolve(c.source)) return dir;
    const lab = new Map((state.nodes ?? []).map((n) => [n.name, n.address]));
    return c.nodes.length && c.nodes.every((n) => lab.get(n.name) === n.address) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lab's fault primitives (src/lab), by node name. Needs root, like the lab.
 * @example await new LabFaults('/tmp/lab').cut(cluster.master);
 */
export class LabFaults {
  readonly kind: string;
  readonly noPower = undefined;
  constructor(readonly stateDir: string) {
    this.kind = `lab ${stateDir}`;
  }
  cut(node: LabNodeRef): Promise<void> {
    return anyLabFault('cut', node.name, { stateDir: this.stateDir });
  }
  async uncut(node: LabNodeRef): Promise<void> {
    // a fenced node was powered off (or rebooted with a new cable): nothing to plug in
    if (await this.isOn(node)) await anyLabFault('uncut', node.name, { stateDir: this.stateDir });
  }
  poweroff(node: LabNodeRef): Promise<void> {
    return anyLabFault('poweroff', node.name, { stateDir: this.stateDir });
  }
  poweron(node: LabNodeRef): Promise<void> {
    return anyLabFault('boot', node.name, { stateDir: this.stateDir });
  }
  async isOn(node: LabNodeRef): Promise<boolean> {
    // either kind of lab: namespace nodes or qemu VMs (state.json says which)
    const s = await anyLabStatus({ stateDir: this.stateDir });
    return s.nodes.find((n) => n.name === node.name)?.running ?? false;
  }
}

/**
 * The lab's faults when the inventory is a lab's (or `labDir` is given), else undefined.
 * @example labFaultsFor(cluster)?.kind // 'lab /tmp/lab'
 */
export function labFaultsFor(c: Pick<ClusterModel, 'source' | 'nodes'>, labDir?: string): LabFaults | undefined {
  const dir = labDir ?? labStateDirFor(c);
  return dir ? new LabFaults(dir) : undefined;
}
