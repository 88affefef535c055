/**
 * `hactl lab …`: a practice cluster of real Debian nodes on this machine, in Linux
 * namespaces or (`--vm`) as qemu VMs. The work is in src/lab; this file parses arguments
 * and prints.
 */
import { spawn } from 'node:child_process';
import chalk, { chalkStderr } from 'chalk';
import { type Command, Option } from 'commander';
import { InputError, NodeError } from '../../core/errors.js';
import type { Stack } from '../../inventory/model.js';
import { anyLabDown, anyLabExec, anyLabFault, anyLabStatus, whichLab } from '../../lab/dispatch.js';
import { CANARY_PACKAGE, formatEvent, type LabEvent, type LabStatus, labPaths, labUp, publish, resolveLabIndex } from '../../lab/index.js';
import { LAB_FAULTS, type LabFault, type VmLabStatus } from '../../lab/lab.js';
import { vmLabUp } from '../../lab/vm/index.js';
import { isStack, STACK_NAMES } from '../../stack/driver.js';
import { printJson } from '../output.js';
import { registerFence } from './lab-fence.js';

const UP_EXAMPLES = `
Examples:
  $ sudo hactl lab up                                   # master, slave, arbitrator
  $ sudo hactl lab up --nodes master,slave,arbitrator,web1 --stack heartbeat
  $ sudo hactl lab up --add web2                        # one more node in the running lab
  $ sudo hactl lab up --index 1 --state-dir /tmp/lab1   # a second lab beside it, on 10.77.1.0/24
  $ sudo hactl lab up --backplane                       # two networks: two corosync links, DRBD on the backplane
  $ sudo hactl lab up --qdevice                         # the arbitrator runs corosync-qnetd, the twins corosync-qdevice
  $ sudo hactl lab up --index 1 --state-dir /tmp/lab1 --qnetd-lab /var/lib/hactl/lab   # its twins use lab 0's qnetd
  $ ssh -F /var/lib/hactl/lab/ssh_config master
  $ sudo hactl lab up --vm                              # qemu VMs with DRBD disks, in /var/lib/hactl/vmlab
  $ sudo hactl lab up --vm --backplane                  # the VMs with a second NIC (eth1) on 10.79.78.0/24
  $ sudo hactl lab up --vm --stack heartbeat --serial   # and a serial cable between the twins (Heartbeat's path no cut takes)
  The first run builds a Debian root and a local apt repo (~2 min, cached in /var/cache/hactl);
  the first --vm run builds a VM image (~4-5 min, cached there too); VMs boot in 1.5-3 min under TCG.`;

const FAULT_EXAMPLES = `
Examples:
  $ sudo hactl lab cut master && sudo hactl lab uncut master
  $ sudo hactl lab cut master --link backplane          # only its second network (lab up [--vm] --backplane)
  $ sudo hactl lab poweroff master && sudo hactl lab boot master
  $ sudo hactl lab poweroff master --vm                 # the VM lab: kills master's qemu`;

interface StateOpt {
  stateDir?: string;
  vm?: boolean;
}

interface UpOpts extends StateOpt {
  nodes?: string;
  add?: string;
  recreate?: boolean;
  inventoryOut?: string;
  stack?: string;
  index?: string;
  backplane?: boolean;
  serial?: boolean;
  qdevice?: boolean;
  qnetdLab?: string;
}

function onEvent(e: LabEvent): void {
  const line = formatEvent(e);
  process.stderr.write((e.phase === 'done' ? line : chalkStderr.dim(line)) + '\n');
}

function parseNodes(list: string | undefined): string[] | undefined {
  return list
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Commander passes a `--` through when options precede the node; the command starts after it. */
function commandArgs(args: string[]): string[] {
  return args[0] === '--' ? args.slice(1) : args;
}

/** --index as given (undefined: the library falls back to $HACTL_LAB_INDEX, then 0). */
function parseIndex(index: string | undefined): number | undefined {
  return index === undefined ? undefined : resolveLabIndex(index);
}

function parseStack(name: string | undefined): Stack | undefined {
  if (name === undefined || isStack(name)) return name;
  throw new InputError(`--stack must be ${STACK_NAMES.join(' or ')}, not "${name}"`);
}

/**
 * Registers the `lab` command group.
 * @example register(program); // hactl lab up --state-dir /tmp/lab
 */
export function register(program: Command): void {
  const lab = program
    .command('lab')
    .description('a local practice cluster of Debian nodes in Linux namespaces, or qemu VMs with --vm (needs root)')
    .enablePositionalOptions();
  const stateOpt = (c: Command): Command =>
    c
      .option(
        '--state-dir <dir>',
        'lab state dir (default $HACTL_LAB_DIR or /var/lib/hactl/lab; with --vm $HACTL_VMLAB_DIR or /var/lib/hactl/vmlab)',
      )
      .option(
        '--vm',
        'the VM lab (qemu VMs: DRBD, IPVS, systemd); later commands find it by its state dir, or without --vm when no namespace lab is up',
      );

  stateOpt(lab.command('up'))
    .description('create the lab and wait until every node accepts SSH')
    .option('--nodes <names>', 'comma-separated node names (default: master,slave,arbitrator)')
    .option('--add <name>', 'add one node to the running lab (not written to the inventory)')
    .option('--recreate', 'remove an existing lab first')
    .option('--inventory-out <file>', 'where to write the inventory (default <state-dir>/inventory.yaml)')
    .addOption(new Option('--stack <stack>', 'cluster stack in the inventory').choices(STACK_NAMES).default('pacemaker'))
    .option('--index <n>', 'lab index 0..9: labs side by side, network 10.77.N.0/24 (default $HACTL_LAB_INDEX or 0)')
    .option(
      '--backplane',
      'a second network 10.79.N.0/24 on eth1, 10.79.78.0/24 with --vm (inventory: networks.backplane, two corosync links, DRBD on it)',
    )
    .option('--serial', 'with --vm --stack heartbeat: a serial cable between the twins (ttyS1; inventory: cluster.serial)')
    .option('--qdevice', 'inventory: the arbitrator runs corosync-qnetd, the twins corosync-qdevice (cluster.arbitrator.mode: qdevice)')
    .option(
      '--qnetd-lab <state-dir>',
      "implies --qdevice: no arbitrator of its own; the running lab's in <state-dir> is the QNetd (labs joined; cluster labN)",
    )
    .addHelpText('after', UP_EXAMPLES)
    .action(async (o: UpOpts) => {
      if (o.vm) return upVm(o);
      if (o.serial) throw new InputError('--serial needs --vm: namespace nodes have no UART of their own');
      const r = await labUp({
        stateDir: o.stateDir,
        index: parseIndex(o.index),
        nodes: parseNodes(o.nodes),
        add: o.add,
        recreate: o.recreate,
        inventoryOut: o.inventoryOut,
        stack: parseStack(o.stack),
        backplane: o.backplane,
        qdevice: o.qdevice,
        qnetdLab: o.qnetdLab,
        onEvent,
      });
      const paths = labPaths(r.stateDir);
      if (r.added) {
        process.stdout.write(`${chalk.green('added')} ${r.added.name} ${r.added.address}  (ssh -F ${paths.sshConfig} ${r.added.name})\n`);
        return;
      }
      process.stdout.write(
        `${chalk.green('lab up')} in ${r.seconds.toFixed(1)}s: ${r.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}\n`,
      );
      process.stdout.write(`  inventory  ${r.inventory}\n  ssh        ssh -F ${paths.sshConfig} ${r.nodes[0]?.name ?? 'NODE'}\n`);
    });

  stateOpt(lab.command('down'))
    .description('stop every node and remove all namespaces, links, mounts and processes of the lab')
    .option('--force', 'also remove namespaces of this lab index that this state dir does not list (lost state)')
    .option('--index <n>', 'lab index whose leftovers --force removes when the state is lost (default $HACTL_LAB_INDEX or 0)')
    .action(async (o: StateOpt & { force?: boolean; index?: string }) => {
      const r = await anyLabDown({ stateDir: o.stateDir, vm: o.vm, force: o.force, index: parseIndex(o.index) });
      process.stdout.write(r.removed ? `lab down in ${r.seconds.toFixed(1)}s\n` : `no lab in ${r.stateDir}\n`);
    });

  stateOpt(lab.command('status'))
    .description('show the nodes and whether they run')
    .option('--json', 'print JSON')
    .action(async (o: StateOpt & { json?: boolean }) => {
      const s = await anyLabStatus({ stateDir: o.stateDir, vm: o.vm });
      if (o.json) printJson(s);
      else process.stdout.write(formatStatus(s));
    });

  stateOpt(lab.command('ssh'))
    .description('open an SSH session to a node (the system ssh with the lab ssh_config)')
    .argument('<node>')
    .argument('[command...]', 'remote command')
    .passThroughOptions()
    .action(async (node: string, command: string[], o: StateOpt) => {
      process.exitCode = await interactive('ssh', ['-F', labPaths(whichLab(o).stateDir).sshConfig, node, ...commandArgs(command)]);
    });

  stateOpt(lab.command('exec'))
    .description('run a command inside a node without SSH (a VM: over SSH; default: a login shell)')
    .argument('<node>')
    .argument('[command...]', 'command and arguments, after --')
    .passThroughOptions()
    .addHelpText('after', '\nExample:\n  $ sudo hactl lab exec master -- ip -br addr')
    .action(async (node: string, command: string[], o: StateOpt) => {
      process.exitCode = (await anyLabExec(node, commandArgs(command), { stateDir: o.stateDir, vm: o.vm, stdio: 'inherit' })).code;
    });

  lab
    .command('publish')
    .description("serve debs from the lab's apt repo (nodes see them at their next apt-get update); --canary builds one")
    .argument('[debs...]', '.deb files to publish')
    .option('--state-dir <dir>', 'lab state dir (default $HACTL_LAB_DIR or /var/lib/hactl/lab)')
    .option('--canary <version>', `build ${CANARY_PACKAGE} VERSION (dpkg-deb, no network) and publish it`)
    .addHelpText(
      'after',
      `
The debs go to <state-dir>/repo-extra/, indexed with dpkg-scanpackages; the repo server
appends that index to the cached repo's (which every lab shares and is never written).
Every version published stays listed: apt installs the highest.

Examples:
  $ sudo hactl lab publish --canary 1.0                 # then apt-get install ${CANARY_PACKAGE} on the nodes
  $ sudo hactl lab publish --canary 1.1                 # what hactl rolling-upgrade --packages ${CANARY_PACKAGE} upgrades to
  $ sudo hactl lab publish ./mypkg_2.0_all.deb`,
    )
    .action(async (debs: string[], o: { stateDir?: string; canary?: string }) => {
      const r = await publish({ stateDir: o.stateDir, files: debs, canary: o.canary });
      process.stdout.write(`published in ${r.dir}: ${r.debs.join(', ')}\n`);
    });

  registerFence(lab);
  for (const [name, { description, done }] of Object.entries(LAB_FAULTS) as Array<[LabFault, (typeof LAB_FAULTS)[LabFault]]>) {
    const cmd = stateOpt(lab.command(name)).description(description).argument('<node>').addHelpText('after', FAULT_EXAMPLES);
    if (name === 'cut' || name === 'uncut')
      cmd.option('--link <network>', 'which cable: public (default) or backplane (`lab up --backplane`)');
    cmd.action(async (node: string, o: StateOpt & { link?: string }) => {
      await anyLabFault(name, node, { stateDir: o.stateDir, vm: o.vm, link: o.link });
      process.stdout.write(`${node}: ${done}${o.link ? ` (${o.link})` : ''}\n`);
    });
  }
}

/** `lab up --vm`: the namespace lab's node options do not apply to the fixed three VMs. */
async function upVm(o: UpOpts): Promise<void> {
  if (o.nodes || o.add || o.index !== undefined)
    throw new InputError('--vm makes master, slave and arbitrator: --nodes, --add and --index are for the namespace lab');
  const r = await vmLabUp({
    stateDir: o.stateDir,
    recreate: o.recreate,
    inventoryOut: o.inventoryOut,
    stack: parseStack(o.stack),
    backplane: o.backplane,
    serial: o.serial,
    onEvent,
  });
  process.stdout.write(
    `${chalk.green('VM lab up')} in ${r.seconds.toFixed(1)}s (boot ${r.bootSeconds.toFixed(1)}s, ${r.accel}): ` +
      `${r.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}\n`,
  );
  process.stdout.write(`  inventory  ${r.inventory}\n  ssh        ssh -F ${labPaths(r.stateDir).sshConfig} master\n`);
}

/** Runs a program on this terminal and resolves with its exit code. */
function interactive(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
    child.on('error', (err) => reject(new NodeError(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function formatStatus(s: LabStatus | VmLabStatus): string {
  if (!s.nodes.length) return `no lab in ${s.stateDir}\n`;
  const what = 'kind' in s ? `VM lab (${s.accel})` : `lab ${s.index ?? 0}`;
  const head =
    `${what} in ${s.stateDir}: ${s.up ? chalk.green('up') : chalk.red('network down')} (${s.network})` +
    `, stack ${s.stack}, repo ${s.repo?.running ? 'serving' : chalk.red('not serving')} (${s.repo?.url})`;
  const rows = s.nodes.map((n) => {
    const st = !n.running ? chalk.red('off') : n.cut ? chalk.yellow('cut') : chalk.green('running');
    return (
      `  ${n.name.padEnd(13)} ${n.address.padEnd(12)} ${n.role.padEnd(10)} ${st}` +
      `${n.pid ? `  pid ${n.pid}` : ''}${n.inInventory ? '' : '  (added)'}`
    );
  });
  return [head, ...rows, ''].join('\n');
}
