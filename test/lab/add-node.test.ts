import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { hactl, labMissing, ssh, TEST_LAB_INDEX } from './helpers.js';

// Grow a running Corosync/Pacemaker cluster by a fourth node without downtime: the lab
// brings up a bare node, `hactl add-node` edits the inventory (comments kept), provisions
// and joins it while a prober hits the VIP every 100 ms.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = '/tmp/hactl-lab-add-node';
const INV = join(STATE, 'inventory.yaml');

describe.skipIf(Boolean(missing))(`add-node on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let original = '';
  let address = '';
  let operators = '';
  const theirs = (): string => ssh(STATE, 'master', [
    `cibadmin -Q --xpath "//resources/primitive[@id='op-dummy']"`,
    `cibadmin -Q --xpath "//constraints/rsc_location[@id='op-dummy-not-arbitrator']"`,
    `cibadmin -Q --xpath "//crm_config//nvpair[@name='operator-note']"`,
  ].join(' && ')).stdout;
  beforeAll(() => {
    expect(hactl(['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', STATE]).status).toBe(0);
    // a user's comment that must survive the edit
    original = readFileSync(INV, 'utf8').replace(/^nodes:$/m, 'nodes:   # the twins and the arbitrator (keep this comment)');
    writeFileSync(INV, original);
    const b = hactl(['bootstrap', '-i', INV]);
    expect(b.status, b.stdout + b.stderr).toBe(0);
    // what an operator adds with Pacemaker's own tools: add-node must leave it as it is
    const op = ssh(STATE, 'master', [
      `cibadmin --create --scope resources --xml-text '<primitive id="op-dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="op-dummy-monitor" name="monitor" interval="10s" timeout="20s"/></operations></primitive>'`,
      `cibadmin --create --scope constraints --xml-text '<rsc_location id="op-dummy-not-arbitrator" rsc="op-dummy" node="arbitrator" score="-INFINITY"/>'`,
      'crm_attribute --type crm_config --name operator-note --update kept-by-hactl',
      'crm_resource --wait --timeout=60s',
    ].join(' && '));
    expect(op.status, op.stderr).toBe(0);
    operators = theirs();
    expect(operators).toMatch(/op-dummy-monitor[\s\S]*op-dummy-not-arbitrator[\s\S]*kept-by-hactl/);
    const add = hactl(['lab', 'up', '--add', 'web1', '--state-dir', STATE]);
    expect(add.status, add.stderr).toBe(0);
    address = /web1 (\S+)/.exec(add.stdout + add.stderr)?.[1] ?? '';
  });
  afterAll(() => {
    hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('refuses bad requests before touching anything (exit 2)', () => {
    const dup = hactl(['add-node', 'master', '--role', 'service', '--address', address, '-i', INV]);
    expect(dup.status).toBe(2);
    expect(dup.stderr).toMatch(/already in the inventory/);
    const twin = hactl(['add-node', 'web9', '--role', 'slave', '--address', address, '-i', INV]);
    expect(twin.status).toBe(2);
    expect(twin.stderr).toMatch(/--replace slave/);
    expect(readFileSync(INV, 'utf8')).toBe(original);
  });

  it('joins a 4th node: 4 members, 4 expected votes, comments kept, 0 failed probes', async () => {
    const t0 = Date.now();
    const r = hactl(['add-node', 'web1', '--role', 'service', '--address', address, '-i', INV, '--json']);
    const secs = (Date.now() - t0) / 1000;
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    console.log(`add-node: ${secs.toFixed(1)}s; prober: ${out.probes.total} probes, ${out.probes.failed} failed`);
    expect(out.probes.total).toBeGreaterThan(50);
    expect(out.probes.failed).toBe(0);
    expect(out.smoke.ok, JSON.stringify(out.smoke.checks)).toBe(true);
    const q = ssh(STATE, 'master', 'corosync-quorumtool -s').stdout;
    expect(q).toMatch(/Expected votes:\s+4/);
    expect(q).toMatch(/Total votes:\s+4/);
    expect(ssh(STATE, 'master', 'crm_mon -1').stdout).toMatch(/Online: \[ arbitrator master slave web1 \]/);
    const text = readFileSync(INV, 'utf8');
    expect(text).toContain('# the twins and the arbitrator (keep this comment)');
    expect(text.startsWith(original.split('\nnodes:')[0]!)).toBe(true);
    const model = await loadInventory(INV);
    expect(model.nodes.map((n) => n.name)).toEqual(['master', 'slave', 'arbitrator', 'web1']);
    // resources never run on the new service node
    expect(ssh(STATE, 'master', 'cibadmin -Q --scope constraints').stdout).toContain('loc-ha-services-never-web1');
    // the operator's primitive, constraint and property: byte for byte, and named as left alone
    expect(theirs()).toBe(operators);
    expect(r.stderr + r.stdout).not.toMatch(/op-dummy.*(replace|delete)/);
  });

  it('afterwards the cluster is converged: bootstrap changes nothing, drift finds nothing', () => {
    const again = JSON.parse(hactl(['bootstrap', '-i', INV, '--json', '--no-smoke']).stdout);
    expect(again.changed).toBe(0);
    const help = hactl(['--help']).stdout;
    if (help.includes('drift')) {
      const d = hactl(['drift', '-i', INV]);
      expect(d.status, d.stdout + d.stderr).toBe(0);
    }
  });
});
