import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDrift } from '../../../src/checks/drift/check.js';
import { Connector } from '../../../src/runtime/connector.js';
import { definePlaybook } from '../../../src/runtime/playbook.js';
import type { Connection } from '../../../src/transport/types.js';
import { example, fixture } from './helpers.js';

/** A connection that answers the live script with a captured output, and nothing else. */
const canned = (host: string, out: string): Connection => ({
  host,
  exec: async () => ({ stdout: out, stderr: '', code: 0 }),
  put: async () => undefined,
  get: async () => Buffer.from(''),
  close: async () => undefined,
});

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function labWithSecret() {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-drift-secrets-'));
  made.push(dir);
  writeFileSync(join(dir, 'corosync-authkey'), 'k'.repeat(64) + '\n');
  return { ...example('lab'), secretsDir: dir };
}

describe('checkDrift', () => {
  it('live checks and the playbook share the connections; a clean cluster exits 0', async () => {
    const files: Record<string, string> = {
      master: 'pacemaker-master-ok.txt',
      slave: 'pacemaker-slave-ok.txt',
      arbitrator: 'pacemaker-arbitrator-ok.txt',
    };
    const connector = new Connector(async (n) => canned(n.name, fixture(files[n.name]!)));
    let ran = false;
    const playbook = definePlaybook('bootstrap', async ({ check, options }) => void (ran = check && options.drift === true));
    const r = await checkDrift(labWithSecret(), { playbook, connector });
    expect(r).toMatchObject({ status: 'clean', exitCode: 0, items: [], errors: [] });
    expect(ran).toBe(true);
  });

  it('a missing secret is not created: the playbook does not run, exit 1 names the file', async () => {
    let ran = false;
    const playbook = definePlaybook('bootstrap', async () => void (ran = true));
    const c = { ...example('lab'), secretsDir: join(tmpdir(), 'hactl-no-such-secrets') };
    const r = await checkDrift(c, { playbook, connector: new Connector(async (n) => canned(n.name, fixture('pacemaker-master-ok.txt'))) });
    expect(ran).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]!.message).toMatch(/hactl-no-such-secrets\/corosync-authkey does not exist/);
  });

  it('unreachable nodes are named once each; a playbook that stops is a CheckError, not a crash', async () => {
    const connector = new Connector(async (n) => {
      throw new Error(`cannot connect to ${n.address}:22: Timed out while waiting for handshake`);
    });
    const playbook = definePlaybook('bootstrap', async () => {
      throw new Error('template corosync.conf.hbs: unknown variable');
    });
    const r = await checkDrift(labWithSecret(), { playbook, connector });
    expect(r.exitCode).toBe(1);
    expect(r.errors.map((e) => e.host ?? e.message)).toEqual([
      'the check-mode bootstrap stopped: template corosync.conf.hbs: unknown variable',
      'master',
      'slave',
      'arbitrator',
    ]);
    expect(r.errors[1]!.hint).toMatch(/down or unreachable/);
  });
});
