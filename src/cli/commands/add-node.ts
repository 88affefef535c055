import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import chalk from 'chalk';
import type { Command } from 'commander';
import { planAddNode, replacePreflight, requireHealthy, survivorOf, waitForResync, type ResyncResult } from '../../checks/add-node.js';
import { analyseProbes } from '../../checks/failover/analyse.js';
import { Prober } from '../../checks/failover/prober.js';
import { smoke } from '../../checks/smoke.js';
import type { Role } from '../../inventory/model.js';
import { NodeError } from '../../core/errors.js';
import { loadPlaybook } from '../load-playbook.js';
import { printJson } from '../output.js';
import { addLockOption, addNodeOptions, connectorFor, runWithProgress, withRunLock, type NodeOptions } from '../run-common.js';
import { printSmoke } from './bootstrap.js';

interface AddNodeOptions extends NodeOptions {
  role?: Role;
  address: string;
  replace?: string;
  waitLock?: string | boolean;
}

/** `hactl add-node NAME`: inventory edit, provisioning and join, with a prober on the VIP. */
export function register(program: Command): void {
  addLockOption(addNodeOptions(
    program
      .command('add-node')
      .argument('<name>', "the new node's name (must equal its `uname -n`)")
      .description('grow a running cluster (or replace a twin) without downtime: inventory, packages, keys, configs, join')
      .requiredOption('--address <ip>', "the new node's address on the cluster network")
      .option('--role <role>', 'service | realserver | director | arbitrator (not needed with --replace)')
      .option('--replace <old>', "the new node takes OLD's role and place (a failed twin's replacement)"),
    false,
  ))
    .addHelpText(
      'after',
      `
What it does, in order:
  1. checks the name and address are new, the edited inventory validates, and quorum
     arithmetic holds (no even vote count without an arbitrator);
  2. refuses unless the cluster is healthy now (the smoke checks);
  3. writes the node into the inventory (comments and formatting kept; the old file is
     kept as FILE.hactl-bak);
  4. runs bootstrap: packages and keys on the new node, the new nodelist on every member
     (corosync-cfgtool -R: a reload, no restart), the node's constraints in the CIB;
  5. smoke checks with the new member — while a prober hits the floating IP every 100 ms.

Replacing a twin (--replace): the node being replaced may be down. With DRBD, the other
twin must be Primary with UpToDate data (the current Primary is never replaced in place:
switch over first, the refusal says how); the newcomer gets fresh metadata on a blank disk
and DRBD syncs it in full from the survivor, which keeps serving; add-node follows the
resync to the end and reports its time and the prober's failed probes. A rebuilt machine
may keep its name and address (add-node slave --replace slave --address ITS-ADDRESS).

Examples:
  $ hactl add-node web3 --role service --address 10.77.0.14 -i inventory.yaml
  $ hactl add-node slave2 --replace slave --address 10.77.0.15 -i inventory.yaml
  $ hactl add-node slave --replace slave --address 10.77.0.12 -i inventory.yaml`,
    )
    .action(async (name: string, o: AddNodeOptions, cmd: Command) => {
      const t0 = Date.now();
      const plan = planAddNode(o.inventory, { name, address: o.address, role: o.role, replace: o.replace });
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      const vip = plan.before.floatingIps[0];
      const svc = plan.before.services.find((s) => s.check);
      const prober = vip ? new Prober({ address: vip.address, port: svc?.check?.port ?? 22, path: svc?.check ? (svc.check.path ?? '/') : undefined }) : undefined;
      try {
        // the lock is the cluster's as it is now (the new node is not in it yet)
        await withRunLock(plan.before, connector, o, async () => {
          // a failed twin being replaced may be down: it is not required to be healthy
          requireHealthy(await smoke(plan.before, connector, { absent: plan.replaced ? [plan.replaced] : [] }), plan.before);
          // replacing a twin with DRBD: only while the other one is Primary with good data
          const preflight = await replacePreflight(plan.before, plan.replaced, connector);
          if (preflight && !o.json) process.stdout.write(`${preflight}\n`);
          prober?.start();
          if (plan.text !== readFileSync(o.inventory, 'utf8')) {
            copyFileSync(o.inventory, `${o.inventory}.hactl-bak`);
            writeFileSync(`${o.inventory}.hactl-tmp`, plan.text);
            renameSync(`${o.inventory}.hactl-tmp`, o.inventory);
            if (!o.json) process.stdout.write(`${chalk.bold(name)} written to ${o.inventory} (previous version: ${o.inventory}.hactl-bak)\n`);
          } else if (!o.json) {
            process.stdout.write(`${chalk.bold(name)} is rebuilt under its own name: ${o.inventory} is unchanged\n`);
          }
          const { playbook, dir } = await loadPlaybook('bootstrap');
          const summary = await runWithProgress(playbook, o, { check: false, dir, cluster: plan.after, connector, deferJson: true });
          if (!summary.ok) {
            throw new NodeError(`${name} is in the inventory but joining did not finish`, {
              hint: `fix the failure above, then \`hactl bootstrap -i ${o.inventory}\` completes it (or remove ${name} from the inventory and run bootstrap to roll back)`,
            });
          }
          if (plan.replaced && plan.replaced !== name) await forgetNode(plan.after, plan.replaced, connector);
          // the replacement's DRBD disks are synced in full from the survivor: followed to the end
          const survivor = survivorOf(plan.after, plan.replaced) ?? survivorOf(plan.after, name);
          let resync: ResyncResult | undefined;
          if (plan.replaced && survivor && preflight && !/no DRBD kernel module/.test(preflight)) {
            resync = await waitForResync(plan.after, survivor, connector, (line) => {
              if (!o.json) process.stdout.write(`${chalk.dim(line)}\n`);
            });
            if (!o.json) process.stdout.write(`DRBD ${resync.resources.join(', ')} UpToDate on both twins ${resync.seconds.toFixed(1)}s after bootstrap${resync.kernel ? ` (kernel: resync ${resync.kernel})` : ''}\n`);
          }
          const report = await smoke(plan.after, connector);
          const records = (await prober?.stop()) ?? [];
          const probes = { total: records.length, failed: records.filter((r) => !r.ok).length, longestOutageMs: analyseProbes(records).longestMs };
          const result = { node: name, replaced: plan.replaced, seconds: (Date.now() - t0) / 1000, probes, resync, run: summary, smoke: report };
          if (o.json) printJson(result);
          else {
            printSmoke(report);
            const line = `prober on ${vip?.address ?? 'no VIP'}: ${probes.total} probes, ${probes.failed} failed` + (probes.failed ? `, longest outage ${probes.longestOutageMs} ms` : '');
            process.stdout.write(`${probes.failed ? chalk.red(line) : chalk.green(line)}\n${name} joined in ${result.seconds.toFixed(1)}s\n`);
          }
          if (!report.ok || probes.failed) process.exitCode = 1;
        });
      } finally {
        await prober?.stop();
        await connector.closeAll();
      }
    });
}

/** A replaced node leaves Pacemaker's node list too (corosync forgot it on reload). */
async function forgetNode(c: import('../../inventory/model.js').ClusterModel, old: string, connector: import('../../runtime/connector.js').Connector): Promise<void> {
  if (c.stack !== 'pacemaker') return;
  const conn = await connector.get(c.master);
  await conn.exec(`crm_node -R ${old} --force >/dev/null 2>&1 || true`);
}
