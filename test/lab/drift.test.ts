import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { eventually, hactl, labAddresses, labMissing, type Result, ssh, TEST_LAB_INDEX } from './helpers.js';

// `hactl drift` on a bootstrapped Pacemaker lab: clean after bootstrap (exit 0), then each
// injected drift found with exit 2 and named precisely in text and JSON, an unreachable
// node exit 1 naming it — and nothing on the nodes changed by any drift run.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = '/tmp/hactl-lab-drift';
const INV = join(STATE, 'inventory.yaml');
const NODES = ['master', 'slave', 'arbitrator'];
const TWINS = ['master', 'slave'];
const MARKER = '/run/hactl-drift-test.marker';
const MANAGED = [
  '/etc/corosync/corosync.conf',
  '/etc/corosync/authkey',
  '/var/lib/hactl/cib/resources.xml',
  '/var/lib/hactl/cib/constraints.xml',
  '/etc/ha.d/ha.cf',
  '/etc/ha.d/authkeys',
  '/etc/ha.d/haresources',
].join(' ');

interface Drift {
  status: number | null;
  text: string;
  json: any;
  stderr: string;
}
const times: number[] = [];

/** One drift run in text and one in JSON (both must agree on the exit code). */
function drift(...extra: string[]): Drift {
  const t0 = Date.now();
  const text = hactl(['drift', '-i', INV, ...extra]);
  times.push(Date.now() - t0);
  const json = hactl(['drift', '-i', INV, '--json', ...extra]);
  expect(json.status, json.stderr).toBe(text.status);
  return { status: text.status, text: text.stdout + text.stderr, json: JSON.parse(json.stdout), stderr: json.stderr };
}

const named = (d: Drift): string[] => d.json.items.map((i: any) => `${i.kind} ${i.host ?? '*'} ${i.subject}`).sort();

/**
 * What a drift run could have changed on a node: managed files (content, mode, owner),
 * the package database, the CIB configuration and its epoch, and any file written since
 * the marker under /etc, /root, /tmp, /usr, /var/lib/hactl, /var/lib/dpkg.
 */
function snapshot(node: string): string {
  const cib = TWINS.includes(node)
    ? `if command -v cibadmin >/dev/null; then cibadmin -Q --scope configuration | sha256sum; cibadmin -Q | head -1 | grep -o ' \\(admin_\\)\\?epoch="[0-9]*"'; fi`
    : 'true';
  const cmd = [
    `sha256sum ${MANAGED} /var/lib/dpkg/status 2>&1`,
    `stat -c '%n %a %U:%G' ${MANAGED} 2>&1`,
    cib,
    // (find exits 1 for a directory a node does not have, e.g. /var/lib/hactl on the arbitrator)
    `find /etc /root /tmp /usr /var/lib/hactl /var/lib/dpkg -xdev -newer ${MARKER} 2>/dev/null || true`,
  ].join('; ');
  const r = ssh(STATE, node, cmd);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** Runs `fn` (drift runs) and proves that no node changed meanwhile. */
function readOnly<T>(fn: () => T): T {
  for (const n of NODES) expect(ssh(STATE, n, `touch ${MARKER}`).status).toBe(0);
  const before = NODES.map(snapshot);
  const out = fn();
  const after = NODES.map(snapshot);
  expect(after).toEqual(before);
  return out;
}

function onNode(node: string, command: string): Result {
  const r = ssh(STATE, node, command);
  expect(r.status, `${node}: ${command}\n${r.stdout}${r.stderr}`).toBe(0);
  return r;
}

/** True once Pacemaker on the master reports `node` offline. */
const seenOffline = (node: string): boolean =>
  ssh(STATE, 'master', `crm_mon -1 --output-as=xml | grep -q 'name="${node}"[^>]* online="false"'`).status === 0;

/** Converges with `drift --fix --yes` (bootstrap) and expects a clean check afterwards. */
function fixAndExpectClean(): void {
  const r = hactl(['drift', '-i', INV, '--fix', '--yes']);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^after --fix:\nhactl drift: cluster \S+ .*: no drift\n$/m);
}

describe.skipIf(Boolean(missing))(`drift on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(() => {
    const up = hactl(['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', STATE, '--stack', 'pacemaker']);
    expect(up.status, up.stderr).toBe(0);
    const boot = hactl(['bootstrap', '-i', INV, '--no-smoke']);
    expect(boot.status, boot.stdout + boot.stderr).toBe(0);
  });
  afterAll(() => {
    if (times.length)
      console.log(
        `drift runs (text): ${times.map((t) => (t / 1000).toFixed(1)).join(', ')} s; median ${(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]! / 1000).toFixed(1)} s`,
      );
    hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('after bootstrap: exit 0, JSON clean, --quiet prints nothing', () => {
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(0);
    expect(d.text).toMatch(/^hactl drift: cluster lab \(pacemaker, 3 nodes\) in [\d.]+s: no drift$/m);
    expect(d.json).toMatchObject({ status: 'clean', exitCode: 0, items: [], errors: [] });
    const quiet = hactl(['drift', '-i', INV, '--quiet']);
    expect([quiet.status, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
  });

  it("an operator's Dummy primitive, location constraint and property: bootstrap and drift --fix leave them byte for byte; drift lists them as not managed (exit 0)", () => {
    // what an operator adds with Pacemaker's own tools, beside hactl's elements
    onNode(
      'master',
      [
        `cibadmin --create --scope resources --xml-text '<primitive id="op-dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="op-dummy-monitor" name="monitor" interval="10s" timeout="20s"/></operations></primitive>'`,
        `cibadmin --create --scope constraints --xml-text '<rsc_location id="op-dummy-not-arbitrator" rsc="op-dummy" node="arbitrator" score="-INFINITY"/>'`,
        'crm_attribute --type crm_config --name operator-note --update kept-by-hactl',
        'crm_resource --wait --timeout=60s',
      ].join(' && '),
    );
    const theirs = (): string =>
      onNode(
        'master',
        [
          `cibadmin -Q --xpath "//resources/primitive[@id='op-dummy']"`,
          `cibadmin -Q --xpath "//constraints/rsc_location[@id='op-dummy-not-arbitrator']"`,
          `cibadmin -Q --xpath "//crm_config//nvpair[@name='operator-note']"`,
        ].join(' && '),
      ).stdout;
    const before = theirs();
    expect(before).toMatch(/op-dummy-monitor[\s\S]*op-dummy-not-arbitrator[\s\S]*kept-by-hactl/);

    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(0);
    expect(d.json.unmanaged).toEqual([
      { section: 'resources', kind: 'primitive', id: 'op-dummy' },
      { section: 'constraints', kind: 'rsc_location', id: 'op-dummy-not-arbitrator' },
      { section: 'crm_config', kind: 'property', id: 'cib-bootstrap-options-operator-note', detail: 'operator-note=kept-by-hactl' },
    ]);
    expect(d.text).toMatch(
      /^not managed by hactl \(left as they are\): 3\n {2}\* +primitive op-dummy \(resources\)\n {2}\* +rsc_location op-dummy-not-arbitrator \(constraints\)\n {2}\* +property operator-note=kept-by-hactl \(crm_config\)$/m,
    );
    console.log(`drift with the operator's additions:\n${d.text}`);

    // bootstrap: nothing of hactl's changed, so nothing to do; the operator's three named, untouched
    const boot = hactl(['bootstrap', '-i', INV, '--no-smoke']);
    expect(boot.status, boot.stdout + boot.stderr).toBe(0);
    expect(boot.stdout + boot.stderr).toMatch(
      /left as they are, not managed by hactl: primitive op-dummy \(resources\), rsc_location op-dummy-not-arbitrator \(constraints\), property operator-note=kept-by-hactl \(crm_config\)/,
    );
    expect(theirs()).toBe(before);

    // an owned element edited by hand: drift (exit 2) with the owned-element diff only
    onNode('master', `crm_resource --resource vip --set-parameter cidr_netmask --parameter-value 16 && crm_resource --wait --timeout=60s`);
    const owned = readOnly(() => drift());
    expect(owned.status, owned.text).toBe(2);
    expect(named(owned)).toEqual(['cluster master cib']);
    const diff = owned.json.items[0].diff as string;
    expect(diff).toMatch(
      /^-\s+<nvpair id="vip-cidr_netmask" name="cidr_netmask" value="16"\/>\n\+\s+<nvpair id="vip-cidr_netmask" name="cidr_netmask" value="24"\/>$/m,
    );
    expect(diff).not.toMatch(/op-dummy|operator-note/);
    const plan = hactl(['plan', '-i', INV, 'bootstrap']);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/value="16"/);
    console.log(`plan with an owned element edited:\n${plan.stdout}`);

    // drift --fix converges the owned element; the operator's three stay byte for byte
    const fix = hactl(['drift', '-i', INV, '--fix', '--yes']);
    expect(fix.status, fix.stdout + fix.stderr).toBe(0);
    expect(fix.stdout).toMatch(/^after --fix:\nhactl drift: cluster \S+ .*: no drift\nnot managed by hactl \(left as they are\): 3$/m);
    expect(theirs()).toBe(before);
    expect(onNode('master', `cibadmin -Q --xpath "//nvpair[@id='vip-cidr_netmask']"`).stdout).toContain('value="24"');

    // the operator takes their elements back out; the rest of this file expects a bare cluster
    onNode(
      'master',
      [
        `cibadmin --delete --xml-text '<rsc_location id="op-dummy-not-arbitrator"/>'`,
        'crm_resource --resource op-dummy --set-parameter target-role --meta --parameter-value Stopped && crm_resource --wait --timeout=60s',
        `cibadmin --delete --xml-text '<primitive id="op-dummy"/>'`,
        'crm_attribute --type crm_config --name operator-note --delete',
        'crm_resource --wait --timeout=60s',
      ].join(' && '),
    );
    expect(drift().status).toBe(0);
  });

  it('a CIB of the previous hactl (no hactl-owned tag): drift says so, bootstrap adopts its elements and says which', () => {
    const config = (): string => onNode('master', 'cibadmin -Q --scope resources; cibadmin -Q --scope constraints').stdout;
    const before = config();
    onNode('master', `cibadmin --delete --xml-text '<tag id="hactl-owned"/>'`);
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    expect(named(d)).toEqual(['cluster master cib']);
    expect(d.text).toMatch(
      /master +cib: CIB elements made by an earlier hactl are not marked as owned yet \(\d+; the next bootstrap adopts them\)/,
    );
    const boot = hactl(['bootstrap', '-i', INV, '--no-smoke']);
    expect(boot.status, boot.stdout + boot.stderr).toBe(0);
    expect(boot.stdout + boot.stderr).toMatch(
      /adopting CIB elements an earlier hactl made \(now marked as owned in the tag hactl-owned\): ha-services, loc-ha-services-prefers-master/,
    );
    console.log(
      `bootstrap on a CIB without the tag:\n${(boot.stdout + boot.stderr)
        .split('\n')
        .filter((l) => /adopting|apply the CIB/.test(l))
        .join('\n')}`,
    );
    expect(config()).toBe(before); // adoption writes the tag only
    expect(onNode('master', `cibadmin -Q --xpath "//tag[@id='hactl-owned']/obj_ref[@id='ha-services']"`).stdout).toContain('ha-services');
    expect(drift().status).toBe(0);
  });

  it('an edited config file: corosync.conf on slave, with its diff', () => {
    onNode('slave', "sed -i 's/^\\(\\s*timestamp:\\) on$/\\1 off/' /etc/corosync/corosync.conf");
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    expect(named(d)).toEqual(['files slave /etc/corosync/corosync.conf']);
    expect(d.json.items[0].diff).toMatch(/^-\s+timestamp: off\n\+\s+timestamp: on$/m);
    expect(d.text).toMatch(/^ {2}slave +\/etc\/corosync\/corosync.conf: content differs from the inventory$/m);
    expect(d.text).toMatch(/^ +-\s+timestamp: off$/m);
    fixAndExpectClean();
  });

  it('a file mode change: the corosync authkey readable by all on master; the key is never shown', async () => {
    onNode('master', 'chmod 644 /etc/corosync/authkey');
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    expect(named(d)).toEqual(['files master /etc/corosync/authkey']);
    expect(d.text).toMatch(/master +\/etc\/corosync\/authkey: mode is 644, should be 400/);
    const key = readFileSync(join((await loadInventory(INV)).secretsDir, 'corosync-authkey'), 'utf8').trim();
    expect(d.text + JSON.stringify(d.json)).not.toContain(key.slice(0, 16));
    fixAndExpectClean();
  });

  it('a stopped service: pacemaker on the arbitrator', async () => {
    onNode(
      'arbitrator',
      'kill -TERM $(pgrep -x pacemakerd); for i in $(seq 60); do pgrep -x pacemakerd >/dev/null || exit 0; sleep 0.5; done; exit 1',
    );
    expect(await eventually(() => seenOffline('arbitrator'), 30_000)).toBe(true);
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    expect(named(d)).toContain('services arbitrator pacemaker');
    // its consequence, and nothing else: the arbitrator is offline for Pacemaker
    expect(named(d).filter((n) => n !== 'services arbitrator pacemaker')).toEqual(['cluster arbitrator pacemaker node']);
    expect(d.text).toMatch(/arbitrator +pacemaker: not running/);
    fixAndExpectClean();
  });

  it('a removed package: apache2 on slave', () => {
    onNode('slave', 'dpkg -r apache2 >/dev/null 2>&1');
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    expect(named(d)).toEqual(['packages slave apache2']);
    expect(d.text).toMatch(/slave +apache2: not installed/);
    fixAndExpectClean();
  });

  it('a manual move: `crm_resource --move -r vip -N slave` leaves cli-prefer-vip', () => {
    onNode('master', 'crm_resource --move -r vip -N slave && crm_resource --wait --timeout=60s');
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    // cli-prefer-vip is not hactl's: a leftover to clear, not a change to hactl's CIB elements
    expect(named(d)).toEqual(['cluster * cli-prefer-vip', 'cluster * ha-services']);
    const pref = d.json.items.find((i: any) => i.subject === 'cli-prefer-vip');
    expect(pref).toMatchObject({
      message: 'leftover `crm_resource --move`: vip is pinned to slave (score INFINITY)',
      hint: 'crm_resource --clear -r vip',
    });
    expect(d.text).toMatch(/\* +cli-prefer-vip: leftover `crm_resource --move`: vip is pinned to slave/);
    onNode(
      'master',
      'crm_resource --clear -r vip && crm_resource --move -r ha-services -N master && crm_resource --wait --timeout=60s && crm_resource --clear -r ha-services',
    );
    expect(drift().status).toBe(0);
  });

  it('--prometheus writes a textfile; --install-cron --print shows the cron line', () => {
    const prom = join(STATE, 'hactl_drift.prom');
    const r = hactl(['drift', '-i', INV, '--quiet', '--prometheus', prom]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(prom, 'utf8')).toMatch(/^hactl_drift_items\{cluster="lab",kind="files"\} 0$/m);
    const cron = hactl(['drift', '-i', INV, '--install-cron', '--every', '5m', '--print']);
    expect(cron.status, cron.stderr).toBe(0);
    expect(cron.stdout).toMatch(
      new RegExp(`^\\*/5 \\* \\* \\* \\* root flock -n /run/lock/hactl-drift-lab.lock \\S+ \\S+/bin/hactl drift -i ${INV} --quiet$`, 'm'),
    );
  });

  it('an unreachable node: exit 1 naming it (text, JSON and stderr), the rest still checked', async () => {
    const slave = labAddresses(STATE).nodes.slave!;
    const cut = hactl(['lab', 'cut', 'slave', '--state-dir', STATE]);
    expect(cut.status, cut.stderr).toBe(0);
    try {
      // corosync needs token + consensus to notice; check once the master has
      expect(await eventually(() => seenOffline('slave'), 30_000)).toBe(true);
      const d = drift('--connect-timeout', '3');
      expect(d.status, d.text).toBe(1);
      expect(d.json.errors).toEqual([
        expect.objectContaining({ host: 'slave', message: expect.stringContaining(`cannot connect to ${slave}:22`) }),
      ]);
      expect(d.text).toMatch(/COULD NOT CHECK slave/);
      expect(d.stderr).toMatch(/slave: could not check: cannot connect/);
      expect(named(d)).toEqual(['cluster slave pacemaker node']); // the master's view of it
    } finally {
      expect(hactl(['lab', 'uncut', 'slave', '--state-dir', STATE]).status).toBe(0);
    }
    expect(await eventually(() => hactl(['drift', '-i', INV, '--quiet']).status === 0, 60_000)).toBe(true);
  });
});

// The classic stack: the same checks through Heartbeat's eyes (cl_status, the VIP holder).
describe.skipIf(Boolean(missing))(`drift on the lab, heartbeat stack${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(() => {
    const up = hactl(['lab', 'up', '--recreate', '--index', String(TEST_LAB_INDEX), '--state-dir', STATE, '--stack', 'heartbeat']);
    expect(up.status, up.stderr).toBe(0);
    const boot = hactl(['bootstrap', '-i', INV, '--no-smoke']);
    expect(boot.status, boot.stdout + boot.stderr).toBe(0);
  });
  afterAll(() => {
    hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('clean after bootstrap; heartbeat stopped on slave is named on both twins; nothing written', async () => {
    expect(await eventually(() => hactl(['drift', '-i', INV, '--quiet']).status === 0, 60_000)).toBe(true);
    onNode('slave', 'service heartbeat stop >/dev/null 2>&1');
    // the master declares its peer dead after deadtime (10 s)
    expect(await eventually(() => ssh(STATE, 'master', 'cl_status nodestatus slave').stdout.trim() === 'dead', 60_000)).toBe(true);
    const d = readOnly(() => drift());
    expect(d.status, d.text).toBe(2);
    expect(named(d)).toEqual(['cluster master peer slave', 'cluster slave heartbeat', 'services slave heartbeat']);
    expect(d.text).toMatch(/master +peer slave: Heartbeat sees its peer slave as dead/);
    fixAndExpectClean();
  });
});
