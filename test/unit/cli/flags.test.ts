/**
 * Flag consistency over the whole commander tree: the shared flags are spelled alike on
 * every command, `-i` falls back to HACTL_INVENTORY, and a command that offers --limit,
 * --forks or --connect-timeout reads it (a bad value is refused, so it is not ignored).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTree, type TreeCommand } from '../../../src/cli/command-tree.js';
import { buildProgram } from '../../../src/cli/main.js';
import { resolveLimit } from '../../../src/cli/options.js';
import { ensureBuilt, hactlAsync, unreachableCluster } from './built.js';

const tree = commandTree(await buildProgram([]));
const leaves = tree.filter((t) => t.path.length && !t.subcommands.length);
const has = (t: TreeCommand, long: string): boolean => t.options.some((o) => o.names.includes(long));
const name = (t: TreeCommand): string => t.path.join(' ');
const withFlag = (long: string): TreeCommand[] => leaves.filter((t) => has(t, long));
/** Commands that read the inventory file only and contact no node. */
const FILE_ONLY = ['inventory check'];

describe('flag consistency (the commander tree)', () => {
  it('finds the commands that take an inventory', () => {
    expect(withFlag('--inventory').map(name)).toEqual(
      expect.arrayContaining(['inventory check', 'run', 'plan', 'bootstrap', 'smoke', 'add-node', 'failover-test', 'drift']),
    );
  });

  // a destination whose kind is the command's own: rollback --to RUN, move --to NODE
  const OWN_VALUE = new Set(['--to']);

  it('a flag is spelled the same everywhere: short name, value, env', () => {
    const seen = new Map<string, { flags: string; env?: string; where: string }>();
    for (const t of tree) {
      for (const o of t.options) {
        const long = o.names.find((n) => n.startsWith('--')) ?? o.names[0]!;
        if (OWN_VALUE.has(long)) continue;
        const first = seen.get(long);
        if (!first) seen.set(long, { flags: o.flags, env: o.env, where: name(t) });
        else expect({ command: name(t), flags: o.flags, env: o.env }).toEqual({ command: name(t), flags: first.flags, env: first.env });
      }
    }
    // one short name means one flag
    const shorts = new Map<string, string>();
    for (const t of tree)
      for (const o of t.options)
        for (const s of o.names.filter((n) => /^-[^-]$/.test(n))) {
          const long = o.names.find((n) => n.startsWith('--'))!;
          expect(`${s} ${shorts.get(s) ?? long}`).toBe(`${s} ${long}`);
          shorts.set(s, long);
        }
  });

  it('every command with --inventory takes -i or $HACTL_INVENTORY, says so in --help, and has --json', () => {
    for (const t of withFlag('--inventory')) {
      const i = t.options.find((o) => o.names.includes('--inventory'))!;
      expect({
        command: name(t),
        names: i.names,
        env: i.env,
        mandatory: t.command.options.find((o) => o.long === '--inventory')!.mandatory,
      }).toEqual({ command: name(t), names: ['-i', '--inventory'], env: 'HACTL_INVENTORY', mandatory: false });
      expect(t.command.helpInformation()).toContain('HACTL_INVENTORY');
      expect([name(t), has(t, '--json')]).toEqual([name(t), true]);
    }
  });

  it('every command that talks to nodes has --connect-timeout and --accept-new-hostkeys', () => {
    for (const t of withFlag('--inventory').filter((t) => !FILE_ONLY.includes(name(t)))) {
      expect([name(t), has(t, '--connect-timeout'), has(t, '--accept-new-hostkeys')]).toEqual([name(t), true, true]);
    }
    for (const t of leaves.filter((t) => !has(t, '--inventory'))) expect([name(t), has(t, '--connect-timeout')]).toEqual([name(t), false]);
  });

  it('--limit and --forks only where a run selects or parallelises nodes', () => {
    for (const long of ['--limit', '--forks'])
      for (const t of withFlag(long)) expect([name(t), has(t, '--inventory')]).toEqual([name(t), true]);
    // smoke and failover-test judge the whole cluster at once; drift compares the nodes
    expect(withFlag('--limit').map(name).sort()).toEqual(['bootstrap', 'plan', 'run']);
    expect(has(leaves.find((t) => name(t) === 'smoke')!, '--forks')).toBe(false);
  });
});

describe('--limit: names, roles, globs', () => {
  const cluster = {
    nodes: [
      { name: 'master', role: 'master' },
      { name: 'slave', role: 'slave' },
      { name: 'web1', role: 'service' },
      { name: 'web2', role: 'service' },
      { name: 'arb', role: 'arbitrator' },
    ],
  } as Parameters<typeof resolveLimit>[0];
  it('selects in inventory order', () => {
    expect(resolveLimit(cluster, undefined)).toBeUndefined();
    expect(resolveLimit(cluster, ' ')).toBeUndefined();
    expect(resolveLimit(cluster, 'web2,master')).toEqual(['master', 'web2']);
    expect(resolveLimit(cluster, 'service')).toEqual(['web1', 'web2']);
    expect(resolveLimit(cluster, 'w*,arbitrator')).toEqual(['web1', 'web2', 'arb']);
    expect(resolveLimit(cluster, 'web[2]')).toEqual(['web2']);
    expect(resolveLimit(cluster, 'web?')).toEqual(['web1', 'web2']);
  });
  it('an item that selects nothing is an input error naming nodes and roles', () => {
    expect(() => resolveLimit(cluster, 'master,db*')).toThrow(/--limit selects no node with "db\*"/);
    try {
      resolveLimit(cluster, 'nosuch');
    } catch (e) {
      expect((e as { details: { hint: string } }).details.hint).toMatch(
        /nodes are master, slave, web1, web2, arb; roles master, slave, service, arbitrator/,
      );
    }
  });
});

describe('shared flags on the built CLI', () => {
  let c: ReturnType<typeof unreachableCluster>;
  beforeAll(() => {
    ensureBuilt();
    c = unreachableCluster('hactl-flags-', 'web');
  }, 180_000);
  afterAll(() => rmSync(c.dir, { recursive: true, force: true }));

  /** The command's words with its required arguments and options filled in. */
  const argv = (t: TreeCommand): string[] => [
    ...t.path,
    ...t.command.registeredArguments.filter((a) => a.required).map(() => 'bootstrap'),
    ...t.command.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, '127.0.0.9']),
  ];

  it('HACTL_INVENTORY is the default -i; -i wins; neither is an error naming both', async () => {
    const viaEnv = await hactlAsync(['inventory', 'check'], { HACTL_INVENTORY: c.inventory });
    expect(viaEnv.stdout).toContain(`inventory ${c.inventory} is valid`);
    expect(viaEnv.status).toBe(0);
    const flagWins = await hactlAsync(['inventory', 'check', '-i', c.inventory], { HACTL_INVENTORY: '/nonexistent.yaml' });
    expect(flagWins.status).toBe(0);
    for (const t of withFlag('--inventory')) {
      const r = await hactlAsync(argv(t), { HACTL_INVENTORY: '' });
      expect({ command: name(t), status: r.status, stderr: r.stderr }).toMatchObject({
        command: name(t),
        status: 2,
        stderr: expect.stringContaining('no inventory: give -i FILE or set HACTL_INVENTORY'),
      });
    }
  }, 120_000);

  it('-q prints nothing when the inventory is valid', async () => {
    const r = await hactlAsync(['inventory', 'check', '-i', c.inventory, '-q']);
    expect([r.status, r.stdout]).toEqual([0, '']);
  });

  for (const [flag, bad, says] of [
    ['--limit', 'nosuch', '--limit selects no node'],
    ['--forks', '0', '--forks must be'],
    ['--connect-timeout', '0', '--connect-timeout must be'],
  ] as const) {
    it(`every command offering ${flag} reads it: a bad value is refused before any node is asked`, async () => {
      const offering = withFlag(flag);
      expect(offering.length).toBeGreaterThan(0);
      const runs = await Promise.all(
        offering.map((t) =>
          hactlAsync(
            [...argv(t), '-i', c.inventory, flag, bad, '--yes'].filter((a) => a !== '--yes' || has(t, '--yes')),
            c.env(),
          ),
        ),
      );
      offering.forEach((t, k) => {
        expect({ command: name(t), status: runs[k]!.status, stderr: runs[k]!.stderr }).toMatchObject({
          command: name(t),
          status: 2,
          stderr: expect.stringContaining(says),
        });
      });
    }, 120_000);
  }

  it('smoke no longer offers --limit or --forks', async () => {
    const r = await hactlAsync(['smoke', '-i', c.inventory, '--limit', 'one'], c.env());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--limit'");
  });
});
