import { describe, expect, it } from 'vitest';
import { classifyTask, itemsFromRun } from '../../../src/checks/drift/from-run.js';
import { buildReport, type DriftItem, exitCodeOf, mergeErrors, mergeItems, tidyDiff } from '../../../src/checks/drift/items.js';
import { fixable } from '../../../src/cli/commands/drift.js';
import { Secret } from '../../../src/core/secret.js';
import type { RunSummary } from '../../../src/runtime/events.js';
import type { TaskResult } from '../../../src/tasks/types.js';

const task = (task: string, reason: string, extra: Partial<TaskResult> = {}): TaskResult => ({
  task,
  host: 'slave',
  changed: true,
  reason,
  checkOnly: true,
  ms: 1,
  ...extra,
});
const DIFF =
  'Index: /etc/corosync/corosync.conf\n===================================================================\n--- /etc/corosync/corosync.conf\t\n+++ /etc/corosync/corosync.conf\t\n@@ -1 +1 @@\n-    token: 2000\n+    token: 1000\n';

describe('check-mode bootstrap results → drift items', () => {
  it.each([
    [
      task('file /etc/corosync/corosync.conf', 'update /etc/corosync/corosync.conf', { diff: DIFF }),
      { kind: 'files', subject: '/etc/corosync/corosync.conf', message: 'content differs from the inventory', diff: DIFF },
    ],
    [
      task('file /etc/corosync/authkey', 'update /etc/corosync/authkey', { diff: '--- a\n+++ a\n(secret content changed; not shown)\n' }),
      { kind: 'files', message: 'content differs from the inventory (secret: not shown)' },
    ],
    [
      task('file /etc/corosync/authkey', '/etc/corosync/authkey: mode 644 → 400'),
      { kind: 'files', subject: '/etc/corosync/authkey', message: 'mode is 644, should be 400' },
    ],
    [
      task('file /etc/x', '/etc/x: mode 600 → 644, owner www:www → root:root'),
      { message: 'mode is 600, should be 644; owner is www:www, should be root:root' },
    ],
    [task('file /var/lib/hactl/cib/resources.xml', 'create /var/lib/hactl/cib/resources.xml'), { kind: 'files', message: 'missing' }],
    [task('service pacemaker started', 'start pacemaker'), { kind: 'services', subject: 'pacemaker', message: 'not running' }],
    [
      task('service corosync started', 'start corosync, enable corosync'),
      { kind: 'services', message: 'not running; not enabled at boot' },
    ],
    [
      task('service apache2', 'disable apache2'),
      { kind: 'services', subject: 'apache2', message: 'enabled at boot, but the cluster starts it (init must not)' },
    ],
    [
      task('apply the CIB (verified on a shadow copy first)', 'apply the CIB (verified on a shadow copy first)'),
      { kind: 'cluster', subject: 'cib' },
    ],
    [task('cluster properties', 'cluster properties'), { kind: 'cluster', subject: 'cluster properties' }],
    [
      task('load the DRBD kernel module', 'load the DRBD kernel module'),
      {
        kind: 'cluster',
        subject: 'drbd: load the DRBD kernel module',
        message: 'DRBD not set up: bootstrap would load the DRBD kernel module',
      },
    ],
  ])('%#: %o', (result, want) => {
    expect(classifyTask(result)[0]).toMatchObject({ host: 'slave', ...want });
  });

  it('an apt task names each missing package', () => {
    expect(
      classifyTask(task('apt corosync pacemaker apache2', 'install apache2 pacemaker')).map((i) => [i.kind, i.subject, i.message]),
    ).toEqual([
      ['packages', 'apache2', 'not installed'],
      ['packages', 'pacemaker', 'not installed'],
    ]);
  });

  it('unchanged tasks are not drift; a failed host is a CheckError with a hint', () => {
    const summary: RunSummary = {
      playbook: 'bootstrap',
      check: true,
      ok: false,
      changed: 1,
      ms: 5,
      warnings: [],
      hosts: [
        {
          host: 'master',
          ok: 3,
          changed: 1,
          failed: false,
          tasks: [
            task('service pacemaker started', 'start pacemaker', { host: 'master' }),
            task('apt corosync', 'corosync is installed', { host: 'master', changed: false }),
          ],
        },
        {
          host: 'slave',
          ok: 0,
          changed: 0,
          failed: true,
          error: 'cannot connect to 10.77.0.12:22: Timed out while waiting for handshake',
          tasks: [],
        },
      ],
    };
    const { items, errors } = itemsFromRun(summary);
    expect(items.map((i) => `${i.host} ${i.subject}`)).toEqual(['master pacemaker']);
    expect(errors).toEqual([
      {
        host: 'slave',
        message: 'cannot connect to 10.77.0.12:22: Timed out while waiting for handshake',
        hint: expect.stringMatching(/unreachable/),
      },
    ]);
  });
});

describe('merging, masking, exit codes', () => {
  it('the same finding from two sources is one item, the later (live) one wins', () => {
    const a: DriftItem = { kind: 'cluster', host: 'master', subject: 'cib', message: 'the live CIB differs from what hactl applies' };
    const b: DriftItem = { ...a, message: "the live CIB's constraints differ", diff: '-x\n' };
    expect(mergeItems([a], [b])).toEqual([b]);
  });

  it('sorts by kind, host, subject; tidies diffs; masks known secrets everywhere', () => {
    const key = new Secret('s3cr3t-authkey-value');
    const items = mergeItems([
      { kind: 'timing', subject: 'failover budget', message: 'slow' },
      { kind: 'files', host: 'slave', subject: '/etc/x', message: `has ${key.reveal()}`, diff: DIFF },
      { kind: 'files', host: 'master', subject: '/etc/x', message: 'x' },
    ]);
    expect(items.map((i) => `${i.kind} ${i.host ?? '*'}`)).toEqual(['files master', 'files slave', 'timing *']);
    expect(items[1]!.message).toBe('has ***');
    expect(items[1]!.diff).toBe(tidyDiff(DIFF));
    expect(items[1]!.diff!.startsWith('--- /etc/corosync/corosync.conf\n+++ /etc/corosync/corosync.conf\n@@')).toBe(true);
  });

  it('one error per host; 1 beats 2 beats 0', () => {
    expect(mergeErrors([{ host: 'slave', message: 'a' }], [{ host: 'slave', message: 'b' }, { message: 'secret missing' }])).toEqual([
      { host: 'slave', message: 'a' },
      { message: 'secret missing' },
    ]);
    const item: DriftItem = { kind: 'files', subject: '/x', message: 'm' };
    expect([exitCodeOf([], []), exitCodeOf([item], []), exitCodeOf([item], [{ message: 'x' }])]).toEqual([0, 2, 1]);
  });

  it('the report counts every kind (0 included) and says its status', () => {
    const r = buildReport({
      cluster: { name: 'lab', stack: 'pacemaker', source: '/i.yaml', nodes: [{ name: 'a' }] },
      items: [{ kind: 'services', subject: 's', message: 'm' }],
      errors: [],
      notes: [],
      checkedAt: new Date(0),
      ms: 1200,
    });
    expect(r).toMatchObject({
      status: 'drift',
      exitCode: 2,
      counts: { files: 0, packages: 0, services: 1, cluster: 0, timing: 0 },
      checkedAt: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('--fix: what bootstrap converges', () => {
  it.each([
    [{ kind: 'files', subject: '/etc/x' }, true],
    [{ kind: 'packages', subject: 'apache2', message: 'not installed' }, true],
    [{ kind: 'packages', subject: 'corosync', message: 'versions differ: …' }, false],
    [{ kind: 'cluster', subject: 'cib' }, true],
    [{ kind: 'cluster', subject: 'cli-prefer-vip' }, false], // not hactl's: the operator clears it
    [{ kind: 'cluster', subject: 'ha-services' }, false],
    [{ kind: 'timing', subject: 'failover budget' }, false],
  ])('%o → %s', (i, want) => {
    expect(fixable({ message: '', ...i } as DriftItem)).toBe(want);
  });
});
