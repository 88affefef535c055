import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../../src/core/secret.js';
import { addNodeToInventoryText, parseInventory, removeNodeFromInventoryText } from '../../../src/inventory/index.js';
import { destroyScript, destroyTargets } from '../../../src/operate/destroy.js';
import { removalProblem, resourcesOn } from '../../../src/operate/remove-node.js';
import { journalSince, maskShapes, parseReport, reportCommands, reportScript } from '../../../src/operate/report.js';

const PCMK = 'inventory/example-pacemaker-drbd-kvm.yaml';
const HB = 'inventory/example-heartbeat-xen.yaml';
const text = (f: string): string => readFileSync(f, 'utf8');
const model = (t: string, f = PCMK) => parseInventory(t, f);
const meta = {
  run: '20261128T040000Z-abcd',
  time: '2026-11-28T04:00:00Z',
  inventory: '',
  command: 'hactl destroy',
  playbook: 'destroy',
  host: 'kvm-a',
};

describe('remove-node: the arithmetic, before anything is touched', () => {
  const grown = addNodeToInventoryText(text(PCMK), {
    name: 'web9',
    address: '192.168.10.29',
    role: 'service',
    addresses: { backplane: '10.10.0.29' },
  });
  it('a 4th node leaves: allowed; the inventory keeps every comment and node id', () => {
    const after = removeNodeFromInventoryText(grown, 'web9');
    expect(after).toBe(text(PCMK));
    expect(removalProblem(model(grown), () => model(after), 'web9')).toBeUndefined();
  });
  it('a node in the middle: the later nodes keep their ids (written in)', () => {
    const after = removeNodeFromInventoryText(grown, 'quorum');
    const m = model(after);
    expect(m.nodes.find((n) => n.name === 'web9')!.nodeId).toBe(model(grown).nodes.find((n) => n.name === 'web9')!.nodeId);
    expect(after).toContain('# must equal `uname -n`');
  });
  it('refuses a twin (DRBD named) and a voter whose leaving leaves fewer than 3', () => {
    const c = model(text(PCMK));
    const noSlave = (): never => {
      throw new Error('not parsed for a twin');
    };
    expect(removalProblem(model(grown), noSlave, 'kvm-b')).toMatch(/one of the two twins: the DRBD resources/);
    const noArb = () => model(removeNodeFromInventoryText(text(PCMK), 'quorum'));
    expect(removalProblem(c, noArb, 'quorum')).toMatch(/leaves 2 voters/);
  });
  it('Heartbeat: the ping node stays; a real server may go', () => {
    const hb = model(text(HB), HB);
    const noPing = () => model(removeNodeFromInventoryText(text(HB), 'ping'), HB);
    expect(removalProblem(hb, noPing, 'ping')).toMatch(/ping node/);
    const noWeb = () => model(removeNodeFromInventoryText(text(HB), 'web1'), HB);
    expect(removalProblem(hb, noWeb, 'web1')).toBeUndefined();
  });
  it('resources on a node, from crm_mon', () => {
    const xml =
      '<crm_mon><resources><resource id="op-dummy" active="true"><node name="web1"/></resource>' +
      '<resource id="vip" active="true"><node name="master"/></resource></resources></crm_mon>';
    expect(resourcesOn(xml, 'web1')).toEqual(['op-dummy']);
    expect(resourcesOn(xml, 'arbitrator')).toEqual([]);
  });
});

describe('destroy: what goes, per stack and role', () => {
  it('Pacemaker: corosync config and key, the CIB, DRBD resource files on twins; the arbitrator has no DRBD', () => {
    const c = model(text(PCMK));
    const twin = destroyTargets(c, c.master);
    expect(twin.files).toEqual(expect.arrayContaining(['/etc/corosync/corosync.conf', '/etc/corosync/authkey', '/etc/drbd.d/r0.res']));
    expect(twin.files).not.toContain('/etc/drbd.d/global_common.conf');
    expect(twin.state).toEqual(expect.arrayContaining(['/var/lib/pacemaker/cib/cib*', '/var/lib/hactl/cib']));
    expect(twin.state.join(' ')).not.toMatch(/generations/);
    expect(twin.drbd.length).toBe(c.drbd.length);
    const arb = destroyTargets(c, c.arbitrator!);
    expect(arb.files).toEqual(['/etc/corosync/corosync.conf', '/etc/corosync/authkey']);
    expect(arb.drbd).toEqual([]);
  });
  it('Heartbeat: ha.cf, authkeys, haresources on the twins; nothing of the stack on the ping node', () => {
    const c = model(text(HB), HB);
    expect(destroyTargets(c, c.master).files).toEqual(
      expect.arrayContaining(['/etc/ha.d/ha.cf', '/etc/ha.d/haresources', '/etc/ha.d/authkeys']),
    );
    const ping = destroyTargets(c, c.arbitrator!);
    expect(ping.stop).toBeUndefined();
    expect(ping.files).toEqual([]);
  });
  it('the script: nothing → says so; copies before removing; wipes only with --wipe-data', () => {
    const c = model(text(PCMK));
    const keep = destroyScript(destroyTargets(c, c.master), meta, false);
    expect(keep).toContain('echo nothing; exit 0');
    expect(keep.indexOf('cp -p')).toBeLessThan(keep.indexOf('rm -f "$f"'));
    expect(keep).not.toMatch(/wipe-md|wipefs -a/);
    const wipe = destroyScript(destroyTargets(c, c.master), meta, true);
    expect(wipe).toMatch(/drbdadm wipe-md/);
    expect(wipe.indexOf('wipe-md')).toBeLessThan(wipe.indexOf('rm -f "$f"'));
    expect(wipe).toMatch(/wipefs -a '?\/dev\//);
  });
});

describe('report: commands, framing, masking', () => {
  it('never reads a key file, frames and parses back', () => {
    const c = model(text(PCMK));
    const cmds = reportCommands(c, c.master, '2h');
    const script = reportScript(cmds);
    expect(script).not.toMatch(/cat '?\/etc\/corosync\/authkey/);
    expect(script).not.toMatch(/cat '?\/etc\/ha.d\/authkeys/);
    expect(script).toMatch(/--since '?-2h'?/);
    expect(cmds.map(([f]) => f)).toEqual(expect.arrayContaining(['crm_mon.xml', 'cib.xml', 'etc/corosync/corosync.conf', 'dmesg.txt']));
    const files = parseReport('@@hactl-report@@ a.txt\nhello\n@@hactl-report@@ empty.txt\n\n@@hactl-report@@ b/c.txt\nx\n');
    expect([...files.keys()]).toEqual(['a.txt', 'b/c.txt']);
    expect(journalSince('30m')).toBe('-30m');
    expect(journalSince('2026-11-28 03:00')).toBe('2026-11-28 03:00');
  });
  it('masks known values and secret-shaped fields', () => {
    registerSecret('Known-Secret-Value-123');
    expect(maskShapes('x Known-Secret-Value-123 y')).toBe('x *** y');
    expect(maskShapes('        shared-secret "s3cr3t";')).toBe('        shared-secret "***";');
    expect(maskShapes('1 sha1 abcdef0123456789')).toBe('1 sha1 ***');
    expect(maskShapes('stonith_host * external/ipmi master 10.0.0.1 admin pw')).toBe('stonith_host * external/ipmi ***');
    expect(maskShapes('<nvpair id="f-passwd" name="passwd" value="hunter2"/>')).toBe('<nvpair id="f-passwd" name="passwd" value="***"/>');
    expect(maskShapes('<nvpair id="x" name="ip" value="10.0.0.1"/>')).toBe('<nvpair id="x" name="ip" value="10.0.0.1"/>');
  });
});
