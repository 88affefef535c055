/**
 * `hactl lab fence up|down|status`: the lab's fence device (src/lab/fence), registered
 * under `hactl lab` by one line in lab.ts.
 */
import chalk from 'chalk';
import type { Command } from 'commander';
import { fenceDown, fenceStatus, fenceUp } from '../../lab/fence/index.js';
import { printJson } from '../output.js';

const EXAMPLES = `
Examples:
  $ sudo hactl lab up --state-dir /tmp/lab
  $ sudo hactl lab fence up --state-dir /tmp/lab      # device + agent on the nodes + cluster.stonith in the inventory
  $ sudo hactl bootstrap -i /tmp/lab/inventory.yaml   # now configures STONITH (one fence-<node> per member)
  $ sudo hactl lab ssh master -- fence_lab -o status -n slave
  $ sudo hactl lab fence down --state-dir /tmp/lab`;

interface FenceCliOptions {
  stateDir?: string;
  inventory: boolean;
  json?: boolean;
}

/**
 * Adds `fence` to the `lab` command group.
 * @example registerFence(lab); // hactl lab fence up --state-dir /tmp/lab
 */
export function registerFence(lab: Command): void {
  const fence = lab
    .command('fence')
    .description('a fence device for the lab (like fence_virtd for VMs): STONITH that powers lab nodes off')
    .addHelpText('after', EXAMPLES);
  const common = (c: Command): Command =>
    c.option('--state-dir <dir>', 'lab state dir (default $HACTL_LAB_DIR or /var/lib/hactl/lab)').option('--json', 'print JSON');

  common(fence.command('up'))
    .description("start the device on the lab network, install fence_lab on every node, enable STONITH in the lab's inventory")
    .option('--no-inventory', 'leave the inventory as it is (print the stonith section instead)')
    .action(async (o: FenceCliOptions) => {
      const s = await fenceUp({ stateDir: o.stateDir, inventory: o.inventory });
      if (o.json) return printJson(s);
      process.stdout.write(
        `${chalk.green('fence device up')} on ${s.address} (log ${s.log}); fence_lab installed on ${s.installed?.join(', ')}\n`,
      );
      const stanza = `  stonith: ${JSON.stringify(s.stonith)
        .replace(/"([a-z_]+)":/g, '$1: ')
        .replace(/,/g, ', ')}\n`;
      process.stdout.write(
        o.inventory
          ? `  inventory: cluster.stonith set; run \`hactl bootstrap\` to apply it\n`
          : `  add to the inventory under cluster:\n${stanza}`,
      );
    });

  common(fence.command('down'))
    .description('stop the device (the agent stays on the nodes)')
    .action(async (o: FenceCliOptions) => {
      const was = await fenceDown({ stateDir: o.stateDir });
      process.stdout.write(was ? 'fence device stopped\n' : 'fence device was not running\n');
    });

  common(fence.command('status'))
    .description('whether the device runs, and where')
    .action((o: FenceCliOptions) => {
      const s = fenceStatus({ stateDir: o.stateDir });
      if (o.json) return printJson(s);
      process.stdout.write(
        s.running ? `fence device running on ${s.address} (pid ${s.pid}, log ${s.log})\n` : 'fence device not running\n',
      );
    });
}
