import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/inventory.js';
import { InputError, InputErrors } from '../../../src/core/errors.js';
import { hactlVersion } from '../../../src/core/version.js';
import { inventorySchema, loadInventory } from '../../../src/inventory/index.js';
import { EXAMPLES, FIXTURES } from './helpers.js';

/** Runs `hactl ...args` with only the inventory commands and returns what went to stdout. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('hactl').exitOverride();
  register(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  await program.parseAsync(['node', 'hactl', ...args]);
  return out.replace(/\x1b\[[0-9;]*m/g, '');
}

afterEach(() => vi.restoreAllMocks());

describe('hactl inventory', () => {
  it('check prints a readable summary', async () => {
    const out = await run('inventory', 'check', '-i', EXAMPLES + 'example-heartbeat-xen.yaml');
    expect(out).toContain('cluster  xen-web  (stack heartbeat, network 172.16.5.0/24 on eth1)');
    expect(out).toMatch(/NAME +ROLE +ADDRESS +ID +SSH\n +xen1 +master \(promoted\) +172\.16\.5\.11 +1 +root@172\.16\.5\.11:2222\n/);
    expect(out).toContain('web1  realserver          172.16.5.21  4   admin@172.16.5.21:2222 (sudo)');
    expect(out).toContain('vip  172.16.5.100/24  on eth1');
    expect(out).toContain('r1  /dev/drbd1 (minor 1)  disk /dev/sdb2  port 7789');
    expect(out).toContain('-> 172.16.5.22:80  weight 2');
    expect(out).toContain('heartbeat keepalive 2 s, warntime 10 s, deadtime 30 s, initdead 60 s');
    expect(out).toContain('apcmastersnmp (params: ipaddr, port, community)');
    expect(out).toMatch(/is valid\n$/);
  });

  it('check names the director pair that runs LVS (the three tiers); without one, nothing more', async () => {
    const out = await run('inventory', 'check', '-i', EXAMPLES + 'example-three-tier.yaml');
    expect(out).toContain('LVS\n  on the director pair lvs-a, lvs-b\n  web  tcp 192.168.20.200:80  wrr  gate\n');
    expect(out).toMatch(/lvs-a +director +192\.168\.20\.21 +4 /);
    expect(await run('inventory', 'check', '-i', EXAMPLES + 'example-heartbeat-xen.yaml')).not.toContain('director pair');
  });

  it('check lists warnings', async () => {
    const out = await run('inventory', 'check', '-i', FIXTURES + 'good-minimal.yaml');
    expect(out).toContain('warnings\n  ! no arbitrator');
  });

  it('check --json prints the resolved model', async () => {
    const out = await run('inventory', 'check', '-i', EXAMPLES + 'lab.yaml', '--json');
    // the document (docs/json.md): hactl's version first, then the model
    expect(JSON.parse(out)).toEqual({ version: hactlVersion(), ...JSON.parse(JSON.stringify(await loadInventory(EXAMPLES + 'lab.yaml'))) });
  });

  it('check throws the input errors for main.ts to print (exit code 2)', async () => {
    const err = await run('inventory', 'check', '-i', FIXTURES + 'bad-typo-key.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).exitCode).toBe(2);
    const missing = await run('inventory', 'check', '-i', FIXTURES + 'no-such.yaml').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as InputError).message).toMatch(/cannot read inventory .*no-such\.yaml: no such file/);
  });

  it('schema prints the JSON Schema', async () => {
    expect(JSON.parse(await run('inventory', 'schema'))).toEqual(inventorySchema);
  });

  it('help shows examples', () => {
    const program = new Command('hactl');
    register(program);
    const check = program.commands.find((c) => c.name() === 'inventory')!.commands.find((c) => c.name() === 'check')!;
    let help = '';
    check.configureOutput({ writeOut: (s) => void (help += s) });
    check.outputHelp();
    expect(help).toContain('$ hactl inventory check -i inventory/lab.yaml');
  });
});
