/**
 * `hactl inventory check` and `hactl inventory schema`: validate an inventory and show
 * what it resolves to; print the JSON Schema for editors.
 */
import chalk from 'chalk';
import type { Command } from 'commander';
import { type ClusterModel, inventorySchema, inventoryWarnings, loadInventory } from '../../inventory/index.js';
import { directors, roleLabel } from '../../inventory/model.js';
import { driverOf } from '../../stack/driver.js';
import { describeTarget, resolveTarget } from '../../transport/ssh.js';
import { sshGMissing } from '../../transport/ssh-config.js';
import { addInventoryOption } from '../options.js';
import { printJson, printRawJson } from '../output.js';

const CHECK_EXAMPLES = `
Examples:
  $ hactl inventory check -i inventory/lab.yaml          # summary of the resolved cluster
  $ hactl inventory check -i prod.yaml --json | jq .master
  Every problem is listed with file:line:col, the field and a hint; exit code 2 if any.`;

const SCHEMA_EXAMPLES = `
Examples:
  $ hactl inventory schema > inventory.schema.json
  then start the inventory with
  # yaml-language-server: $schema=./inventory.schema.json
  to get completion, hover help and validation in editors using yaml-language-server.`;

/**
 * Registers the `inventory` command group.
 * @example registerInventory(program); // hactl inventory check -i lab.yaml
 */
export function register(program: Command): void {
  const inventory = program.command('inventory').description('validate inventories and print their schema');
  addInventoryOption(inventory.command('check').description('validate an inventory and print the resolved cluster model'))
    .option('--json', 'print the resolved model as JSON')
    .option('-q, --quiet', 'print nothing when the inventory is valid (warnings go to stderr)')
    .addHelpText('after', CHECK_EXAMPLES)
    .action(async (opts: { inventory: string; json?: boolean; quiet?: boolean }) => {
      const model = await loadInventory(opts.inventory);
      if (opts.json) printJson(model);
      else if (opts.quiet) for (const w of inventoryWarnings(model)) process.stderr.write(`warning: ${w}\n`);
      else {
        const routes = await sshRoutes(model);
        const warnings = [...inventoryWarnings(model), ...(sshGMissing ? [sshGMissing] : [])];
        process.stdout.write(formatModel(model, warnings, routes) + '\n');
      }
    });
  inventory
    .command('schema')
    .description('print the inventory JSON Schema (for editors and other tools)')
    .addHelpText('after', SCHEMA_EXAMPLES)
    .action(() => printRawJson(inventorySchema));
}

/**
 * Where each node's connection really goes, as OpenSSH resolves it (`ssh -G`: HostName,
 * User, Port, the ProxyJump chain); a node whose ssh_config cannot be read shows why.
 */
async function sshRoutes(m: ClusterModel): Promise<Map<string, string>> {
  const routes = await Promise.all(
    m.nodes.map(async (n) => [n.name, await resolveTarget(n).then(describeTarget, (e: Error) => `? (${e.message})`)] as const),
  );
  return new Map(routes);
}

/** Pads columns so rows line up; the last column is not padded. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
}

function section(title: string, lines: string[]): string[] {
  return lines.length ? ['', chalk.bold(title), ...lines] : [];
}

/**
 * A readable summary of a resolved model, as printed by `hactl inventory check` (`routes`: each
 * node's resolved SSH target, else the inventory's own user@connect:port).
 * @example process.stdout.write(formatModel(model, inventoryWarnings(model)));
 */
export function formatModel(m: ClusterModel, warnings: string[] = [], routes?: ReadonlyMap<string, string>): string {
  const nodeRows = [
    ['NAME', 'ROLE', 'ADDRESS', 'ID', 'SSH'],
    ...m.nodes.map((n) => [
      n.name,
      roleLabel(n.role),
      n.address,
      String(n.nodeId),
      `${routes?.get(n.name) ?? `${n.ssh.user}@${n.connect}:${n.ssh.port}`}${n.ssh.become ? ' (sudo)' : ''}`,
    ]),
  ];
  const out = [
    `${chalk.bold('cluster')}  ${m.name}  (stack ${m.stack}, network ${m.network.cidr} on ${m.interface})`,
    `${chalk.bold('source')}   ${m.source}`,
    `${chalk.bold('secrets')}  ${m.secretsDir}`,
    ...section('nodes', table(nodeRows)),
    ...section('floating IPs', table(m.floatingIps.map((f) => [f.name, `${f.address}/${f.prefix}`, `on ${f.interface}`]))),
    ...section(
      'LVM',
      m.lvm.map((g) => `  ${g.vg}  on ${g.pvs.join(', ')}${g.lvs.map((l) => `  ${l.path} ${l.size}`).join('')}`),
    ),
    ...section('DRBD', m.drbd.map(formatDrbd)),
    ...section('services', m.services.map(formatService)),
    ...section(
      'guests',
      m.guests.map(
        (g) =>
          `  ${g.name}  ${g.type}  ${g.memoryMiB} MiB  ${g.vcpus} vCPU  disk ${g.disk}${g.drbd ? ` (${g.drbd})` : ''}` +
          `  bridge ${g.bridge}  mac ${g.mac}`,
      ),
    ),
    ...section('LVS', [
      // a director pair (the three tiers) says where LVS runs; without one the twins direct, as always
      ...(m.lvs.length && directors(m).length
        ? [
            `  on the director pair ${directors(m)
              .map((n) => n.name)
              .join(', ')}`,
          ]
        : []),
      ...m.lvs.flatMap(formatLvs),
    ]),
    ...section('pacemaker (declared)', formatDeclared(m.pacemaker)),
    ...section('timing', [formatTiming(m)]),
    ...section('stonith', [
      m.stonith.enabled
        ? `  ${m.stonith.agent ?? (m.stonith.sbd ? 'SBD' : '?')}` +
          `${m.stonith.params ? ` (params: ${Object.keys(m.stonith.params).join(', ')})` : ''}`
        : '  disabled',
      ...(m.stonith.sbd
        ? [
            `  sbd ${m.stonith.sbd.devices.length ? `on ${m.stonith.sbd.devices.join(', ')}` : 'diskless (watchdog + quorum)'}, ` +
              `watchdog ${m.stonith.sbd.watchdog} ${m.stonith.sbd.watchdogTimeout} s, softdog ${m.stonith.sbd.softdog}`,
          ]
        : []),
      ...(m.stonith.watchdog ? [`  watchdog ${m.stonith.watchdog}`] : []),
    ]),
    ...section(
      'warnings',
      warnings.map((w) => chalk.yellow(`  ! ${w}`)),
    ),
    '',
    chalk.green(`inventory ${m.source} is valid`),
  ];
  return out.join('\n');
}

/** `pacemaker:` as one line per element: `extra-dummy  ocf:heartbeat:Dummy  (params: fake; ops: monitor/10s)`. */
function formatDeclared(p: ClusterModel['pacemaker']): string[] {
  const nv = (label: string, map: Record<string, string>): string[] =>
    Object.keys(map).length
      ? [
          `  ${label}: ${Object.entries(map)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        ]
      : [];
  return [
    ...p.resources.map(
      (r) =>
        `  ${r.id}  ${r.agent}${Object.keys(r.params).length ? `  params: ${Object.keys(r.params).join(', ')}` : ''}` +
        `${r.ops.length ? `  ops: ${r.ops.map((o) => `${o.name}/${o.interval}`).join(', ')}` : ''}`,
    ),
    ...p.groups.map((g) => `  ${g.id}  group of ${g.resources.join(', ')}`),
    ...p.clones.map((c) => `  ${c.id}  ${c.promotable ? 'promotable clone' : 'clone'} of ${c.resource}`),
    ...p.locations.map((l) => `  ${l.id}  ${l.resource} on ${l.node}: ${l.score}`),
    ...p.colocations.map((c) => `  ${c.id}  ${c.resource} with ${c.with}: ${c.score}`),
    ...p.orders.map((o) => `  ${o.id}  ${o.first} (${o.firstAction}) then ${o.then} (${o.thenAction}), ${o.kind}`),
    ...nv('properties', p.properties),
    ...nv('rsc_defaults', p.rscDefaults),
    ...nv('op_defaults', p.opDefaults),
  ];
}

function formatDrbd(d: ClusterModel['drbd'][number]): string {
  const fs = d.filesystem
    ? `  ${d.filesystem.type} on ${d.filesystem.mount}${d.filesystem.options ? ` (${d.filesystem.options})` : ''}`
    : '';
  const link = `port ${d.port}  protocol ${d.protocol}  meta-disk ${d.metaDisk}`;
  return `  ${d.name}  ${d.device} (minor ${d.minor})  disk ${d.disk}  ${link}${fs}`;
}

function formatService(s: ClusterModel['services'][number]): string {
  const check = s.check ? `  check :${s.check.port}${s.check.path ?? ''}${s.check.expect ? ` expect "${s.check.expect}"` : ''}` : '';
  return `  ${s.name}  (package ${s.package})${check}${s.drbd ? `  data on ${s.drbd}` : ''}`;
}

function formatLvs(l: ClusterModel['lvs'][number]): string[] {
  const c = l.check;
  return [
    `  ${l.name}  ${l.protocol} ${l.address}:${l.port}  ${l.scheduler}  ${l.forwarding}` +
      `${l.persistent ? `  persistent ${l.persistent} s` : ''}`,
    ...l.realServers.map((r) => `    -> ${r.address}:${r.port}  weight ${r.weight}`),
    `    check ${c.type}${c.type === 'http' ? ` ${c.path}` : ''}${c.expect ? ` expect "${c.expect}"` : ''}` +
      ` every ${c.interval} s, timeout ${c.timeout} s`,
  ];
}

function formatTiming(m: ClusterModel): string {
  return `  ${driverOf(m).timingSummary(m)}`;
}
