import { afterEach, describe, expect, it, vi } from 'vitest';
import { recap } from '../../../src/cli/progress.js';
import { runWithProgress } from '../../../src/cli/run-common.js';
import { NodeError } from '../../../src/core/errors.js';
import { Connector } from '../../../src/runtime/connector.js';
import type { HostSummary, RunSummary } from '../../../src/runtime/events.js';
import { definePlaybook } from '../../../src/runtime/playbook.js';
import { LocalConnection } from '../../../src/transport/local.js';
import { testCluster } from '../../helpers/model.js';

// The end-of-run recap after connections failed: it must not read "nothing to do".
const HINT = (n: string) => `check the address of ${n}, that sshd runs, and the network path`;
const refusing = (only?: string) =>
  new Connector(async (n) => {
    if (only && n.name !== only) return new LocalConnection(n.name);
    throw new NodeError(`cannot connect to ${n.address}:22: connect ECONNREFUSED`, { host: n.name, hint: HINT(n.name) });
  });
const site = definePlaybook('site', async ({ hosts }) => {
  await hosts.all(async (h) => void (await h.command('true', { creates: '/' })));
});
const cluster = testCluster([
  { name: 'master', address: '10.9.0.1' },
  { name: 'slave', address: '10.9.0.2' },
  { name: 'arb', address: '10.9.0.3' },
]);

/** Runs the playbook as `hactl run`/`plan` does and returns what it printed (no colours). */
async function printed(check: boolean, connector: Connector): Promise<string> {
  let out = '';
  const keep = (c: string | Uint8Array) => ((out += String(c)), true);
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  try {
    await runWithProgress(site, { inventory: 'inventory.yaml', forks: '10' }, { check, cluster, connector });
  } finally {
    vi.restoreAllMocks();
  }
  return out.replace(/\x1b\[[0-9;]*m/g, '');
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('the recap after hosts failed to connect', () => {
  it('plan, every host unreachable: says all 3 failed, names them, repeats each hint; not "nothing to do"', async () => {
    const out = await printed(true, refusing());
    const last = out.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^✘ site: all 3 hosts failed \(master, slave, arb\): nothing could be checked \(\d+\.\ds\)$/);
    expect(out).not.toContain('nothing to do');
    for (const n of ['master', 'slave', 'arb'])
      expect(out).toMatch(new RegExp(`${n} +ok=0 +would change=0 +FAILED — cannot connect to .*\\n +hint: ${HINT(n)}\\n`));
    expect(process.exitCode).toBe(1);
  });

  it('run, every host unreachable: "nothing was changed", not "no changes"', async () => {
    const out = await printed(false, refusing());
    expect(out).toMatch(/✘ site: all 3 hosts failed \(master, slave, arb\): nothing was changed \(/);
    expect(out).not.toMatch(/no changes/);
    expect(out.match(/hint: /g)).toHaveLength(3);
  });

  it('one host unreachable: "1 of 3 hosts failed", and the others\' outcome', async () => {
    const out = await printed(true, refusing('slave'));
    expect(out).toMatch(/✘ site: 1 of 3 hosts failed \(slave\); nothing to do on the others \(/);
    expect(out).toContain(`hint: ${HINT('slave')}`);
    expect(out).toMatch(/master +ok=1 +would change=0 +ok\n/);
  });
});

describe('recap', () => {
  const host = (name: string, o: Partial<HostSummary> = {}): HostSummary => ({
    host: name,
    ok: 0,
    changed: 0,
    failed: false,
    tasks: [],
    ...o,
  });
  const summary = (hosts: HostSummary[], check = false): RunSummary => ({
    playbook: 'p',
    check,
    ok: hosts.every((h) => !h.failed),
    changed: hosts.reduce((a, h) => a + h.changed, 0),
    ms: 0,
    hosts,
    warnings: [],
  });
  it('all fine: the changes, as before', () => {
    expect(recap(summary([host('a')], true))).toBe('nothing to do');
    expect(recap(summary([host('a')]))).toBe('no changes');
    expect(recap(summary([host('a', { changed: 2 })]))).toBe('2 changed');
  });
  it('failures first, with what changed before or elsewhere', () => {
    expect(recap(summary([host('a', { failed: true })]))).toBe('the only host failed (a): nothing was changed');
    expect(recap(summary([host('a', { failed: true, changed: 1 }), host('b', { failed: true })]))).toBe(
      'all 2 hosts failed (a, b): 1 changed before that',
    );
    expect(recap(summary([host('a', { changed: 3 }), host('b', { failed: true })], true))).toBe('1 of 2 hosts failed (b); 3 would change');
    expect(recap(summary([host('a'), host('b', { failed: true })]))).toBe('1 of 2 hosts failed (b); no changes on the others');
  });
});
