import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { loadInventory } from '../../src/inventory/index.js';
import { renderFile } from '../../src/render/render.js';
import { corosyncView } from '../../src/stack/corosync.js';
import { drbdView } from '../../src/stack/drbd.js';
import { pacemakerCorePackages } from '../../src/stack/driver.js';
import { guestView } from '../../src/stack/guests.js';
import { authkeysView, haCfView, haresourcesView } from '../../src/stack/heartbeat.js';
import { ldirectordView } from '../../src/stack/lvs.js';
import { cibView, clusterProperties, fencingTopology } from '../../src/stack/pacemaker.js';
import { stackPackages } from '../../src/stack/packages.js';
import { sbdView } from '../../src/stack/sbd.js';

// Golden tests: every template rendered from the example inventories and compared with
// the checked-in files under test/fixtures/golden. (The lab tests feed the same
// renderings to the daemons' own parsers.)
const golden = (name: string) => `../fixtures/golden/${name}`;

describe('templates (golden)', async () => {
  const pcmk = await loadInventory('inventory/example-pacemaker-drbd-kvm.yaml');
  const hb = await loadInventory('inventory/example-heartbeat-xen.yaml');
  const lab = await loadInventory('inventory/lab.yaml');

  it('corosync.conf', async () => {
    await expect(renderFile('corosync/corosync.conf.hbs', corosyncView(pcmk))).toMatchFileSnapshot(golden('corosync.conf'));
    await expect(renderFile('corosync/corosync.conf.hbs', corosyncView(lab))).toMatchFileSnapshot(golden('corosync-lab.conf'));
  });
  it('drbd resource and global_common', async () => {
    for (const r of pcmk.drbd)
      await expect(renderFile('drbd/resource.res.hbs', drbdView(pcmk, r))).toMatchFileSnapshot(golden(`${r.name}.res`));
    await expect(renderFile('drbd/global_common.conf.hbs', { cluster_name: pcmk.name })).toMatchFileSnapshot(golden('global_common.conf'));
  });
  it('pacemaker resources and constraints, with and without DRBD', async () => {
    for (const drbd of [true, false]) {
      const v = cibView(pcmk, { drbd, serviceClass: 'systemd' });
      await expect(renderFile('pacemaker/resources.xml.hbs', v)).toMatchFileSnapshot(golden(`resources${drbd ? '' : '-nodrbd'}.xml`));
      await expect(renderFile('pacemaker/constraints.xml.hbs', v)).toMatchFileSnapshot(golden(`constraints${drbd ? '' : '-nodrbd'}.xml`));
    }
  });
  it('pacemaker with lvs: the LVS address and ldirectord in the group after the floating IP; none without IPVS', async () => {
    const lvs = { ...pcmk, network: hb.network, interface: hb.interface, lvs: hb.lvs };
    const v = cibView(lvs, { drbd: true, serviceClass: 'systemd' });
    await expect(renderFile('pacemaker/resources.xml.hbs', v)).toMatchFileSnapshot(golden('resources-lvs.xml'));
    expect((v.vips as Array<{ id: string }>).map((x) => x.id)).toEqual(['vip', 'vip-admin', 'vip-lvs-web']);
    expect(stackPackages(lvs, lvs.master)).toEqual(expect.arrayContaining(['ldirectord', 'ipvsadm']));
    // ldirectord refuses an empty receive="" ("invalid receive string"): without expect, no receive line
    // (its HTTP check then wants a 2xx answer only)
    const bare = { ...lvs, lvs: lvs.lvs.map((s) => ({ ...s, check: { ...s.check, expect: undefined } })) };
    expect(renderFile('ldirectord/ldirectord.cf.hbs', ldirectordView(bare))).not.toMatch(/receive=/);
    expect(renderFile('ldirectord/ldirectord.cf.hbs', ldirectordView(lvs))).toMatch(/receive="/);
    const none = cibView(lvs, { drbd: true, serviceClass: 'systemd', ipvs: false });
    expect(none.ldirectord).toBeUndefined();
    expect((none.vips as Array<{ id: string }>).map((x) => x.id)).toEqual(['vip', 'vip-admin']);
  });
  it("pacemaker: declared resources, a clone, constraints (inventory pacemaker:) after hactl's own", async () => {
    const declared = await loadInventory('test/fixtures/inventory/good-declared.yaml');
    const v = cibView(declared, { drbd: true, serviceClass: 'systemd' });
    await expect(renderFile('pacemaker/resources.xml.hbs', v)).toMatchFileSnapshot(golden('resources-declared.xml'));
    await expect(renderFile('pacemaker/constraints.xml.hbs', v)).toMatchFileSnapshot(golden('constraints-declared.xml'));
  });
  it('SBD: /etc/default/sbd, the fence_sbd device (disk-based) and stonith-watchdog-timeout', async () => {
    const disk = await loadInventory('test/fixtures/inventory/good-sbd.yaml');
    const diskless = await loadInventory('test/fixtures/inventory/good-sbd-diskless.yaml');
    await expect(renderFile('sbd/sbd.hbs', sbdView(disk))).toMatchFileSnapshot(golden('sbd-disk'));
    await expect(renderFile('sbd/sbd.hbs', sbdView(diskless))).toMatchFileSnapshot(golden('sbd-diskless'));
    for (const [name, c] of [
      ['sbd-disk', disk],
      ['sbd-diskless', diskless],
    ] as const) {
      const v = cibView(c, { drbd: false, serviceClass: 'systemd' });
      await expect(renderFile('pacemaker/resources.xml.hbs', v)).toMatchFileSnapshot(golden(`resources-${name}.xml`));
      await expect(renderFile('pacemaker/constraints.xml.hbs', v)).toMatchFileSnapshot(golden(`constraints-${name}.xml`));
    }
    expect(clusterProperties(disk).crm_config).toMatchObject({ 'stonith-enabled': 'true', 'stonith-watchdog-timeout': '0s' });
    expect(clusterProperties(diskless).crm_config).toMatchObject({ 'stonith-enabled': 'true', 'stonith-watchdog-timeout': '10s' });
    expect(clusterProperties(pcmk).crm_config).not.toHaveProperty('stonith-watchdog-timeout');
    expect(stackPackages(diskless, diskless.arbitrator!)).toContain('sbd');
    expect(stackPackages(pcmk, pcmk.master)).not.toContain('sbd');
    // a fresh cluster installs these first and starts; the twins' services while it forms
    expect(pacemakerCorePackages(pcmk, pcmk.master)).toEqual(['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents']);
    expect(pacemakerCorePackages(diskless, diskless.arbitrator!)).toContain('sbd');
    expect(stackPackages(pcmk, pcmk.master)).toEqual(expect.arrayContaining(pacemakerCorePackages(pcmk, pcmk.master)));
  });
  it('fencing levels: the agent first, declared stonith devices that can fence the node, disk SBD last; none with one device', async () => {
    const disk = await loadInventory('test/fixtures/inventory/good-sbd.yaml');
    const ipmi = { ...disk, stonith: { ...disk.stonith, agent: 'fence_ipmilan', params: { ip: '10.0.0.1' } } };
    const pdu = {
      id: 'fence-pdu',
      agent: 'stonith:fence_apc',
      class: 'stonith' as const,
      type: 'fence_apc',
      params: { pcmk_host_list: 'alpha,beta' },
      ops: [],
      meta: {},
    };
    const both = { ...ipmi, pacemaker: { ...ipmi.pacemaker, resources: [pdu] } };
    const v = cibView(both, { drbd: false, serviceClass: 'systemd' });
    await expect(renderFile('pacemaker/fencing-topology.xml.hbs', v)).toMatchFileSnapshot(golden('fencing-topology.xml'));
    expect(fencingTopology(both, v.fencing as any).map((t) => [t.target, t.levels.map((l) => l.devices).join(' ')])).toEqual([
      ['alpha', 'fence-alpha fence-pdu stonith-sbd'],
      ['beta', 'fence-beta fence-pdu stonith-sbd'],
    ]);
    // a declared device whose pcmk_host_list leaves a node out is not one of its levels
    const alphaOnly = { ...both, pacemaker: { ...both.pacemaker, resources: [{ ...pdu, params: { pcmk_host_list: 'alpha' } }] } };
    expect(fencingTopology(alphaOnly, v.fencing as any)[1]!.levels.map((l) => l.devices)).toEqual(['fence-beta', 'stonith-sbd']);
    // one device per node (the agent alone, or SBD alone): Pacemaker needs no order
    for (const c of [disk, pcmk]) expect((cibView(c, { drbd: false, serviceClass: 'systemd' }) as any).topology).toEqual([]);
    expect(renderFile('pacemaker/fencing-topology.xml.hbs', cibView(pcmk, { drbd: false, serviceClass: 'systemd' }))).toBe(
      '<fencing-topology>\n</fencing-topology>\n',
    );
  });
  it('declared values are data: XML-escaped in attributes, never markup', () => {
    const base = {
      ...pcmk,
      pacemaker: {
        ...pcmk.pacemaker,
        resources: [
          {
            id: 'x',
            agent: 'ocf:heartbeat:Dummy',
            class: 'ocf' as const,
            provider: 'heartbeat',
            type: 'Dummy',
            params: { fake: '"/><primitive id="evil' },
            ops: [],
            meta: { note: 'a<b & c' },
          },
        ],
      },
    };
    const out = renderFile('pacemaker/resources.xml.hbs', cibView(base, { drbd: true, serviceClass: 'systemd' }));
    expect(out).toContain('value="&quot;/&gt;&lt;primitive id&#x3D;&quot;evil"');
    expect(out).toContain('value="a&lt;b &amp; c"');
    expect(out).not.toContain('id="evil');
  });
  it('guests: KVM domain XML and Xen domU cfg', async () => {
    for (const g of pcmk.guests)
      await expect(renderFile(`${g.type}/${g.type === 'kvm' ? 'domain.xml' : 'domu.cfg'}.hbs`, guestView(pcmk, g))).toMatchFileSnapshot(
        golden(`guest-${g.type}-${g.name}`),
      );
    for (const g of hb.guests)
      await expect(renderFile(`${g.type}/${g.type === 'kvm' ? 'domain.xml' : 'domu.cfg'}.hbs`, guestView(hb, g))).toMatchFileSnapshot(
        golden(`guest-${g.type}-${g.name}`),
      );
  });
  it('heartbeat ha.cf, haresources, authkeys; ldirectord.cf', async () => {
    await expect(renderFile('heartbeat/ha.cf.hbs', haCfView(hb, hb.master.name, '/usr/lib/heartbeat/ipfail'))).toMatchFileSnapshot(
      golden('ha.cf'),
    );
    await expect(renderFile('heartbeat/haresources.hbs', haresourcesView(hb, true))).toMatchFileSnapshot(golden('haresources'));
    await expect(renderFile('heartbeat/haresources.hbs', haresourcesView(hb, false))).toMatchFileSnapshot(golden('haresources-nodrbd'));
    const authkeys = renderFile('heartbeat/authkeys.hbs', authkeysView(new Secret('0123456789abcdef')));
    expect(authkeys).toBe('auth 1\n1 sha1 0123456789abcdef\n');
    const withLvs = [pcmk, hb].find((c) => c.lvs.length);
    if (withLvs)
      await expect(renderFile('ldirectord/ldirectord.cf.hbs', ldirectordView(withLvs))).toMatchFileSnapshot(golden('ldirectord.cf'));
  });
  it('haresources: an LVS virtual address is brought up before ldirectord, once, and not without IPVS', () => {
    const line = (c: typeof hb, ipvs: boolean) =>
      renderFile('heartbeat/haresources.hbs', haresourcesView(c, true, ipvs)).split('\n')[1] ?? '';
    expect(line(hb, true)).toMatch(/IPaddr2::172\.16\.5\.200\/24\/eth1 drbddisk::r0 .* ldirectord::ldirectord\.cf /);
    expect(line(hb, false)).not.toMatch(/172\.16\.5\.200|ldirectord/);
    // an LVS service on a floating IP already held by the cluster is not added twice
    const shared = { ...hb, lvs: hb.lvs.map((l) => ({ ...l, address: hb.floatingIps[0]!.address })) };
    expect(line(shared, true).match(/IPaddr2::/g)).toHaveLength(1);
  });
  it('heartbeat twins install the hypervisor tools of their guests', () => {
    expect(stackPackages(hb, hb.master)).toEqual(expect.arrayContaining(['heartbeat', 'drbd-utils', 'ldirectord', 'xen-utils']));
    expect(stackPackages(hb, hb.arbitrator!)).toEqual([]);
  });
  it('ha.cf lists the peer, not itself, and the arbitrator as ping node', () => {
    const out = renderFile('heartbeat/ha.cf.hbs', haCfView(hb, hb.master.name, '/usr/lib/heartbeat/ipfail'));
    expect(out).toContain(`ucast ${hb.interface} ${hb.slave.address}`);
    expect(out).not.toContain(`ucast ${hb.interface} ${hb.master.address}`);
    if (hb.arbitrator) expect(out).toContain(`ping ${hb.arbitrator.address}`);
  });
  it('ha.cf arms the watchdog of cluster.stonith.watchdog (and none without it)', () => {
    const withDog = { ...hb, stonith: { ...hb.stonith, watchdog: '/dev/watchdog' } };
    expect(renderFile('heartbeat/ha.cf.hbs', haCfView(withDog, hb.master.name, 'x'))).toMatch(/^watchdog \/dev\/watchdog$/m);
    expect(renderFile('heartbeat/ha.cf.hbs', haCfView(hb, hb.master.name, 'x'))).not.toMatch(/^watchdog /m);
  });
  it('ha.cf fences with cluster.stonith: the agent as an external plugin, parameters positional, pcmk_* left out', () => {
    const fenced = {
      ...hb,
      stonith: { enabled: true, agent: 'fence_lab', params: { ipaddr: '10.77.5.2', ipport: '1229', pcmk_reboot_action: 'off' } },
    };
    const out = renderFile('heartbeat/ha.cf.hbs', haCfView(fenced, hb.master.name, '/usr/lib/heartbeat/ipfail'));
    expect(out).toMatch(/^stonith_host \* external\/fence_lab 10\.77\.5\.2 1229$/m);
    expect(out.indexOf('stonith_host')).toBeLessThan(out.indexOf('crm no'));
    const plugin = { ...hb, stonith: { enabled: true, agent: 'external/ipmi', params: { hostname: 'slave', ipaddr: '10.0.0.9' } } };
    expect(renderFile('heartbeat/ha.cf.hbs', haCfView(plugin, hb.master.name, 'x'))).toContain(
      'stonith_host * external/ipmi slave 10.0.0.9\n',
    );
    const unfenced = { ...hb, stonith: { enabled: false } };
    expect(renderFile('heartbeat/ha.cf.hbs', haCfView(unfenced, hb.master.name, 'x'))).not.toContain('stonith_host');
  });
});
