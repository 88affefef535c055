import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostContext } from '../../../src/runtime/host.js';
import { counting } from '../../helpers/counting.js';
import { testCluster } from '../../helpers/model.js';

describe('HostContext.gather: the facts of many tasks in one round trip', () => {
  const cluster = testCluster([{ name: 'local' }]);
  const dir = mkdtempSync(join(tmpdir(), 'hactl-gather-'));
  const file = join(dir, 'motd');
  writeFileSync(file, 'hello\n', { mode: 0o644 });

  it('packages, files, services and the init system: one exec; the tasks then read nothing', async () => {
    const { conn, calls } = counting();
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, true, () => undefined);
    await h.gather({ packages: ['dpkg'], files: [file], services: ['hactl-no-such-service'] });
    expect(calls).toHaveLength(1);
    const f = await h.file(file, { content: 'hello\n' });
    const s = await h.service('hactl-no-such-service', {});
    const a = await h.apt(['dpkg']);
    await h.initSystem();
    expect(calls).toHaveLength(1);
    expect([f.changed, s.changed, a.changed]).toEqual([false, false, false]);
    // a fact not gathered is read when needed
    await h.file(join(dir, 'other'), { content: 'x' });
    expect(calls).toHaveLength(2);
  });

  it('several services side by side, each its own answer; probes ride along and are answered', async () => {
    const { conn, calls } = counting();
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, true, () => undefined);
    // without systemd the status command decides: one runs, one not, one slow one that runs
    const services = [
      { name: 'hactl-up', status: 'true' },
      { name: 'hactl-down', status: 'false' },
      { name: 'hactl-slow', status: 'sleep 0.2; true' },
    ];
    const t0 = Date.now();
    const answers = await h.gather({ services, probes: ['true', 'false'] });
    expect(calls).toHaveLength(1);
    expect([...answers]).toEqual([
      ['true', true],
      ['false', false],
    ]);
    if ((await h.initSystem()) === 'sysv') {
      const st = await Promise.all(services.map((x) => h.serviceFact(x.name, x.status)));
      expect(st.map((x) => x.running)).toEqual([true, false, true]);
      expect(calls).toHaveLength(1);
    }
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a change drops the facts it made stale: a changed file is read again', async () => {
    const { conn, calls } = counting();
    const target = join(dir, 'changed');
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, false, () => undefined);
    await h.gather({ files: [target] });
    const first = await h.file(target, { content: 'one\n' });
    expect(first.changed).toBe(true);
    const n = calls.length;
    const again = await h.file(target, { content: 'one\n' });
    expect(again.changed).toBe(false);
    expect(calls.length).toBe(n + 1); // re-read, not answered from the stale fact
  });

  it("reads ride along: each command's stdout, whatever it holds, after the facts and probes, in the same round trip", async () => {
    const { conn, calls } = counting();
    const h = new HostContext(cluster.nodes[0]!, cluster, conn, true, () => undefined);
    const xml = 'printf \'<crm_mon>\\n  <x a="1"/>\\n</crm_mon>\\n\'';
    const { probes, reads } = await h.gatherReads({ files: [file], probes: ['true'], reads: [xml, 'echo two; echo oops >&2', 'false'] });
    expect(calls).toHaveLength(1);
    expect([...probes]).toEqual([['true', true]]);
    expect(reads.get(xml)).toBe('<crm_mon>\n  <x a="1"/>\n</crm_mon>\n');
    expect(reads.get('echo two; echo oops >&2')).toBe('two\n'); // stderr dropped
    expect(reads.get('false')).toBe('');
    expect((await h.fileFact(file)).sha256).toMatch(/^[0-9a-f]{64}$/); // the facts before them parsed as ever
    expect(calls).toHaveLength(1);
  });
});
