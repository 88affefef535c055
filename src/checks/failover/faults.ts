/**
 * Where faults come from. On the lab: its own primitives (pull a node's cable, power it
 * off, boot it). On real nodes: the link is taken down by the node itself with the undo
 * already scheduled there (so a lost orchestrator cannot leave it cut), and power comes
 * from the commands the inventory declares (IPMI, a PDU, a hypervisor).
 */
import { exec as execCb } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { InputError, NodeError } from '../../core/errors.js';
import { quote } from '../../core/shell.js';
import type { ClusterModel, NodeModel } from '../../inventory/model.js';
import { anyLabFault, anyLabStatus } from '../../lab/dispatch.js';
import { sleep, until, type NodeRunner } from './nodes.js';
import type { FailoverSettings } from './settings.js';

export interface Faults {
  /** e.g. "lab /tmp/lab" or "ssh" */
  readonly kind: string;
  /** why power faults are impossible here (undefined: possible) */
  readonly noPower?: string;
  cut(node: NodeModel): Promise<void>;
  /** undoes {@link cut}; on real nodes waits until the node's own timer has brought the link back */
  uncut(node: NodeModel): Promise<void>;
  poweroff(node: NodeModel): Promise<void>;
  /** powers a node on if it is off (no-op otherwise) and waits until it answers SSH */
  poweron(node: NodeModel): Promise<void>;
  /** false when the node is known to be powered off */
  isOn(node: NodeModel): Promise<boolean>;
}

/**
 * The lab whose state dir holds this inventory, if any: the one `lab up` wrote, or a copy
 * beside it (e.g. with LVS or guests added) whose nodes are all the lab's, same addresses.
 * @example labStateDirFor(await loadInventory('/tmp/lab/inventory.yaml')) // '/tmp/lab'
 */
export function labStateDirFor(c: ClusterModel): string | undefined {
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
export class LabFaults implements Faults {
  readonly kind: string;
  readonly noPower = undefined;
  constructor(readonly stateDir: string) {
    this.kind = `lab ${stateDir}`;
  }
  cut(node: NodeModel): Promise<void> {
    return anyLabFault('cut', node.name, { stateDir: this.stateDir });
  }
  async uncut(node: NodeModel): Promise<void> {
    // a fenced node was powered off (or rebooted with a new cable): nothing to plug in
    if (await this.isOn(node)) await anyLabFault('uncut', node.name, { stateDir: this.stateDir });
  }
  poweroff(node: NodeModel): Promise<void> {
    return anyLabFault('poweroff', node.name, { stateDir: this.stateDir });
  }
  poweron(node: NodeModel): Promise<void> {
    return anyLabFault('boot', node.name, { stateDir: this.stateDir });
  }
  async isOn(node: NodeModel): Promise<boolean> {
    // either kind of lab: namespace nodes or qemu VMs (state.json says which)
    const s = await anyLabStatus({ stateDir: this.stateDir });
    return s.nodes.find((n) => n.name === node.name)?.running ?? false;
  }
}

const sh = promisify(execCb);

/**
 * Real nodes over SSH; power through the inventory's `vars.failover.power` commands.
 * @example await new RemoteFaults(cluster, runner, settings).cut(cluster.master); // back after cut_seconds
 */
export class RemoteFaults implements Faults {
  readonly kind = 'ssh';
  readonly noPower: string | undefined;
  private readonly cutUntil = new Map<string, number>();

  constructor(
    private readonly cluster: ClusterModel,
    private readonly runner: NodeRunner,
    private readonly settings: FailoverSettings,
  ) {
    this.noPower = settings.power ? undefined : 'no power commands: declare vars.failover.power { off, on } (IPMI, PDU, hypervisor) in the inventory';
  }

  async cut(node: NodeModel): Promise<void> {
    const iface = quote(this.cluster.interface);
    const secs = this.settings.cutSeconds;
    // the undo is scheduled on the node before the link goes down, in its own session
    const undo = `setsid sh -c 'sleep ${secs}; ip link set ${iface} up' </dev/null >/dev/null 2>&1 &`;
    await this.runner.sh(node, undo, 'scheduling the link undo', 10_000);
    this.cutUntil.set(node.name, Date.now() + secs * 1000);
    // this command takes the SSH session's own network away: it is not waited for
    await this.runner.fire(node, `ip link set ${iface} down`);
  }

  async uncut(node: NodeModel): Promise<void> {
    const wait = (this.cutUntil.get(node.name) ?? 0) - Date.now();
    if (wait > 0) await sleep(wait);
    this.cutUntil.delete(node.name);
    if (!(await until(() => this.runner.test(node, 'true', 3000), 60_000, 1000))) {
      throw new NodeError(`the link did not come back within 60 s after the undo timer`, { host: node.name, hint: `check ${this.cluster.interface} on the node's console` });
    }
  }

  poweroff(node: NodeModel): Promise<void> {
    return this.power(node, 'off');
  }

  async poweron(node: NodeModel): Promise<void> {
    if (await this.runner.test(node, 'true', 3000)) return;
    await this.power(node, 'on');
    if (!(await until(() => this.runner.test(node, 'true', 3000), 300_000, 2000))) {
      throw new NodeError('the node did not answer SSH within 5 min after power on', { host: node.name });
    }
  }

  async isOn(node: NodeModel): Promise<boolean> {
    return this.runner.test(node, 'true', 3000);
  }

  private async power(node: NodeModel, what: 'on' | 'off'): Promise<void> {
    const tpl = this.settings.power?.[what];
    if (!tpl) throw new InputError(this.noPower ?? 'no power command', { field: 'vars.failover.power' });
    const command = tpl.replaceAll('{node}', quote(node.name)).replaceAll('{address}', quote(node.address));
    try {
      await sh(command, { timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new NodeError(`power ${what} command failed`, { host: node.name, output: (e.stderr || e.message).trim() });
    }
  }
}
