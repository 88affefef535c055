import chalk from 'chalk';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type AddNodeEvent, addNode, planAddNode } from '../../checks/add-node.js';
import { InputError } from '../../core/errors.js';
import type { Role } from '../../inventory/model.js';
import { loadPlaybook } from '../load-playbook.js';
import { printJson } from '../output.js';
import { addLockOption, addNodeOptions, connectorFor, type NodeOptions, runWithProgress, withRunLock } from '../run-common.js';
import { printSmoke } from './bootstrap.js';

const ROLES = ['service', 'realserver', 'director', 'arbitrator'];

/**
 * `--role`, one of {@link ROLES} (help and completion offer those). A twin's role is let
 * through: the plan refuses it with the way out (`--replace` and the twin's name).
 */
function roleOption(): Option {
  const o = new Option('--role <role>', "the new node's role (not needed with --replace)").argParser((v: string) => {
    if (ROLES.includes(v) || v === 'master' || v === 'slave') return v;
    throw new InvalidArgumentError(`Allowed choices are ${ROLES.join(', ')}.`);
  });
  o.argChoices = ROLES;
  return o;
}

interface AddNodeOptions extends NodeOptions {
  role?: Role;
  address: string;
  replace?: string;
  addressOn?: string[];
  waitLock?: string | boolean;
}

/**
 * `--address-on backplane=10.10.0.14` (repeatable) as a map; the inventory check judges the values.
 * @throws InputError for an entry without `=`
 */
function parseAddressOn(given: string[] | undefined): Record<string, string> | undefined {
  if (!given?.length) return undefined;
  const out: Record<string, string> = {};
  for (const g of given) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(g.trim());
    if (!m) throw new InputError(`--address-on ${g}: write NETWORK=IP, e.g. backplane=10.10.0.14`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** `hactl add-node NAME`: inventory edit, provisioning and join, with a prober on the VIP. */
export function register(program: Command): void {
  addLockOption(
    addNodeOptions(
      program
        .command('add-node')
        .argument('<name>', "the new node's name (must equal its `uname -n`)")
        .description('grow a running cluster (or replace a twin) without downtime: inventory, packages, keys, configs, join')
        .requiredOption('--address <ip>', "the new node's address on the cluster network")
        .option(
          '--address-on <network=ip>',
          'its address on an extra network of cluster.networks (repeatable), e.g. backplane=10.10.0.14',
          (v: string, prev: string[] = []) => [...prev, v],
        )
        .addOption(roleOption())
        .option('--replace <old>', "the new node takes OLD's role and place (a failed twin's replacement)"),
      // every member gets the new nodelist: no --limit
      { forks: true, json: true },
    ),
  )
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
  $ hactl add-node web4 --role service --address 10.77.0.15 --address-on backplane=10.10.0.15 -i inventory.yaml
  $ hactl add-node slave2 --replace slave --address 10.77.0.15 -i inventory.yaml
  $ hactl add-node slave --replace slave --address 10.77.0.12 -i inventory.yaml`,
    )
    .action(async (name: string, o: AddNodeOptions, cmd: Command) => {
      const addresses = parseAddressOn(o.addressOn);
      const plan = planAddNode(o.inventory, {
        name,
        address: o.address,
        role: o.role,
        replace: o.replace,
        ...(addresses ? { addresses } : {}),
      });
      const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
      const say = (line: string): void => {
        if (!o.json) process.stdout.write(`${line}\n`);
      };
      try {
        // the lock is the cluster's as it is now (the new node is not in it yet)
        await withRunLock(plan.before, connector, o, async () => {
          const { playbook, dir } = await loadPlaybook('bootstrap');
          const r = await addNode(plan, {
            inventory: o.inventory,
            connector,
            bootstrap: (cluster) => runWithProgress(playbook, o, { check: false, dir, cluster, connector, deferJson: true }),
            onEvent: (e) => say(describe(e, name)),
          });
          const { ok, vip, ...result } = r;
          if (o.json) printJson(result);
          else {
            printSmoke(r.smoke);
            const p = r.probes;
            const line =
              `prober on ${vip ?? 'no VIP'}: ${p.total} probes, ${p.failed} failed` +
              (p.failed ? `, longest outage ${p.longestOutageMs} ms` : '');
            say(`${p.failed ? chalk.red(line) : chalk.green(line)}\n${name} joined in ${r.seconds.toFixed(1)}s`);
          }
          if (!ok) process.exitCode = 1;
        });
      } finally {
        await connector.closeAll();
      }
    });
}

/** One line for each event of {@link addNode}. */
function describe(e: AddNodeEvent, name: string): string {
  switch (e.type) {
    case 'preflight':
      return e.message;
    case 'inventory':
      return e.written
        ? `${chalk.bold(name)} written to ${e.file} (previous version: ${e.backup})`
        : `${chalk.bold(name)} is rebuilt under its own name: ${e.file} is unchanged`;
    case 'resync':
      return chalk.dim(e.line);
    case 'resync-done': {
      const x = e.resync;
      return (
        `DRBD ${x.resources.join(', ')} UpToDate on both twins ${x.seconds.toFixed(1)}s after bootstrap` +
        `${x.kernel ? ` (kernel: resync ${x.kernel})` : ''}`
      );
    }
  }
}
