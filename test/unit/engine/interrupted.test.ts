import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyTask } from '../../../src/checks/drift/from-run.js';
import { Connector } from '../../../src/runtime/connector.js';
import { HostContext } from '../../../src/runtime/host.js';
import { describePending, parsePending, pendingMarkCommand, pendingSlug } from '../../../src/runtime/pending.js';
import { definePlaybook } from '../../../src/runtime/playbook.js';
import { runPlaybook } from '../../../src/runtime/run.js';
import { STAGE_MISMATCH, writeScript } from '../../../src/tasks/file.js';
import { LocalConnection } from '../../../src/transport/local.js';
import { testCluster } from '../../helpers/model.js';
import { useNodeStateDir } from '../../helpers/node-state.js';

// Interrupted runs (issue #24): a staged file that did not arrive whole never goes live,
// and a handler a killed run never ran is taken up by the next run.
const dir = mkdtempSync(join(tmpdir(), 'hactl-interrupted-'));
useNodeStateDir(join(dir, 'state'));

describe('the file write checks the staged copy before the swap', () => {
  const local = new LocalConnection();
  const content = 'deadtime 10\n'.repeat(100);

  it('a truncated stream (a cut connection is an EOF to cat) aborts with 98: old file kept, no temp file left', async () => {
    const path = join(dir, 'ha.cf');
    writeFileSync(path, 'deadtime 30\n');
    const r = await local.exec(writeScript(path, { content }), { stdin: content.slice(0, 500) });
    expect(r.code).toBe(STAGE_MISMATCH);
    expect(r.stderr).toMatch(/staged copy has 500 of 1200 bytes/);
    expect(readFileSync(path, 'utf8')).toBe('deadtime 30\n');
    expect(readdirSync(dir).filter((f) => f.includes('.hactl-'))).toEqual([]);
  });

  it('altered bytes of the right length are caught by the sha256', async () => {
    const path = join(dir, 'authkeys');
    writeFileSync(path, 'old\n');
    const r = await local.exec(writeScript(path, { content: 'abcd\n' }), { stdin: 'abce\n' });
    expect(r.code).toBe(STAGE_MISMATCH);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
  });

  it('the whole content goes live, and the pending record is written before the swap', async () => {
    const path = join(dir, 'whole.cf');
    const mark = pendingMarkCommand(['restart heartbeat'], `file ${path}`);
    const script = writeScript(path, { content }, mark);
    expect(script.indexOf('restart-heartbeat')).toBeLessThan(script.indexOf('mv -f'));
    expect(script.indexOf('staged copy has')).toBeLessThan(script.indexOf('restart-heartbeat'));
    const r = await local.exec(script, { stdin: content });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(readFileSync(join(dir, 'state/pending/restart-heartbeat'), 'utf8')).toMatch(/^restart heartbeat\n\S+Z file .*whole\.cf\n$/);
  });
});

describe('pending records', () => {
  it('parse, name and describe', () => {
    expect(pendingSlug('reload corosync')).toBe('reload-corosync');
    const p = parsePending(
      '@@hactl-pending@@\nrestart heartbeat\n2026-11-27T16:59:57Z file /etc/ha.d/ha.cf\n@@hactl-pending@@\nadjust drbd\n',
    );
    expect([...p.keys()]).toEqual(['restart heartbeat', 'adjust drbd']);
    expect(describePending(p.get('restart heartbeat')!)).toBe('restart heartbeat (after file /etc/ha.d/ha.cf at 2026-11-27T16:59:57Z)');
    expect(parsePending('')).toEqual(new Map());
  });

  it('drift: a pending handler is an item of its own (with what made it pending); with a real change, both', () => {
    const base = { task: 'file /etc/ha.d/ha.cf', host: 'slave', changed: true, ms: 0, pending: ['restart heartbeat'] };
    const only = classifyTask({
      ...base,
      reason: 'pending handler from an interrupted run: restart heartbeat (after file /etc/ha.d/ha.cf at 2026-11-27T16:59:57Z)',
    });
    expect(only).toEqual([
      expect.objectContaining({
        kind: 'services',
        host: 'slave',
        subject: 'pending handler: restart heartbeat',
        message: expect.stringMatching(/never ran after file \/etc\/ha.d\/ha.cf changed at 2026-11-27T16:59:57Z/),
        hint: expect.stringMatching(/hactl bootstrap/),
      }),
    ]);
    const both = classifyTask({ ...base, reason: 'update /etc/ha.d/ha.cf', diff: '--- a\n+++ b\n' });
    expect(both.map((i) => i.kind)).toEqual(['services', 'files']);
  });
});

describe('a handler that never ran is taken up by the next run', () => {
  const cluster = testCluster([{ name: 'local' }]);
  const path = join(dir, 'pending.cf');
  const log = join(dir, 'handler.log');
  let fail = true;
  const book = (content: string) =>
    definePlaybook('t', async ({ hosts }) => hosts.all(async (h) => void (await h.file(path, { content, notify: 'restart it' }))), {
      handlers: {
        'restart it': async (h) => {
          // the first run "dies" before its handler finishes, as a kill -9 would
          if (fail) throw new Error('killed');
          await h.sh(`echo ran >> ${log}`);
        },
      },
    });
  const run = (content: string, check = false) =>
    runPlaybook(book(content), { cluster, check, connector: new Connector(async () => new LocalConnection('local')) });

  it('run 1 writes the file and dies before the handler: the record stays', async () => {
    const s = await run('new\n');
    expect(s.ok).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(readFileSync(join(dir, 'state/pending/restart-it'), 'utf8')).toMatch(/^restart it\n/);
  });

  it('plan (check mode) shows it and changes nothing', async () => {
    fail = false;
    const s = await run('new\n', true);
    const t = s.hosts[0]!.tasks[0]!;
    expect(t).toMatchObject({ changed: true, checkOnly: true, pending: ['restart it'] });
    expect(t.reason).toMatch(/^pending handler from an interrupted run: restart it \(after file .*pending\.cf at /);
    expect(existsSync(log)).toBe(false);
    expect(existsSync(join(dir, 'state/pending/restart-it'))).toBe(true);
  });

  it('run 2: nothing else changed, the handler runs and its record goes; run 3 has nothing to do', async () => {
    const s = await run('new\n');
    expect(s.ok).toBe(true);
    expect(s.changed).toBe(1);
    expect(s.hosts[0]!.tasks[0]!.reason).toMatch(/pending handler from an interrupted run/);
    expect(readFileSync(log, 'utf8')).toBe('ran\n');
    expect(existsSync(join(dir, 'state/pending/restart-it'))).toBe(false);
    const again = await run('new\n');
    expect(again.changed).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('ran\n');
  });

  it('a pending handler no task of the run notifies runs at the end (or is a warning when the playbook lacks it)', async () => {
    writeFileSync(join(dir, 'state/pending/restart-it'), 'restart it\n2026-11-27T16:59:57Z file /elsewhere\n');
    writeFileSync(join(dir, 'state/pending/reload-other'), 'reload other\n');
    const other = definePlaybook('o', async ({ hosts }) => hosts.all(async (h) => void (await h.gather({ files: [path] }))), {
      handlers: { 'restart it': async (h) => void (await h.sh(`echo swept >> ${log}`)) },
    });
    const s = await runPlaybook(other, { cluster, connector: new Connector(async () => new LocalConnection('local')) });
    expect(s.hosts[0]!.tasks.map((t) => t.task)).toEqual(['handler restart it']);
    expect(readFileSync(log, 'utf8')).toBe('ran\nswept\n');
    expect(s.warnings.join('\n')).toMatch(/left the handler "reload other" pending, which this playbook does not define/);
    expect(existsSync(join(dir, 'state/pending/restart-it'))).toBe(false);
  });
});

describe('reading the pending records costs no round trip of its own', () => {
  it('a notifying file task on a fresh host: one trip for facts and records, one for the write', async () => {
    const local = new LocalConnection('local');
    const calls: string[] = [];
    const conn = async () =>
      ({ ...local, host: 'local', exec: (c: string, o?: object) => (calls.push(c), local.exec(c, o)) }) as unknown as LocalConnection;
    const cluster = testCluster([{ name: 'local' }]);
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, false, () => undefined);
    const r = await h.file(join(dir, 'trips.cf'), { content: 'x\n', notify: 'reload it' });
    expect(r.changed).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/pending/);
    expect(calls[1]).toMatch(/reload-it[\s\S]*mv -f/);
  });
});
