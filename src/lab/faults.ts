/**
 * The lab's fault primitives for failover tests: pull a node's cable, power it off, boot
 * it, freeze and thaw it — on either kind of lab, through its {@link Lab} (dispatch.ts picks `ns/` or `vm/`
 * from state.json), so nothing here branches on the kind. They have
 * the shape of the failover test's `Faults` (src/checks/failover/faults.ts); the CLI
 * hands them over when the inventory is a lab's, so nothing in src/checks imports the lab.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type ClusterModel, PUBLIC_NETWORK } from '../inventory/model.js';
import { labFault, openLab } from './dispatch.js';
import type { Lab } from './lab.js';
import { readStateFile } from './state.js';

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
    const state = readStateFile(file) as { inventory?: string; nodes?: Array<{ name: string; address: string }> };
    if (state.inventory && resolve(state.inventory) === resolve(c.source)) return dir;
    const lab = new Map((state.nodes ?? []).map((n) => [n.name, n.address]));
    return c.nodes.length && c.nodes.every((n) => lab.get(n.name) === n.address) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The failover test's faults built from a {@link Lab} and what it can do (its `faults`):
 * power faults only when it can power off and boot. Needs root, like the lab. The lab is
 * opened (its kind read from state.json) on first use.
 * @example await new LabFaults('/tmp/lab').cut(cluster.master);
 */
export class LabFaults {
  readonly kind: string;
  private opened?: Lab;
  constructor(readonly stateDir: string) {
    this.kind = `lab ${stateDir}`;
  }
  private get lab(): Lab {
    this.opened ??= openLab({ stateDir: this.stateDir });
    return this.opened;
  }
  /** why power faults are impossible on this lab (undefined: possible) */
  get noPower(): string | undefined {
    const missing = (['poweroff', 'boot'] as const).filter((f) => !this.lab.faults.has(f));
    return missing.length ? `the lab in ${this.stateDir} cannot ${missing.join(' or ')}` : undefined;
  }
  /** why freeze/thaw are impossible on this lab (undefined: possible) */
  get noFreeze(): string | undefined {
    const missing = (['freeze', 'thaw'] as const).filter((f) => !this.lab.faults.has(f));
    return missing.length ? `the lab in ${this.stateDir} cannot ${missing.join(' or ')}` : undefined;
  }
  /** pulls the node's cables on the networks `links` names (default: public) */
  async cut(node: LabNodeRef, links: readonly string[] = [PUBLIC_NETWORK]): Promise<void> {
    for (const link of links) await labFault(this.lab, 'cut', node.name, link);
  }
  freeze(node: LabNodeRef): Promise<void> {
    return labFault(this.lab, 'freeze', node.name);
  }
  async thaw(node: LabNodeRef): Promise<void> {
    // a fenced node was powered off: nothing to resume
    if (await this.isOn(node)) await labFault(this.lab, 'thaw', node.name);
  }
  async uncut(node: LabNodeRef, links: readonly string[] = [PUBLIC_NETWORK]): Promise<void> {
    // a fenced node was powered off (or rebooted with a new cable): nothing to plug in
    if (!(await this.isOn(node))) return;
    for (const link of links) await labFault(this.lab, 'uncut', node.name, link);
  }
  poweroff(node: LabNodeRef): Promise<void> {
    return labFault(this.lab, 'poweroff', node.name);
  }
  poweron(node: LabNodeRef): Promise<void> {
    return labFault(this.lab, 'boot', node.name);
  }
  async isOn(node: LabNodeRef): Promise<boolean> {
    const s = await this.lab.status();
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
