/**
 * `hactl standby|unstandby|maintenance|move|clear`: parse, lock, draw the events of
 * src/operate/day2.ts, print the report (or one JSON document). docs/day-two.md.
 */
import chalk, { chalkStderr } from 'chalk';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/index.js';
import type { Day2Action } from '../../operate/commands.js';
import { type Day2Report, runDay2 } from '../../operate/day2.js';
import { interruptible } from '../interrupt.js';
import { addNodeFlags } from '../options.js';
import { printJson } from '../output.js';
import { connectorFor, type NodeOptions, withRunLock } from '../run-common.js';

interface Day2Options extends NodeOptions {
  waitLock?: string | boolean;
}

const COMMON = `
Before it changes anything it runs the failover pre-flight checks (members, quorum, the
resources together on one twin, the VIP answering, DRBD, failed actions); standby, move
and maintenance on refuse an unhealthy cluster (unstandby, maintenance off and clear
take a state back and run anyway). While it works, a client-side prober requests the
floating IP every 100 ms: the report gives the downtime clients saw. A move either
completes or is taken back so the service keeps running where it ran ("move failed,
service kept on X", exit 1); waits follow the cluster's op timeouts × the inventory's
timeout factors. Ctrl-C ends the wait and takes the move back; a second Ctrl-C exits.
Exit codes: 0 done · 1 refused, failed or moved back · 2 bad input or not possible on this stack.`;

const SEC = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function render(r: Day2Report): string {
  const outageMs = r.outages.reduce((s, o) => s + (o.ms ?? 0), 0);
  const lines = [
    r.ok ? chalk.green(`✔ ${r.message}`) : chalk.red(`✘ ${r.message}`),
    `  service ${r.target}: ${r.before ?? 'nowhere'} → ${r.after ?? 'nowhere'}; downtime ${SEC(r.downtimeMs)}` +
      `${r.outages.length > 1 ? ` (longest of ${r.outages.length} outages, ${SEC(outageMs)} in all)` : ''}; ${r.probes} probes`,
    ...(r.move
      ? [`  move: ${r.move.status}${r.move.status === 'already' ? '' : ` in ${SEC(r.move.ms)} (bound ${SEC(r.move.budgetMs)} per wait)`}`]
      : []),
    ...r.notes.map((n) => chalk.yellow(`  note: ${n}`)),
  ];
  return lines.join('\n') + '\n';
}

async function run(cmd: Command, o: Day2Options, action: Day2Action): Promise<void> {
  const cluster = await loadInventory(o.inventory);
  const connector = connectorFor(o, Boolean(cmd.optsWithGlobals().debug));
  const { signal, release } = interruptible(
    'interrupted: taking the move back so the service runs where it ran (Ctrl-C again to quit at once)',
    'interrupted twice: exiting at once; check the cluster (hactl smoke, hactl drift)',
  );
  try {
    const report = await withRunLock(cluster, connector, o, () =>
      runDay2(cluster, action, {
        connector,
        signal,
        onEvent: (e) => {
          if (e.type === 'log') process.stderr.write(chalkStderr.dim(`[${action.kind}] ${e.message}\n`));
          else if (!e.health.ok)
            for (const k of e.health.checks.filter((x) => !x.ok)) process.stderr.write(chalkStderr.yellow(`  ✘ ${k.check}: ${k.detail}\n`));
        },
      }),
    );
    if (o.json) printJson(report);
    else process.stdout.write(render(report));
    if (!report.ok) process.exitCode = 1;
    if (signal.aborted) process.exitCode = 130;
  } finally {
    release();
    await connector.closeAll();
  }
}

function common(c: Command): Command {
  return addNodeFlags(c, { json: 'print one JSON document (docs/json.md); progress goes to stderr' }).option(
    '--wait-lock [seconds]',
    "if another run holds the cluster's run lock, wait for it (default: refuse at once)",
  );
}

/**
 * Registers standby, unstandby, maintenance, move and clear.
 * @example register(program); // hactl standby master -i inventory.yaml
 */
export function register(program: Command): void {
  common(program.command('standby').argument('<node>', 'the node to empty'))
    .description('put a node in standby: its resources move to the other twin (the downtime is measured)')
    .addHelpText(
      'after',
      `${COMMON}

Pacemaker: crm_standby -N NODE -v on (the node stays in standby until unstandby).
Heartbeat: hb_standby all on the node (a one-off hand-over: Heartbeat R1 keeps no standby state).

Examples:
  $ hactl standby master -i inventory.yaml          # patch the master: the service moves to the slave
  $ hactl unstandby master -i inventory.yaml        # then back`,
    )
    .action((node: string, o: Day2Options, cmd: Command) => run(cmd, o, { kind: 'standby', node }));

  common(program.command('unstandby').argument('<node>', 'the node that may host resources again'))
    .description('take a node out of standby; for the master, move the service back to it (one safe move)')
    .option('--stay', 'do not move the service back to the master (it stays where it runs)')
    .addHelpText(
      'after',
      `${COMMON}

The master is the service's home: unstandby of the master moves the resources back unless
--stay or vars.failover.move_back: false (Pacemaker's stickiness would keep them away).
Pacemaker: crm_standby -N NODE -D, then the move back. Heartbeat: hb_takeover all on the master.

Examples:
  $ hactl unstandby master -i inventory.yaml
  $ hactl unstandby master -i inventory.yaml --stay --json`,
    )
    .action((node: string, o: Day2Options & { stay?: boolean }, cmd: Command) =>
      run(cmd, o, { kind: 'unstandby', node, moveBack: !o.stay }),
    );

  common(program.command('maintenance').argument('<state>', 'on or off'))
    .description("stop (on) or restart (off) the cluster's monitoring and recovery, for the cluster or one node")
    .option('--node <node>', 'only this node (Pacemaker node attribute "maintenance")')
    .addHelpText(
      'after',
      `${COMMON}

on: Pacemaker leaves resources where they are and stops monitoring them: a service that
dies is NOT restarted (work on it by hand). off: the cluster looks again and recovers.
Pacemaker: crm_attribute -t crm_config -n maintenance-mode -v true | -D; with --node,
crm_attribute -N NODE -n maintenance -v true | -D.
Heartbeat R1 has none (it never monitors resources): refused, with the reason.

Examples:
  $ hactl maintenance on -i inventory.yaml
  $ hactl maintenance off -i inventory.yaml
  $ hactl maintenance on --node slave -i inventory.yaml`,
    )
    .action((state: string, o: Day2Options & { node?: string }, cmd: Command) => {
      if (state !== 'on' && state !== 'off')
        throw new InputError(`maintenance expects on or off, got "${state}"`, { hint: 'hactl maintenance on|off -i INVENTORY' });
      return run(cmd, o, { kind: 'maintenance', on: state === 'on', node: o.node });
    });

  common(program.command('move'))
    .description('move the service to the other twin (or --to NODE) as one safe operation')
    .option('--to <node>', 'the twin to move to (default: the one not running the service)')
    .addHelpText(
      'after',
      `${COMMON}

Pacemaker: crm_resource --move -r ha-services -N NODE, then, once it runs there,
crm_resource --clear (stickiness keeps it there; no constraint is left behind). If it does
not run there in time, or a start fails there, the constraint is cleared and the service
runs where it ran. Heartbeat: hb_takeover all on NODE (taken back by hb_takeover on the other).

Examples:
  $ hactl move -i inventory.yaml                    # to the other twin
  $ hactl move --to master -i inventory.yaml        # back home`,
    )
    .action((o: Day2Options & { to?: string }, cmd: Command) => run(cmd, o, { kind: 'move', to: o.to }));

  common(program.command('clear'))
    .description('remove the cli-prefer-*/cli-ban-* constraints left by crm_resource --move/--ban (drift reports them)')
    .addHelpText(
      'after',
      `${COMMON}

Pacemaker: crm_resource --clear -r RESOURCE for every resource that has one; the resources
stay where they run (stickiness). Heartbeat R1 has no such constraints: nothing to do.

Examples:
  $ hactl clear -i inventory.yaml
  $ hactl drift -i inventory.yaml                   # exits 0 again`,
    )
    .action((o: Day2Options, cmd: Command) => run(cmd, o, { kind: 'clear' }));
}
