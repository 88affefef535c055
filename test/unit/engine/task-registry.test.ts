import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quote } from '../../../src/core/shell.js';
import { CRM_MON } from '../../../src/facts/crm-mon.js';
import type { RunEvent } from '../../../src/runtime/events.js';
import { HostContext } from '../../../src/runtime/host.js';
import { noop, type TaskDef } from '../../../src/tasks/types.js';
import { counting } from '../../helpers/counting.js';
import { testCluster } from '../../helpers/model.js';
import { useNodeStateDir } from '../../helpers/node-state.js';

// Issue #22: a task is a TaskDef beside its planner, run by HostContext.run; a new one needs
// no edit in the runtime. This one is defined here only, and run against a local shell.
const dir = mkdtempSync(join(tmpdir(), 'hactl-registry-'));
useNodeStateDir(join(dir, 'state'));

/** Ensures a line is in a file (appends it when missing); its marker command must succeed first. */
interface LineOptions {
  path: string;
  line: string;
  /** a probe: the task does nothing unless this command exits 0 */
  onlyIf?: string;
}
const lineTask: TaskDef<LineOptions> = {
  name: (o) => `line ${o.path}`,
  facts: (o) => ({ files: [o.path], probes: o.onlyIf ? [o.onlyIf] : [] }),
  plan: (f, o) => {
    if (o.onlyIf && !f.probe(o.onlyIf)) return noop(`\`${o.onlyIf}\` failed`);
    const fact = f.file(o.path);
    if (fact.exists && (fact.content ?? '').split('\n').includes(o.line)) return noop(`${o.path} has the line`);
    return {
      changed: true,
      reason: `add a line to ${o.path}`,
      steps: [{ command: `printf '%s\\n' ${quote(o.line)} >> ${quote(o.path)}` }],
    };
  },
  invalidates: (o) => ({ files: [o.path] }),
};

describe('HostContext.run: a task defined outside the runtime', () => {
  const cluster = testCluster([{ name: 'local' }]);
  const host = (check: boolean, events: RunEvent[] = []) => {
    const { conn, calls } = counting();
    return { h: new HostContext<'reload'>(cluster.nodes[0]!, cluster, conn, check, (e) => events.push(e)), calls };
  };

  it('check mode: plans (changed, checkOnly) and runs nothing', async () => {
    const path = join(dir, 'check.conf');
    writeFileSync(path, 'a\n');
    const events: RunEvent[] = [];
    const { h, calls } = host(true, events);
    const r = await h.run(lineTask, { path, line: 'b', notify: 'reload' });
    expect(r).toMatchObject({ task: `line ${path}`, changed: true, checkOnly: true, reason: `add a line to ${path}` });
    expect(readFileSync(path, 'utf8')).toBe('a\n');
    expect(calls).toHaveLength(1); // the facts (and the pending records) only
    expect(h.notified.has('reload')).toBe(true); // shown as a handler that would run
    expect(events.map((e) => e.type)).toEqual(['task:start', 'task:end']);
    expect(existsSync(join(dir, 'state', 'pending'))).toBe(false);
  });

  it('executes the steps, notifies, records the pending handler, and drops the stale fact', async () => {
    const path = join(dir, 'run.conf');
    writeFileSync(path, 'a\n');
    const { h, calls } = host(false);
    const r = await h.run(lineTask, { path, line: 'b', notify: 'reload' });
    expect(r).toMatchObject({ changed: true, checkOnly: false });
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
    expect(h.notified.has('reload')).toBe(true);
    expect(readdirSync(join(dir, 'state', 'pending'))).toEqual(['reload']);
    await h.handlerRan('reload');
    // the fact was invalidated: the second run reads the file again and finds the line
    const n = calls.length;
    const again = await h.run(lineTask, { path, line: 'b' });
    expect(again).toMatchObject({ changed: false, reason: `${path} has the line` });
    expect(calls.length).toBe(n + 1);
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
  });

  it('probes are read with the facts, in the same round trip, and asked afresh by each task', async () => {
    const path = join(dir, 'probe.conf');
    const flag = join(dir, 'flag');
    writeFileSync(path, '');
    const { h, calls } = host(false);
    const skipped = await h.run(lineTask, { path, line: 'x', onlyIf: `test -e ${quote(flag)}` });
    expect(skipped).toMatchObject({ changed: false, reason: `\`test -e ${quote(flag)}\` failed` });
    expect(calls).toHaveLength(1);
    writeFileSync(flag, '');
    const done = await h.run(lineTask, { path, line: 'x', onlyIf: `test -e ${quote(flag)}` });
    expect(done.changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('x\n');
  });

  it('the built-in command task reads its guards with the facts: one round trip', async () => {
    const { h, calls } = host(false);
    const marker = join(dir, 'created');
    const r = await h.command(`touch ${quote(marker)}`, { creates: marker, unless: 'false' });
    expect(r.changed).toBe(true);
    expect(calls).toHaveLength(2); // facts + guards, then the command
    const again = await h.command(`touch ${quote(marker)}`, { creates: marker });
    expect(again).toMatchObject({ changed: false, reason: `${marker} exists` });
    expect(calls).toHaveLength(3);
  });
});

describe('HostContext.waitFor', () => {
  it('does nothing in check mode: returns at once without touching the node', async () => {
    const cluster = testCluster([{ name: 'local' }]);
    const { conn, calls } = counting();
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, true, () => undefined);
    const t0 = Date.now();
    await h.waitFor(CRM_MON, () => 'never', { timeoutS: 60, what: 'the cluster to form' });
    expect(calls).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('outside check mode it polls until done, and names what it waited for on a timeout', async () => {
    const cluster = testCluster([{ name: 'local' }]);
    const { conn, calls } = counting();
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, false, () => undefined);
    const fact = { command: 'echo up', parse: (out: string) => out.trim() };
    let n = 0;
    await h.waitFor(fact, (v) => (++n >= 2 && v === 'up' ? true : 'not yet'), { timeoutS: 5, what: 'up', intervalMs: 10 });
    expect(calls).toHaveLength(2);
    await expect(h.waitFor(fact, () => 'still down', { timeoutS: 0, what: 'the service' })).rejects.toThrow(
      /waited 0 s for the service: still down/,
    );
  });
});
