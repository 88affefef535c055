import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { probe } from '../../src/checks/http.js';
import { loadInventory } from '../../src/inventory/index.js';
import { DRBD_VALIDATE } from '../../src/stack/drbd.js';
import { REALSERVER_INTERFACES, REALSERVER_SYSCTL } from '../../src/stack/realservers.js';
import { eventually, hactl, labAddresses, labMissing, labUpArgs, ssh } from './helpers.js';

// `hactl bootstrap` of the Corosync/Pacemaker stack on three real lab nodes: installs
// packages over SSH from the lab repo, validates every file with the daemons' parsers,
// forms the cluster, applies the CIB, proves the VIP answers; then idempotence, plan,
// and refusals of broken values that leave the running cluster's files unchanged.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const STATE = '/tmp/hactl-lab-bootstrap';
const INV = join(STATE, 'inventory.yaml');
const MANAGED = '/etc/corosync/corosync.conf /etc/corosync/authkey /var/lib/hactl/cib/resources.xml /var/lib/hactl/cib/constraints.xml';

const json = (stdout: string): any => JSON.parse(stdout);

/** A copy of the lab inventory with extra YAML merged in (for the broken-value cases). */
function variant(name: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(readFileSync(INV, 'utf8'));
  edit(doc);
  const file = join(STATE, `${name}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

const hashes = (node: string) => ssh(STATE, node, `sha256sum ${MANAGED} 2>&1`).stdout;

describe.skipIf(Boolean(missing))(`bootstrap: pacemaker stack on the lab${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(() => {
    // two networks (issue #20): public and a backplane, two corosync knet links
    const r = hactl(labUpArgs(STATE, 'pacemaker', '--backplane'));
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => {
    hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('builds the cluster: 3 votes, resources on master, the VIP answers HTTP', async () => {
    const t0 = Date.now();
    const r = hactl(['bootstrap', '-i', INV, '--json']);
    const secs = (Date.now() - t0) / 1000;
    console.log(`fresh bootstrap: ${secs.toFixed(1)}s`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const summary = json(r.stdout);
    const smoke = summary;
    expect(summary.ok).toBe(true);
    expect(summary.changed).toBeGreaterThan(5);
    expect(summary.warnings.join('\n')).toMatch(/WITHOUT FENCING/);
    expect(smoke.smoke.ok, JSON.stringify(smoke.smoke.checks, null, 1)).toBe(true);
    const q = ssh(STATE, 'arbitrator', 'corosync-quorumtool -s').stdout;
    expect(q).toMatch(/Expected votes:\s+3/);
    expect(q).toMatch(/Total votes:\s+3/);
    expect(q).toMatch(/Quorate:\s+Yes/);
    const { vip } = labAddresses(STATE);
    expect(ssh(STATE, 'master', 'ip -o -4 addr show eth0').stdout).toContain(`${vip}/24`);
    // both knet links up on every node: link 0 on the backplane (eth1), link 1 on public
    for (const node of ['master', 'slave', 'arbitrator']) {
      const links = ssh(STATE, node, 'corosync-cfgtool -s').stdout;
      expect(links).toMatch(/LINK ID 0 udp\n\s+addr\s+= 10\.79\./);
      expect(links).toMatch(/LINK ID 1 udp\n\s+addr\s+= 10\.77\./);
      expect(links.match(/\bconnected$/gm)?.length, links).toBe(4); // two peers on each of the two links
    }
    // smoke checks every link of every member (a cut backplane fails it, see below)
    expect(smoke.smoke.checks.find((c: any) => c.check === 'links')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^link 0 \(backplane\) connected; link 1 \(public\) connected$/),
    });
    const res = await probe(vip, 80, '/', 3000);
    expect(res.status).toBe(200);
    // secrets: on the nodes with the right mode, never in the output
    expect(ssh(STATE, 'slave', 'stat -c %a /etc/corosync/authkey').stdout.trim()).toBe('400');
    const key = readFileSync(join((await loadInventory(INV)).secretsDir, 'corosync-authkey'), 'utf8').trim();
    expect(r.stdout + r.stderr).not.toContain(key.slice(0, 32));
    // issue #23: a fresh cluster starts on a first CIB with a short dc-deadtime on every
    // voter, forms well below the old 20 s election wait, and the value goes afterwards
    const tasks = summary.hosts.flatMap((h: any) => h.tasks.map((t: any) => ({ ...t, host: h.host })));
    expect(
      tasks
        .filter((t: any) => t.task === 'first CIB with a short dc-deadtime' && t.changed)
        .map((t: any) => t.host)
        .sort(),
    ).toEqual(['arbitrator', 'master', 'slave']);
    const restored = tasks.find((t: any) => t.task === 'dc-deadtime back to normal');
    expect(restored?.changed, JSON.stringify(restored)).toBe(true);
    const formed = Number(/the cluster formed ([\d.]+) s after the stack start/.exec(restored.reason)?.[1]);
    console.log(`fresh cluster formed ${formed} s after the stack start (before: ~23 s, the 20 s dc-deadtime wait included)`);
    expect(formed).toBeGreaterThan(0);
    expect(formed).toBeLessThan(20); // the old wait alone was dc-deadtime, 20 s
    // and forms while the twins install their services: the stack's own packages first, the
    // stack started, then apache2 (installed, disabled in init) before the formation wait
    for (const twin of ['master', 'slave']) {
      const order = summary.hosts.find((h: any) => h.host === twin).tasks.map((t: any) => t.task as string);
      const started = order.indexOf('service pacemaker started');
      expect(order.findIndex((t: string) => /^apt corosync\b/.test(t))).toBeLessThan(started);
      expect(order.find((t: string) => /^apt corosync\b/.test(t))).not.toMatch(/apache2|\+\d/);
      expect(order.indexOf('apt apache2'), order.join('; ')).toBeGreaterThan(started);
      expect(order.indexOf('service apache2')).toBeGreaterThan(order.indexOf('apt apache2'));
    }
    for (const node of ['master', 'slave', 'arbitrator']) {
      expect(ssh(STATE, node, 'cibadmin -Q --xpath "//nvpair[@name=\'dc-deadtime\']"').status).not.toBe(0); // no nvpair left
      expect(ssh(STATE, node, 'crm_attribute -G -n dc-deadtime -d 20s').stdout).toMatch(/name=dc-deadtime value=20s$/m); // the default
    }
  });

  it('a second run reports 0 changed, and plan shows nothing to do', () => {
    const t0 = Date.now();
    const again = hactl(['bootstrap', '-i', INV, '--json', '--no-smoke']);
    console.log(`no-op re-run: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(again.status, again.stderr).toBe(0);
    const summary = json(again.stdout);
    const changed = summary.hosts.flatMap((h: any) =>
      h.tasks.filter((t: any) => t.changed).map((t: any) => `${h.host}: ${t.task}: ${t.reason}`),
    );
    expect(changed).toEqual([]);
    // the cluster has history now: no short dc-deadtime for it
    expect(summary.hosts.flatMap((h: any) => h.tasks.map((t: any) => t.task))).not.toContain('first CIB with a short dc-deadtime');
    const plan = hactl(['plan', '-i', INV, 'bootstrap']);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/nothing to do/);
  });

  it('a service check with only a port is a TCP connect: smoke sends the service no HTTP request', () => {
    const tcp = variant('tcp-check', (d) => d.setIn(['services', 0, 'check'], d.createNode({ port: 80 })));
    const requests = () => Number(ssh(STATE, 'master', 'cat /var/log/apache2/access.log 2>/dev/null | wc -l').stdout.trim());
    const before = requests();
    const r = hactl(['smoke', '-i', tcp, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const checks = json(r.stdout).checks as { check: string; ok: boolean; detail: string }[];
    const vip = checks.filter((c) => c.check.startsWith('VIP from'));
    expect(vip.map((c) => c.ok)).toEqual([true, true]);
    expect(vip.map((c) => c.detail).join(' ')).toMatch(/^TCP connect to .* TCP connect$/);
    expect(requests()).toBe(before); // apache logged no request: nothing but a TCP handshake reached it
  });

  it("a service's own health check (issue #21): the HTTP status that counts, and a command run on the twin holding the VIP", () => {
    const checks = (inv: string) => {
      const r = hactl(['smoke', '-i', inv, '--json']);
      return { status: r.status, checks: json(r.stdout).checks as { check: string; ok: boolean; detail: string }[], out: r.stdout };
    };
    const good = variant('own-check', (d) =>
      d.setIn(['services', 0, 'check'], d.createNode({ port: 80, path: '/', status: 200, command: 'apache2ctl -t' })),
    );
    const ok = checks(good);
    expect(ok.status, ok.out).toBe(0);
    expect(ok.checks.find((c) => c.check === 'service apache2 (command)')).toEqual({
      check: 'service apache2 (command)',
      ok: true,
      detail: 'exit 0 on master: Syntax OK',
    });
    expect(ok.checks.filter((c) => c.check.startsWith('VIP from')).map((c) => c.detail.replace(/ in \d+ ms$/, ''))).toEqual([
      'HTTP 200',
      'HTTP 200',
    ]);
    // a status other than the one asked for, and a command that fails: smoke fails, naming both
    const bad = variant('own-check-bad', (d) =>
      d.setIn(['services', 0, 'check'], d.createNode({ port: 80, path: '/', status: 204, command: 'echo no database; exit 3' })),
    );
    const ko = checks(bad);
    expect(ko.status).not.toBe(0);
    expect(ko.checks.find((c) => c.check === 'VIP from orchestrator')?.detail).toBe('no answer (HTTP): HTTP 200, not 204');
    expect(ko.checks.find((c) => c.check === 'service apache2 (command)')).toMatchObject({
      ok: false,
      detail: 'exit 3 on master: no database',
    });
  });

  it('a corosync typo injected through the inventory is refused by corosync -t; files unchanged', () => {
    const before = hashes('master');
    const bad = variant('bad-corosync', (d) => d.setIn(['vars'], d.createNode({ corosync: { totem: { crypto_cipher: 'aes257' } } })));
    const r = hactl(['bootstrap', '-i', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/validation refused the new \/etc\/corosync\/corosync.conf/);
    expect(r.stderr + r.stdout).toMatch(/Invalid cipher type/); // corosync's own message
    expect(hashes('master')).toBe(before);
    expect(ssh(STATE, 'master', "ls -A /etc/corosync/ | grep -c '^\\..*hactl-' || true").stdout.trim()).toBe('0'); // no staged temp file left
  });

  // a value out of range: drbdadm-84 (the 8.4 parser hactl validates with) refuses it (it takes any after-sb value word)
  it('a bad DRBD option value is refused by drbdadm; DRBD without a kernel module is skipped with a notice', () => {
    const bad = variant('bad-drbd', (d) => {
      d.setIn(['drbd'], d.createNode([{ name: 'r0', device: '/dev/drbd0', disk: '/dev/vdb', port: 7789 }]));
      d.setIn(['vars'], d.createNode({ drbd_options: { r0: { net: { 'max-buffers': 1 } } } }));
    });
    const r = hactl(['bootstrap', '-i', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/validation refused the new \/etc\/drbd.d\/r0.res/);
    expect(ssh(STATE, 'master', 'test -e /etc/drbd.d/r0.res; echo $?').stdout.trim()).toBe('1');
    const good = variant('good-drbd', (d) =>
      d.setIn(['drbd'], d.createNode([{ name: 'r0', device: '/dev/drbd0', disk: '/dev/vdb', port: 7789 }])),
    );
    const ok = hactl(['bootstrap', '-i', good, '--no-smoke']);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).toMatch(/no DRBD kernel module on master/);
    expect(ssh(STATE, 'slave', 'DRBD_DRIVER_VERSION_OVERRIDE=8.4.11 drbdadm dump r0 >/dev/null && echo parsed').stdout.trim()).toBe(
      'parsed',
    );
  });

  it("every rendered template of the example inventories passes the daemons' own parsers", () => {
    const golden = (f: string) => readFileSync(join(process.cwd(), 'test/fixtures/golden', f), 'utf8');
    const send = (name: string, text: string) => {
      const r = ssh(
        STATE,
        'master',
        `mkdir -p /tmp/golden && echo ${Buffer.from(text).toString('base64')} | base64 -d > /tmp/golden/${name}`,
      );
      expect(r.status, r.stderr).toBe(0);
    };
    const check = (cmd: string) => {
      const r = ssh(STATE, 'master', cmd);
      expect(r.status, `${cmd}\n${r.stdout}${r.stderr}`).toBe(0);
      return r.stdout + r.stderr;
    };
    for (const f of ['r0.res', 'r1.res', 'corosync.conf', 'corosync-lab.conf', 'guest-kvm-mail']) send(f, golden(f));
    check(['r0.res', 'r1.res'].map((f) => DRBD_VALIDATE.replace('%s', `/tmp/golden/${f}`)).join(' && '));
    check('corosync -c /tmp/golden/corosync-lab.conf -t');
    // the production example's addresses: validate in a throwaway netns owning kvm-a's ring0 address
    check(
      'unshare --net sh -c "ip link set lo up; ip addr add 192.168.10.11/32 dev lo; ip addr add 10.10.0.11/32 dev lo; ' +
        'corosync -c /tmp/golden/corosync.conf -t"',
    );
    // the CIB sections inside a copy of the live CIB, checked offline by crm_verify
    // (no status section: a simulation without it warns, e.g. that unseen nodes would be
    // fenced; warnings are fine, errors are not)
    const live = check('cibadmin -Q').replace(/<status\/>|<status>[\s\S]*<\/status>/, '<status/>');
    for (const v of ['', '-nodrbd', '-declared', '-lvs']) {
      const cib = live
        .replace(/<resources\/>|<resources>[\s\S]*<\/resources>/, golden(`resources${v}.xml`))
        .replace(/<constraints\/>|<constraints>[\s\S]*<\/constraints>/, golden(`constraints${v === '-lvs' ? '' : v}.xml`));
      send(`cib${v}.xml`, cib);
      const out = ssh(STATE, 'master', `crm_verify -V -x /tmp/golden/cib${v}.xml 2>&1`).stdout;
      expect(out, out).not.toMatch(/Errors found|error:/i);
    }
    check(
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q libvirt-clients libxml2-utils >/dev/null 2>&1; virt-xml-validate /tmp/golden/guest-kvm-mail domain',
    );
  });

  it('declared resources (pacemaker:): a typo in the agent or a bad param is refused before anything is applied; a Dummy colocated with ha-services starts where the group runs; a second run changes nothing', () => {
    const t0 = Date.now();
    const declare = (name: string) =>
      variant(name, (d) =>
        d.setIn(
          ['pacemaker'],
          d.createNode({
            resources: [
              {
                id: 'extra-dummy',
                agent: 'ocf:heartbeat:Dummy',
                params: { fake: 'declared <&> "value"' },
                ops: [{ name: 'monitor', interval: '10s', timeout: '20s' }],
              },
            ],
            colocations: [{ id: 'col-extra-dummy-with-services', resource: 'extra-dummy', with: 'ha-services' }],
            orders: [{ id: 'ord-services-then-extra-dummy', first: 'ha-services', then: 'extra-dummy' }],
            rsc_defaults: { 'migration-threshold': 3 },
          }),
        ),
      );
    const cib = () => ssh(STATE, 'master', 'cibadmin -Q --scope configuration').stdout;
    const before = cib();
    expect(before).toContain('<resources>');

    // one refused run, two resources: a typo in the agent, and an unknown param plus a value validate-all refuses
    const refusedFile = variant('declared-refused', (d) =>
      d.setIn(
        ['pacemaker'],
        d.createNode({
          resources: [
            { id: 'extra-dummy', agent: 'ocf:heartbeat:Dumy', ops: [{ name: 'monitor', interval: '10s', timeout: '20s' }] },
            { id: 'extra-dummy2', agent: 'ocf:heartbeat:Dummy', params: { state: '/nonexistent/dir/state', fakke: '1' } },
          ],
          colocations: [{ id: 'col-extra-dummy-with-services', resource: 'extra-dummy', with: 'ha-services' }],
          rsc_defaults: { 'migration-threshold': 3 },
        }),
      ),
    );
    const refused = hactl(['bootstrap', '-i', refusedFile, '--no-smoke']);
    const said = refused.stdout + refused.stderr;
    expect(refused.status, said).toBe(1);
    expect(said).toMatch(
      /declared-refused\.yaml:\d+:\d+: resource agent ocf:heartbeat:Dumy \(of extra-dummy\) is not installed on master \(field pacemaker\.resources\[0\]\.agent\)/,
    );
    expect(said).toMatch(
      /ocf:heartbeat:Dummy has no parameter "fakke" \(resource extra-dummy2\) \(field pacemaker\.resources\[1\]\.params\.fakke\)/,
    );
    expect(said).toMatch(/State file "\/nonexistent\/dir\/state" is not writable/); // the agent's validate-all
    expect(cib()).toBe(before); // nothing applied: the configuration, compared as XML text

    const good = declare('declared');
    const plan = hactl(['plan', '-i', good, 'bootstrap']);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^\+<primitive id="extra-dummy" class="ocf" provider="heartbeat" type="Dummy">$/m);
    expect(plan.stdout).toMatch(
      /^\+<rsc_colocation id="col-extra-dummy-with-services" rsc="extra-dummy" with-rsc="ha-services" score="INFINITY"\/>$/m,
    );
    expect(plan.stdout).toMatch(/^rsc_defaults: migration-threshold \(not set\) → 3$/m);
    console.log(`plan with a declared resource:\n${plan.stdout}`);
    const r = hactl(['bootstrap', '-i', good, '--no-smoke', '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const where = (rsc: string) => ssh(STATE, 'master', `crm_resource --locate --resource ${rsc}`).stdout.trim();
    expect(where('extra-dummy')).toBe('resource extra-dummy is running on: master');
    expect(where('ha-services')).toMatch(/is running on: master/);
    expect(ssh(STATE, 'master', `cibadmin -Q --xpath "//tag[@id='hactl-owned']/obj_ref[@id='extra-dummy']"`).status).toBe(0);
    expect(ssh(STATE, 'master', `cibadmin -Q --xpath "//nvpair[@name='fake']"`).stdout).toContain(
      'value="declared &lt;&amp;&gt; &quot;value&quot;"',
    );
    const again = json(hactl(['bootstrap', '-i', good, '--json', '--no-smoke']).stdout);
    const changed = again.hosts.flatMap((h: any) =>
      h.tasks.filter((t: any) => t.changed).map((t: any) => `${h.host}: ${t.task}: ${t.reason}`),
    );
    expect(changed).toEqual([]);
    console.log(`declared-resources scenario: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  });

  it('two links (issue #20): cut-link on the backplane alone moves nothing and costs no outage; a cut backplane fails smoke and is drift', async () => {
    const one = hactl(['failover-test', '-i', INV, '--yes', '--json', '-s', 'cut-link', '--link', 'backplane', '--no-report']);
    expect(one.status, one.stdout + one.stderr).toBe(0);
    const r1 = json(one.stdout).results[0];
    console.log(`cut-link --link backplane: downtime ${r1.downtimeMs} ms, ended on ${r1.after}, budget ${r1.budget.ms} ms`);
    expect(r1.verdict, r1.reasons.join('; ')).toBe('pass');
    expect(r1.after).toBe('master');
    expect(r1.outages).toEqual([]);
    // (cutting both links: failover-pacemaker.test.ts, whose lab has two networks too)
    expect(hactl(['lab', 'cut', 'slave', '--link', 'backplane', '--state-dir', STATE]).status).toBe(0);
    try {
      // knet notices a dead link after its ping timeout: smoke until it does (bounded)
      let links: any;
      const seen = await eventually(() => {
        const smoke = hactl(['smoke', '-i', INV, '--json']);
        links = json(smoke.stdout).checks.find((c: any) => c.check === 'links');
        return smoke.status !== 0 && links?.ok === false;
      }, 20_000);
      expect(seen, JSON.stringify(links)).toBe(true);
      expect(links).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^link 0 \(backplane\) down to slave; link 1 \(public\) connected$/),
      });
      // drift names it from both ends: nothing moved, the cluster is one cable from a split
      const drift = hactl(['drift', '-i', INV, '--json']);
      expect(drift.status, drift.stdout + drift.stderr).toBe(2);
      const items = json(drift.stdout).items.filter((i: any) => /^link 0 \(backplane\)$/.test(i.subject));
      expect(items.map((i: any) => `${i.host}: ${i.message}`)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^slave: corosync link 0 on backplane is down to .*master/),
          expect.stringMatching(/^master: corosync link 0 on backplane is down to slave/),
        ]),
      );
    } finally {
      expect(hactl(['lab', 'uncut', 'slave', '--link', 'backplane', '--state-dir', STATE]).status).toBe(0);
    }
    const bad = hactl(['failover-test', '-i', INV, '--yes', '-s', 'cut-link', '--link', 'backplan']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--link backplan: not one of the cluster's links \(backplane, public\)/);
  });
  it('lvs on Pacemaker (issue #21): ldirectord.cf rendered and checked on both twins; without IPVS (this lab) LVS stays out of the CIB, said so; a realserver node gets the VIP on lo and the ARP settings', () => {
    // a real server of the lab, in the inventory with role realserver (the other one is not a node)
    const add = hactl(['lab', 'up', '--add', 'rs1', '--state-dir', STATE]);
    expect(add.status, add.stderr).toBe(0);
    const { vip, nodes } = labAddresses(STATE);
    const net = vip.split('.').slice(0, 3).join('.');
    const rs1 = nodes.rs1!;
    const lvs = variant('lvs', (d) => {
      d.setIn(
        ['lvs'],
        d.createNode([{ name: 'web', virtual: `${net}.200:80`, forwarding: 'gate', real_servers: [`${rs1}:80`, `${net}.32:80`] }]),
      );
      d.addIn(['nodes'], d.createNode({ name: 'rs1', address: rs1, role: 'realserver' }));
    });
    const r = hactl(['bootstrap', '-i', lvs]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /no IPVS in master's kernel: ldirectord\.cf is rendered and validated, but LVS is left out of the CIB/,
    );
    for (const twin of ['master', 'slave'])
      expect(
        ssh(STATE, twin, 'grep -c "real=" /etc/ha.d/ldirectord.cf; systemctl is-enabled ldirectord 2>/dev/null || echo not-systemd').stdout,
      ).toMatch(/^2\n/);
    expect(ssh(STATE, 'master', 'cibadmin -Q --scope resources').stdout).not.toMatch(/ldirectord|vip-lvs-web/);
    const smoke = json(hactl(['smoke', '-i', lvs, '--json']).stdout);
    expect(smoke.checks.find((c: any) => c.check === 'LVS (ldirectord)')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/IPVS is not available/),
    });
    // the real server: the virtual address on lo (/32), arp_ignore/arp_announce, both kept for the next boot
    const rs = ssh(
      STATE,
      'rs1',
      `ip -o -4 addr show dev lo; sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce; cat ${REALSERVER_INTERFACES} ${REALSERVER_SYSCTL}`,
    );
    console.log(`real server rs1:\n${rs.stdout}`);
    expect(rs.stdout).toContain(` ${net}.200/32 `);
    expect(rs.stdout).toMatch(/^1\n2\n/m);
    expect(rs.stdout).toContain(`iface lo:hactl0 inet static\n    address ${net}.200/32`);
    expect(rs.stdout).toContain('net.ipv4.conf.all.arp_announce = 2');
    const again = hactl(['bootstrap', '-i', lvs, '--json', '--no-smoke']);
    expect(
      json(again.stdout).hosts.flatMap((h: any) => h.tasks.filter((t: any) => t.changed).map((t: any) => `${h.host}: ${t.task}`)),
    ).toEqual([]);
    expect(json(again.stdout).hosts.map((h: any) => h.host)).toContain('rs1');
    // drift sees a real server that lost its VIP (a reboot without the ifupdown stanza, an operator's ip addr del)
    ssh(STATE, 'rs1', `ip addr del ${net}.200/32 dev lo`);
    const drift = hactl(['drift', '-i', lvs, '--json']);
    expect(drift.status, drift.stdout).toBe(2);
    expect(drift.stdout).toContain(`${net}.200/32 on lo`);
  });
});
