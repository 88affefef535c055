import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { renderFile } from '../../../src/render/render.js';
import { HARESOURCES_VALIDATE, haresourcesView } from '../../../src/stack/heartbeat.js';
import { cibView } from '../../../src/stack/pacemaker.js';
import {
  heartbeatInstanceFile,
  heartbeatInstanceView,
  heartbeatKindResources,
  kindResources,
  NFS_CONF,
  nfsConfView,
} from '../../../src/stack/service-kinds.js';

const golden = (name: string) => `../../fixtures/golden/${name}`;

describe('services of kind mariadb and nfs (rendering)', async () => {
  const c = await loadInventory('test/fixtures/inventory/good-kinds.yaml');
  const [mariadb, nfs] = c.services as [(typeof c.services)[0], (typeof c.services)[0]];

  it('pacemaker: mysql in the group after the floating IP; nfsserver and one exportfs per export before it (golden)', async () => {
    const v = cibView(c, { drbd: true, serviceClass: 'systemd' });
    const xml = renderFile('pacemaker/resources.xml.hbs', v);
    await expect(xml).toMatchFileSnapshot(golden('resources-kinds.xml'));
    const order = [...xml.matchAll(/<primitive id="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      'drbd-r0',
      'fs-r0',
      'svc-nfs-kernel-server',
      'svc-nfs-kernel-server-export-1',
      'svc-nfs-kernel-server-export-2',
      'vip',
      'svc-mariadb',
    ]);
    expect(xml).toContain('<primitive id="svc-mariadb" class="ocf" provider="heartbeat" type="mysql">');
    expect(xml).toContain('<nvpair id="svc-mariadb-datadir" name="datadir" value="/srv/data/mysql"/>');
    expect(xml).toContain('<nvpair id="svc-nfs-kernel-server-nfs_shared_infodir" name="nfs_shared_infodir" value="/srv/data/nfs"/>');
    expect(xml).toContain('<nvpair id="svc-nfs-kernel-server-export-2-fsid" name="fsid" value="10"/>');
    // without DRBD the DRBD-backed services are left out, as plain ones are
    const bare = renderFile('pacemaker/resources.xml.hbs', cibView(c, { drbd: false, serviceClass: 'systemd' }));
    expect(bare).not.toMatch(/mysql|nfsserver|exportfs/);
  });

  it('the agents get only parameters their metadata lists (resource-agents 4.12)', () => {
    const known = {
      mysql: ['binary', 'client_binary', 'config', 'datadir', 'user', 'group', 'log', 'pid', 'socket', 'test_table', 'test_user'],
      nfsserver: ['nfs_init_script', 'nfsv4_only', 'nfs_no_notify', 'nfs_ip', 'nfs_shared_infodir', 'rpcpipefs_dir', 'nfs_server_scope'],
      exportfs: ['clientspec', 'options', 'directory', 'fsid', 'unlock_on_stop', 'wait_for_leasetime_on_stop', 'rmtab_backup'],
    } as Record<string, string[]>;
    known.mysql!.push('enable_creation', 'additional_parameters');
    for (const r of [...kindResources(c, mariadb), ...kindResources(c, nfs)])
      for (const p of r.params) expect(known[r.type], `${r.type} ${p.name}`).toContain(p.name);
  });

  it('a value is XML-escaped in the CIB and one quoted word in the Heartbeat instance file', () => {
    const odd = { ...mariadb, mariadb: { ...mariadb.mariadb!, datadir: `/srv/data/a'b"<c` } };
    const xml = renderFile('pacemaker/resources.xml.hbs', cibView({ ...c, services: [odd] }, { drbd: true, serviceClass: 'systemd' }));
    expect(xml).toContain('value="/srv/data/a&#x27;b&quot;&lt;c"');
    const [r] = heartbeatKindResources(c, odd);
    expect(renderFile('heartbeat/ocf-instance.hbs', heartbeatInstanceView(c, r!))).toContain(`OCF_RESKEY_datadir='/srv/data/a'\\''b"<c'\n`);
  });

  it('heartbeat: the agents through the OCF wrapper after the filesystem, their instance files and nfs.conf (golden)', async () => {
    await expect(renderFile('heartbeat/haresources.hbs', haresourcesView(c, true))).toMatchFileSnapshot(golden('haresources-kinds'));
    const line = renderFile('heartbeat/haresources.hbs', haresourcesView(c, true)).split('\n')[1];
    expect(line).toBe(
      'alpha IPaddr2::10.1.0.100/24/eth0 drbddisk::r0 Filesystem::/dev/drbd0::/srv/data::ext4 OCF::mysql::svc-mariadb ' +
        'OCF::nfsserver::svc-nfs-kernel-server OCF::exportfs::svc-nfs-kernel-server-export-1 OCF::exportfs::svc-nfs-kernel-server-export-2',
    );
    // the validator looks for the word before the first "::": OCF, Heartbeat's wrapper in /etc/ha.d/resource.d
    expect(HARESOURCES_VALIDATE).toContain('split($i, r, "::")');
    const files = heartbeatKindResources(c, nfs).map((r) => heartbeatInstanceFile(r));
    expect(files).toEqual([
      '/etc/ha.d/conf/OCF/nfsserver/svc-nfs-kernel-server',
      '/etc/ha.d/conf/OCF/exportfs/svc-nfs-kernel-server-export-1',
      '/etc/ha.d/conf/OCF/exportfs/svc-nfs-kernel-server-export-2',
    ]);
    const [mysql] = heartbeatKindResources(c, mariadb);
    await expect(renderFile('heartbeat/ocf-instance.hbs', heartbeatInstanceView(c, mysql!))).toMatchFileSnapshot(golden('ocf-mysql'));
    const exp = heartbeatKindResources(c, nfs)[2]!;
    await expect(renderFile('heartbeat/ocf-instance.hbs', heartbeatInstanceView(c, exp))).toMatchFileSnapshot(golden('ocf-exportfs'));
    expect(NFS_CONF).toBe('/etc/nfs.conf.d/hactl.conf');
    await expect(renderFile('nfs/hactl.conf.hbs', nfsConfView(c)!)).toMatchFileSnapshot(golden('nfs-hactl.conf'));
    expect(nfsConfView({ ...c, services: [mariadb] })).toBeUndefined();
  });
});
