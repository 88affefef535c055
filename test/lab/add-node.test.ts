import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { hactl, labMissing, ssh, TEST_LAB_INDEX } from './helpers.js';

// Grow a running Corosync/Pacemaker cluster by a fourth node without downtime: the lab
// brings up a bare node, `hactl add-node` edits the inventory (comments kept), provisions
// and joins it while a prober hits the VIP every 100 ms.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = `/tmp/hactl-lab-add-node-${TEST_LAB_INDEX}`;
const INV = join(STATE, 'inventory.yaml');

describe.skipIf(Boolean(missing))(`add-node on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let original = '';
  let address = '';
  let operators = '';
  const theirs = (): string =>
    ssh(
      STATE,
      'master',
      [
        `cibadmin -Q --xpath "//resources/primitive[@id='op-dummy']"`,
        `cibadmin -Q --xpath "//constraints/rsc_location[@id='op-dummy-not-arbitrator']"`,
        `cibadmin -Q --xpath "//crm_config//nvpair[@name='operator-note']"`,
      ].join(' && '),
    ).stdout;
  beforeAll(() => {
    expect(hactl(['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', STATE]).status).toBe(0);
    // a user's comment that must survive the edit
    original = readFileSync(INV, 'utf8').replace(/^nodes:$/m, 'nodes:   # the twins and the arbitrator (keep this comment)');
    writeFileSync(INV, original);
    const b = hactl(['bootstrap', '-i', INV]);
    expect(b.status, b.stdout + b.stderr).toBe(0);
    // what an operator adds with Pacemaker's own tools: add-node must leave it as it is
    const op = ssh(
      STATE,
      'master',
      [
        `cibadmin --create --scope resources --xml-text '<primitive id="op-dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="op-dummy-monitor" name="monitor" interval="10s" timeout="20s"/></operations></primitive>'`,
        `cibadmin --create --scope constraints --xml-text '<rsc_location id="op-dummy-not-arbitrator" rsc="op-dummy" node="arbitrator" score="-INFINITY"/>'`,
        'crm_attribute --type crm_config --name operator-note --update kept-by-hactl',
        'crm_resource --wait --timeout=60s',
      ].join(' && '),
    );
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
  it("report: every node's files in one archive, no secret bytes (authkey, its base64/hex forms)", () => {
    const t0 = Date.now();
    const out = join(STATE, 'report.tar.gz');
    const r = hactl(['report', '-i', INV, '--since', '1h', '-o', out]);
    console.log(`report: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(out);
    const dir = join(STATE, 'report-x');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    expect(spawnSync('tar', ['-xzf', out, '-C', dir]).status).toBe(0);
    const [top] = readdirSync(dir);
    expect(top).toMatch(/-report-/);
    for (const n of ['master', 'slave', 'arbitrator', 'web1']) {
      expect(readFileSync(join(dir, top!, n, 'crm_mon.xml'), 'utf8')).toContain('request="crm_mon -1 --output-as=xml"');
      expect(readFileSync(join(dir, top!, n, 'etc/corosync/corosync.conf'), 'utf8')).toContain('nodelist');
    }
    expect(readFileSync(join(dir, top!, 'summary.txt'), 'utf8')).toContain('web1: ');
    const key = ssh(STATE, 'master', 'cat /etc/corosync/authkey').stdout.trim();
    expect(key.length).toBeGreaterThan(16);
    const forms = [key, Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex'), key.slice(0, 24)];
    const files = spawnSync('find', [join(dir, top!), '-type', 'f'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(f, 'latin1');
      for (const form of forms) expect(text.includes(form), `${f} holds the authkey`).toBe(false);
    }
  });

  it('remove-node: refuses a twin and a node holding resources; removes web1 (3 voters, smoke, drift 0); a second run says not in the cluster', () => {
    const twin = hactl(['remove-node', 'slave', '-i', INV]);
    expect(twin.status).toBe(2);
    expect(twin.stderr).toMatch(/one of the two twins/);
    // the operator's op-dummy may run on web1: refused until it is moved away
    const where = ssh(STATE, 'master', 'crm_resource --locate -r op-dummy').stdout;
    if (/running on: web1/.test(where)) {
      const held = hactl(['remove-node', 'web1', '-i', INV]);
      expect(held.status, held.stdout + held.stderr).toBe(1);
      expect(held.stderr).toMatch(/web1 holds op-dummy/);
    }
    const sb = ssh(STATE, 'master', 'crm_standby -N web1 -v on && crm_resource --wait --timeout=60s');
    expect(sb.status, sb.stderr).toBe(0);
    const t0 = Date.now();
    const r = hactl(['remove-node', 'web1', '-i', INV]);
    console.log(`remove-node: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const q = ssh(STATE, 'master', 'corosync-quorumtool -s').stdout;
    expect(q).toMatch(/Expected votes:\s+3/);
    expect(q).toMatch(/Total votes:\s+3/);
    expect(ssh(STATE, 'master', 'crm_node -l').stdout).not.toMatch(/web1/);
    expect(ssh(STATE, 'web1', 'pgrep -x corosync || pgrep -x pacemakerd; echo done').stdout.trim()).toBe('done');
    const text = readFileSync(INV, 'utf8');
    expect(text).toContain('# the twins and the arbitrator (keep this comment)');
    expect(text).not.toMatch(/name: web1/);
    const sm = hactl(['smoke', '-i', INV]);
    expect(sm.status, sm.stdout + sm.stderr).toBe(0);
    const d = hactl(['drift', '-i', INV]);
    expect(d.status, d.stdout + d.stderr).toBe(0);
    const again = hactl(['remove-node', 'web1', '-i', INV]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/web1 is not in cluster/);
  });
});
