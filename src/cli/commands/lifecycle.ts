/**
 * `hactl remove-node`, `hactl destroy`, `hactl report`: parse, confirm, lock, print
 * (the work is in src/operate/). docs/day-two.md.
 */
import { createInterface } from 'node:readline/promises';
import chalk, { chalkStderr } from 'chalk';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/index.js';
import type { ClusterModel } from '../../inventory/model.js';
import { type DestroyResult, destroy } from '../../operate/destroy.js';
import { planRemoveNode, removeNode } from '../../operate/remove-node.js';
import { collectReport } from '../../operate/report.js';
import { loadPlaybook } from '../load-playbook.js';
import { addNodeFlags } from '../options.js';
import { printJson } from '../output.js';
import { addLockOption, connectorFor, type NodeOptions, runWithProgress, withRunLock } from '../run-common.js';
import { printSmoke } from './bootstrap.js';

interface LockOptions extends NodeOptions {
  waitLock?: string | boolean;
}

const say = (o: { json?: boolean }, line: string): void => {
  if (!o.json) process.stdout.write(`${line}\n`);
};

async function confirmDestroy(c: ClusterModel, wipe: boolean): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new InputError('destroy takes the cluster apart and needs a confirmation: stdin is not a terminal', {
      hint: 'pass --yes to run without asking',
    });
  }
  process.stderr.write(
    chalkStderr.bold(`destroy stops cluster ${c.name} on ${c.nodes.map((n) => n.name).join(', ')} and removes its configuration`) +
      (wipe
        ? chalkStderr.red("\n--wipe-data: the DRBD metadata and the data disks' filesystem signatures are WIPED")
        : '\nthe data disks and DRBD metadata are kept') +
      '\n',
  );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`type the cluster's name (${c.name}) to go on: `);
    if (answer.trim() !== c.name) throw new InputError('destroy: not confirmed, nothing was changed');
  } finally {
    rl.close();
  }
}

function renderDestroy(r: DestroyResult): string {
  if (r.nothing)
    return `nothing left of cluster ${r.cluster}: no hactl configuration or stack on ${r.nodes.map((n) => n.node).join(', ')}\n`;
  const lines = r.nodes.map((n) => {
    if (n.error) return chalk.red(`✘ ${n.node}: ${n.error}`);
    if (!n.changed) return `${n.node}: nothing left`;
    return (
      `${chalk.green('✔')} ${n.node}: stack stopped and disabled; removed ${n.removed.length ? n.removed.join(', ') : 'nothing'}` +
      `${n.wiped.length ? `; wiped ${n.wiped.join(', ')}` : ''}${n.backup ? `\n    copies: ${n.backup}` : ''}`
    );
  });
  return lines.join('\n') + '\n';
}

/** Registers remove-node, destroy and report. */
export function register(program: Command): void {
  addLockOption(
    addNodeFlags(
      program
        .command('remove-node')
        .argument('<name>', 'the node to take out of the cluster')
        .description('take a node out of a running cluster: membership, Pacemaker, its stack, the inventory'),
      // every remaining member gets the new nodelist: no --limit
      { forks: true, json: true },
    ),
  )
    .addHelpText(
      'after',
      `
What it does, in order:
  1. refuses, changing nothing, when the quorum arithmetic says no: a twin (master or
     slave: replace it with add-node --replace instead), fewer than 3 voters left, an even
     vote count without an arbitrator, Heartbeat's ping node (exit 2);
  2. refuses unless the cluster is healthy (the node itself may be down) and the node holds
     no resources (move them first: hactl standby NODE) (exit 1);
  3. stops the node's stack and disables it at boot (if it answers);
  4. removes the node from the inventory (comments kept; FILE.hactl-bak keeps the old one);
  5. runs bootstrap on the remaining nodes: the new nodelist and corosync-cfgtool -R (a
     reload, no restart), the node's constraints out of the CIB; then crm_node --force -R;
  6. smoke checks the smaller cluster.
A node not in the inventory: "not in the cluster", exit 0.

Examples:
  $ hactl standby web1 -i inventory.yaml && hactl remove-node web1 -i inventory.yaml`,
    )
    .action(async (name: string, o: LockOptions, cmd: Command) => {
      const plan = planRemoveNode(o.inventory, name);
      if (plan.kind === 'absent') {
        if (o.json) printJson({ node: name, removed: false, ok: true });
        else say(o, `${name} is not in cluster ${plan.before.name} (not in ${o.inventory}): nothing to remove`);
        return;
      }
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        await withRunLock(plan.before, connector, o, async () => {
          const { playbook, dir } = await loadPlaybook('bootstrap');
          const r = await removeNode(plan, {
            inventory: o.inventory,
            connector,
            bootstrap: (cluster) =>
              runWithProgress(playbook, { ...o, quiet: true }, { check: false, dir, cluster, connector, deferJson: true }),
            onEvent: (e) =>
              say(o, e.type === 'step' ? e.message : `${chalk.bold(name)} removed from ${e.file} (previous version: ${e.backup})`),
          });
          if (o.json)
            printJson({ node: r.node, removed: r.removed, unreachable: r.unreachable, seconds: r.seconds, smoke: r.smoke, ok: r.ok });
          else {
            if (r.smoke) printSmoke(r.smoke);
            say(
              o,
              `${name} left cluster ${plan.after.name} in ${r.seconds.toFixed(1)}s; ` +
                `members now ${plan.after.nodes.map((n) => n.name).join(', ')}`,
            );
          }
          if (!r.ok) process.exitCode = 1;
        });
      } finally {
        await connector.closeAll();
      }
    });

  addLockOption(
    addNodeFlags(
      program
        .command('destroy')
        .description('take the cluster apart: stop and disable the stack everywhere, remove the configuration hactl installed')
        .option('-y, --yes', 'do not ask for confirmation (without a terminal, destroy refuses unless given)')
        .option('--wipe-data', "also wipe the DRBD metadata (drbdadm wipe-md) and the backing disks' filesystem signatures (wipefs -a)"),
      { json: true },
    ),
  )
    .addHelpText(
      'after',
      `
On every node of the inventory (in parallel):
  stops the stack (pacemaker then corosync, or heartbeat) and disables it at boot, stops
  the cluster-managed services, takes DRBD resources down; removes corosync.conf and its
  authkey, the CIB (/var/lib/pacemaker/cib, pengine inputs: what pcs cluster destroy
  removes), ha.cf, authkeys, haresources, ldirectord.cf, /etc/drbd.d/<res>.res, guest
  definitions, hactl's staging (/var/lib/hactl/cib, pending). Each removed file is copied
  first into a generation (/var/lib/hactl/generations/<run>/, 0700): hactl history shows it.
Kept: the packages, the data disks and DRBD metadata (unless --wipe-data), drbd-utils'
global_common.conf, /var/lib/hactl/generations, the secrets dir on this machine (a new
bootstrap uses the same keys).
A second run says nothing is left (exit 0).

Examples:
  $ hactl destroy -i inventory.yaml
  $ hactl destroy -i inventory.yaml --yes --wipe-data`,
    )
    .action(async (o: LockOptions & { yes?: boolean; wipeData?: boolean }, cmd: Command) => {
      const cluster = await loadInventory(o.inventory);
      if (!o.yes) await confirmDestroy(cluster, Boolean(o.wipeData));
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        await withRunLock(cluster, connector, o, async () => {
          const r = await destroy(cluster, {
            connector,
            wipe: Boolean(o.wipeData),
            command: ['hactl', ...process.argv.slice(2)].join(' '),
          });
          if (o.json) printJson(r);
          else process.stdout.write(renderDestroy(r));
          if (!r.ok) process.exitCode = 1;
        });
      } finally {
        await connector.closeAll();
      }
    });

  addNodeFlags(
    program
      .command('report')
      .description('collect logs, status, CIB and configs of every node into one tar.gz, secrets masked')
      .option('--since <time>', 'logs since (journalctl --since; 2h, 30m, 1d or a date)', '2h')
      .option('-o, --output <file>', 'the archive to write (default: ./<cluster>-report-<time>.tar.gz)'),
    { json: true },
  )
    .addHelpText(
      'after',
      `
Per node, in one SSH round trip: the cluster's journal (corosync, pacemaker, heartbeat,
drbd, ldirectord) since --since, or the tail of the /var/log files; crm_mon -1
--output-as=xml, cibadmin -Q, corosync-cfgtool -s, corosync-quorumtool -s (or cl_status);
drbdadm status, /proc/drbd; the rendered configs; dmesg | tail; hactl's generations.
Key files (corosync authkey, heartbeat authkeys) are never copied: their size and mode
only. The inventory's secrets and secret-shaped fields (shared-secret, passwords in the
CIB, ha.cf's stonith_host) are masked as ***. An unreachable node gets an "unreachable"
note; the others are still collected. failover-test writes one when a scenario fails.

Examples:
  $ hactl report -i inventory.yaml
  $ hactl report -i inventory.yaml --since 30m -o /tmp/incident.tar.gz`,
    )
    .action(async (o: NodeOptions & { since: string; output?: string }, cmd: Command) => {
      const cluster = await loadInventory(o.inventory);
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      try {
        const r = await collectReport(cluster, { connector, since: o.since, out: o.output });
        if (o.json) printJson(r);
        else {
          for (const n of r.nodes)
            if (n.unreachable) process.stderr.write(chalkStderr.yellow(`${n.node}: unreachable (${n.unreachable})\n`));
          say(o, `${r.path} (${(r.bytes / 1024).toFixed(1)} KiB)`);
        }
      } finally {
        await connector.closeAll();
      }
    });
}
