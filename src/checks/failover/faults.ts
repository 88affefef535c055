/**
 * Where faults come from. On the lab: its own primitives (pull a node's cable, power it
 * off, boot it). On real nodes: the link is taken down by the node itself with the undo
 * already scheduled there (so a lost orchestrator cannot leave it cut), and power comes
 * from the commands the inventory declares (IPMI, a PDU, a hypervisor).
 */
import { exec as execCb } from 'node:child_process';
import { promisify } from 'node:util';
import { InputError, NodeError } from '../../core/errors.js';
import { quote } from '../../core/shell.js';
import { type ClusterModel, interfaceOf, type NodeModel, PUBLIC_NETWORK } from '../../inventory/model.js';
import { type NodeRunner, sleep, until } from './nodes.js';
import type { FailoverSettings } from './settings.js';

export interface Faults {
  /** e.g. "lab /tmp/lab" or "ssh" */
  readonly kind: string;
  /** why power faults are impossible here (undefined: possible) */
  readonly noPower?: string;
  /** takes the node off the networks `links` names (cluster.links' networks; default: public) */
  cut(node: NodeModel, links?: readonly string[]): Promise<void>;
  /** undoes {@link cut} on those networks; on real nodes waits until the node's own timer has brought the links back */
  uncut(node: NodeModel, links?: readonly string[]): Promise<void>;
  poweroff(node: NodeModel): Promise<void>;
  /** powers a node on if it is off (no-op otherwise) and waits until it answers SSH */
  poweron(node: NodeModel): Promise<void>;
  /** false when the node is known to be powered off */
  isOn(node: NodeModel): Promise<boolean>;
  /** why freeze/thaw are impossible here (undefined: possible) */
  readonly noFreeze?: string;
  /** hangs a node: everything on it stops where it is (a stuck kernel, a paused VM), nothing is lost */
  freeze(node: NodeModel): Promise<void>;
  /** resumes a node after {@link freeze}; no-op when it is off (fenced meanwhile) */
  thaw(node: NodeModel): Promise<void>;
}

const sh = promisify(execCb);

/**
 * Real nodes over SSH; power through the inventory's `vars.failover.power` commands.
 * @example await new RemoteFaults(cluster, runner, settings).cut(cluster.master); // back after cut_seconds
 */
export class RemoteFaults implements Faults {
  readonly kind = 'ssh';
  readonly noPower: string | undefined;
  readonly noFreeze: string | undefined;
  private readonly cutUntil = new Map<string, number>();

  constructor(
    private readonly cluster: ClusterModel,
    private readonly runner: NodeRunner,
    private readonly settings: FailoverSettings,
  ) {
    this.noPower = settings.power
      ? undefined
      : 'no power commands: declare vars.failover.power { off, on } (IPMI, PDU, hypervisor) in the inventory';
    this.noFreeze = settings.pause
      ? undefined
      : 'no freeze commands: declare vars.failover.pause { freeze, thaw } (e.g. virsh suspend/resume {node}) in the inventory';
  }

  async cut(node: NodeModel, links: readonly string[] = [PUBLIC_NETWORK]): Promise<void> {
    const ifaces = [...new Set(links.map((l) => interfaceOf(this.cluster, l)))];
    const secs = this.settings.cutSeconds;
    // the undo is scheduled on the node before the links go down, in its own session
    const up = ifaces.map((i) => `ip link set ${quote(i)} up`).join('; ');
    const undo = `setsid sh -c ${quote(`sleep ${secs}; ${up}`)} </dev/null >/dev/null 2>&1 &`;
    await this.runner.sh(node, undo, 'scheduling the link undo', 10_000);
    this.cutUntil.set(node.name, Date.now() + secs * 1000);
    // this command may take the SSH session's own network away: it is not waited for
    await this.runner.fire(node, ifaces.map((i) => `ip link set ${quote(i)} down`).join('; '));
  }

  async uncut(node: NodeModel): Promise<void> {
    const wait = (this.cutUntil.get(node.name) ?? 0) - Date.now();
    if (wait > 0) await sleep(wait);
    this.cutUntil.delete(node.name);
    if (!(await until(() => this.runner.test(node, 'true', 3000), 60_000, 1000))) {
      throw new NodeError(`the link did not come back within 60 s after the undo timer`, {
        host: node.name,
        hint: `check ${this.cluster.interface} on the node's console`,
      });
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

  freeze(node: NodeModel): Promise<void> {
    const tpl = this.settings.pause?.freeze;
    if (!tpl) return Promise.reject(new InputError(this.noFreeze ?? 'no freeze command', { field: 'vars.failover.pause' }));
    return local(fillNode(tpl, node), 'freeze', node);
  }

  async thaw(node: NodeModel): Promise<void> {
    const tpl = this.settings.pause?.thaw;
    if (!tpl) throw new InputError(this.noFreeze ?? 'no thaw command', { field: 'vars.failover.pause' });
    await local(fillNode(tpl, node), 'thaw', node);
  }

  private async power(node: NodeModel, what: 'on' | 'off'): Promise<void> {
    const tpl = this.settings.power?.[what];
    if (!tpl) throw new InputError(this.noPower ?? 'no power command', { field: 'vars.failover.power' });
    await local(fillNode(tpl, node), `power ${what}`, node);
  }
}

/**
 * An inventory command template for one node: `{node}` and `{address}` become quoted words.
 * @example fillNode('virsh suspend {node}', master) // "virsh suspend 'master'"
 */
export function fillNode(tpl: string, node: Pick<NodeModel, 'name' | 'address'>): string {
  return tpl.replaceAll('{node}', quote(node.name)).replaceAll('{address}', quote(node.address));
}

/** Runs an inventory command on the orchestrator (bounded); a failure names the node and the command's output. */
async function local(command: string, what: string, node: NodeModel): Promise<void> {
  try {
    await sh(command, { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new NodeError(`${what} command failed`, { host: node.name, output: (e.stderr || e.message).trim() });
  }
}
