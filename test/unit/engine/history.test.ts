import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rollback from '../../../playbooks/rollback.js';
import { mergeHistory, resolveTarget } from '../../../src/cli/commands/history.js';
import { Connector } from '../../../src/runtime/connector.js';
import {
  type Generation,
  generationsDir,
  historyKeep,
  historyReadCommand,
  newRunId,
  parseGenerations,
  planRestore,
  RUN_ID,
} from '../../../src/runtime/generation.js';
import { definePlaybook } from '../../../src/runtime/playbook.js';
import { runPlaybook } from '../../../src/runtime/run.js';
import { planCib } from '../../../src/stack/cib.js';
import { ownedSections } from '../../../src/stack/cib-history.js';
import { LocalConnection } from '../../../src/transport/local.js';
import { testCluster } from '../../helpers/model.js';
import { useNodeStateDir } from '../../helpers/node-state.js';

// History and rollback (issue #17): each changing run keeps a generation on the node (the
// replaced files, private ones private; meta.json), the newest N are kept, and rollback
// puts files back through the file task (validated) and makes a generation of its own.
const dir = mkdtempSync(join(tmpdir(), 'hactl-history-'));
useNodeStateDir(join(dir, 'state'));

const conf = join(dir, 'app.conf');
const key = join(dir, 'app.key');
const extra = join(dir, 'extra.conf');
const inv = join(dir, 'inventory.yaml');
writeFileSync(inv, 'cluster: {name: test}\n');
const connector = () => new Connector(async () => new LocalConnection('local'));
const local = new LocalConnection('local');

/** A playbook that writes app.conf (validated), a private key and, when asked, extra.conf. */
const book = (n: number, withExtra = false) =>
  definePlaybook(
    'site',
    async ({ hosts }) => {
      await hosts.all(async (h) => {
        await h.file(conf, { content: `value ${n}\n`, validate: 'grep -q "^value" %s', notify: 'my handler' });
        await h.file(key, { content: `secret-${n}\n`, mode: '0600', secret: true });
        if (withExtra) await h.file(extra, { content: 'new\n' });
      });
    },
    { handlers: { 'my handler': async () => undefined } },
  );

const cluster = (keep?: number) =>
  testCluster([{ name: 'n1' }], { stack: 'heartbeat', source: inv, vars: keep ? { history_keep: keep } : {} });
const id = (i: number): string => `20261127T2300${String(i).padStart(2, '0')}Z-000${i % 10}`;

async function generations(): Promise<Generation[]> {
  const r = await local.exec(historyReadCommand());
  expect(r.code, r.stderr).toBe(0);
  return parseGenerations(r.stdout);
}

describe('generations', () => {
  it('run ids sort by time and are validated', () => {
    expect(newRunId(new Date('2026-11-27T23:15:00.123Z'))).toMatch(/^20261127T231500Z-[0-9a-f]{4}$/);
    expect(RUN_ID.test(newRunId())).toBe(true);
    expect(() => historyKeep({ vars: { history_keep: 0 }, source: 'x.yaml' })).toThrow(/history_keep must be a whole number/);
    expect(historyKeep({ vars: {}, source: '' })).toBe(10);
  });

  it('a changing run keeps the replaced files (private ones private), meta.json and what changed; an unchanged run keeps none', async () => {
    writeFileSync(conf, 'value 0\n');
    const s1 = await runPlaybook(book(1), { cluster: cluster(), connector: connector(), runId: id(1), command: 'hactl run site.ts' });
    expect(s1.ok).toBe(true);
    expect(s1.runId).toBe(id(1));
    const g = join(generationsDir(), id(1));
    expect(readFileSync(join(g, 'files', conf), 'utf8')).toBe('value 0\n');
    expect(existsSync(join(g, 'files', key))).toBe(false); // it did not exist: recorded as absent
    expect(statSync(generationsDir()).mode & 0o777).toBe(0o700);
    const meta = JSON.parse(readFileSync(join(g, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ run: id(1), command: 'hactl run site.ts', playbook: 'site', host: 'n1' });
    expect(meta.inventory).toMatch(/^[0-9a-f]{64}$/);

    await runPlaybook(book(2), { cluster: cluster(), connector: connector(), runId: id(2) });
    const keyCopy = join(generationsDir(), id(2), 'files', key);
    expect(readFileSync(keyCopy, 'utf8')).toBe('secret-1\n');
    expect(statSync(keyCopy).mode & 0o777).toBe(0o600);
    // nothing changes: no generation
    await runPlaybook(book(2), { cluster: cluster(), connector: connector(), runId: id(3) });
    const gens = await generations();
    expect(gens.map((x) => x.run)).toEqual([id(1), id(2)]);
    expect(gens[0]!.saved).toEqual([
      { path: conf, absent: false, mode: '644', owner: expect.any(String), group: expect.any(String) },
      { path: key, absent: true },
    ]);
    expect(gens[0]!.changes[0]).toEqual({ task: `file ${conf}`, file: conf, validate: 'grep -q "^value" %s', notify: ['my handler'] });
    expect(gens[1]!.changes[1]).toMatchObject({ file: key, secret: true, mode: '0600' });
    const merged = mergeHistory({ n1: gens });
    expect(merged.map((e) => e.run)).toEqual([id(2), id(1)]);
    expect(merged[0]!.hosts[0]!.changes).toEqual([conf, key]);
  }, 30_000);

  it('rollback puts the files back through the file task, removes what the runs created, and keeps a generation of its own', async () => {
    await runPlaybook(book(3, true), { cluster: cluster(), connector: connector(), runId: id(4) });
    const warnings: string[] = [];
    const to = resolveTarget(mergeHistory({ n1: await generations() }), id(2));
    const s = await runPlaybook(rollback, {
      cluster: cluster(),
      connector: connector(),
      runId: id(5),
      options: { to, generations: { n1: await generations() } },
      events: (e) => void (e.type === 'log' && e.level === 'warn' && warnings.push(e.message)),
    });
    expect(s.ok, JSON.stringify(s.hosts[0]?.error)).toBe(true);
    expect(readFileSync(conf, 'utf8')).toBe('value 1\n');
    expect(readFileSync(key, 'utf8')).toBe('secret-1\n');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(existsSync(extra)).toBe(false); // created by a run undone: removed
    // a private file's diff is never shown (its old content may hold a credential mask() does not know)
    const diffs = s.hosts[0]!.tasks.map((t) => t.diff ?? '').join('\n');
    expect(diffs).toContain('-value 3');
    expect(diffs).toContain('(secret content changed; not shown)');
    expect(diffs).not.toMatch(/secret-\d/);
    expect(warnings.join('\n')).toMatch(/handler "my handler" rollback does not know: run it yourself/);
    // the rollback's own generation holds what it replaced: undoing it is a rollback too
    const gens = await generations();
    expect(gens.at(-1)!.run).toBe(id(5));
    expect(readFileSync(join(generationsDir(), id(5), 'files', conf), 'utf8')).toBe('value 3\n');
    expect(gens.at(-1)!.playbook).toBe('rollback');
  }, 30_000);

  it('a restored file is validated like any change: a refused copy leaves the current file', async () => {
    const gens = await generations();
    // tamper with the kept copy so the validator refuses it
    writeFileSync(join(generationsDir(), id(5), 'files', conf), 'garbage\n');
    const s = await runPlaybook(rollback, {
      cluster: cluster(),
      connector: connector(),
      runId: id(6),
      options: { to: id(5), generations: { n1: gens } },
    });
    expect(s.ok).toBe(false);
    expect(s.hosts[0]!.error).toMatch(/validation refused the new .*app\.conf; the old file is untouched/);
    expect(readFileSync(conf, 'utf8')).toBe('value 1\n');
  });

  it("keeps the newest N generations per node (vars.history_keep), this run's always", async () => {
    for (let i = 10; i < 16; i++) await runPlaybook(book(i), { cluster: cluster(3), connector: connector(), runId: id(i) });
    expect(readdirSync(generationsDir()).sort()).toEqual([id(13), id(14), id(15)]);
    // a run whose id sorts before the kept ones (a clock set back) still keeps its own
    await runPlaybook(book(99), { cluster: cluster(3), connector: connector(), runId: id(0) });
    expect(readdirSync(generationsDir()).sort()).toEqual([id(0), id(14), id(15)]);
  }, 60_000);

  it('an unknown run id names the ones that exist', () => {
    const entries = mergeHistory({
      n1: [{ run: id(1), time: '', inventory: '', command: '', playbook: '', host: 'n1', changes: [], saved: [], cib: false }],
    });
    expect(() => resolveTarget(entries, 'nope')).toThrow(
      `unknown run id "nope" (run ids look like 20261127T231500Z-3fa2); the generations kept are: ${id(1)}`,
    );
    expect(resolveTarget(entries, undefined)).toBe(id(1));
    expect(() => resolveTarget([], undefined)).toThrow(/nothing to roll back/);
  });
});

describe('planRestore and the owned CIB of a generation', () => {
  const gen = (run: string, saved: Generation['saved'], cib = false): Generation => ({
    run,
    time: '',
    inventory: '',
    command: '',
    playbook: '',
    host: 'm',
    changes: saved.map((s) => ({ task: `file ${s.path}`, file: s.path, notify: ['reload corosync'] })),
    saved,
    cib,
  });

  it('undoes every generation from the run on; per file the oldest copy wins', () => {
    const gens = [
      gen(id(1), [{ path: '/a', absent: false, mode: '644' }], true),
      gen(
        id(2),
        [
          { path: '/a', absent: false, mode: '644' },
          { path: '/b', absent: true },
        ],
        true,
      ),
      gen(id(3), [
        { path: '/b', absent: false, mode: '600' },
        { path: '/c', absent: false, mode: '644' },
      ]),
    ];
    const p = planRestore(gens, id(2));
    expect(p.runs).toEqual([id(2), id(3)]);
    expect(p.files.map((f) => [f.path, f.run, f.absent])).toEqual([
      ['/a', id(2), false],
      ['/b', id(2), true],
      ['/c', id(3), false],
    ]);
    expect(p.files[0]!.notify).toEqual(['reload corosync']);
    expect(p.cib).toBe(id(2));
    expect(planRestore(gens, id(3)).cib).toBeUndefined();
  });

  it('the owned elements of cib-before.xml, planned against the live CIB: only owned ones change', () => {
    const before = `<configuration><crm_config/><resources>
<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"><operations><op id="vip-monitor" name="monitor" interval="5s"/></operations></primitive>
<primitive id="op-dummy" class="ocf" provider="pacemaker" type="Dummy"/>
</resources><constraints/><tags><tag id="hactl-owned"><obj_ref id="vip"/></tag></tags></configuration>`;
    const live = before.replace('interval="5s"', 'interval="7s"').replace('type="Dummy"/>', 'type="Dummy" description="x"/>');
    const desired = ownedSections(before)!;
    expect(desired.resources).toContain('id="vip"');
    expect(desired.resources).not.toContain('op-dummy');
    const plan = planCib(live, desired);
    expect(plan.ops.map((o) => `${o.op} ${o.id}`)).toEqual(['replace vip']);
    expect(plan.ops[0]!.xml).toContain('interval="5s"');
    expect(plan.tag).toBe(false);
    expect(ownedSections('<configuration><resources/></configuration>')).toBeUndefined();
    // an element added later (a fence device after the group in the CIB) keeps its place in the tag: no tag rewrite
    const later = `<configuration><resources><group id="g"/><primitive id="fence-a" class="stonith" type="x"/></resources><constraints/>
<tags><tag id="hactl-owned"><obj_ref id="fence-a"/><obj_ref id="g"/></tag></tags></configuration>`;
    expect(planCib(later, ownedSections(later)!).tag).toBe(false);
  });
});
