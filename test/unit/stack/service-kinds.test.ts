import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { renderFile } from '../../../src/render/render.js';
import { HARESOURCES_VALIDATE, haresourcesView } from '../../../src/stack/heartbeat.js';
import { cibView, settleSeconds } from '../../../src/stack/pacemaker.js';
import {
  freshDirs,
  HACTL_OCF,
  heartbeatInstanceFile,
  heartbeatInstanceView,
  heartbeatKindResources,
  kindResources,
  localDataDirs,
  NFS_CONF,
  nfsConfView,
  seedDirsCommand,
} from '../../../src/stack/service-kinds.js';

const golden = (name: string) => `../../fixtures/golden/${name}`;

// With Pacemaker's tools at hand (HACTL_PCMK_ROOT: an extracted pacemaker-cli-utils and its
// libraries, as in cib.test.ts), crm_verify judges the rendered resources and constraints.
const root = process.env.HACTL_PCMK_ROOT;
const realCrmVerify = Boolean(root && existsSync(join(root, 'usr/sbin/crm_verify')));
function crmVerify(resources: string, constraints: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-kinds-cib-'));
  const file = join(dir, 'cib.xml');
  const cib =
    '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n' +
    '<configuration><crm_config><cluster_property_set id="o"><nvpair id="o-se" name="stonith-enabled" value="false"/>' +
    `</cluster_property_set></crm_config><nodes/>\n${resources}${constraints}</configuration><status/>\n</cib>\n`;
  writeFileSync(file, cib);
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: `${root}/usr/lib/x86_64-linux-gnu:${root}/usr/lib`,
    PCMK_schema_directory: `${root}/usr/share/pacemaker`,
  };
  return spawnSync(`${root}/usr/sbin/crm_verify`, ['-V', '-x', file], { env, encoding: 'utf8' });
}

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

  it.skipIf(!realCrmVerify)('crm_verify (Pacemaker 2.1.5) accepts the rendered resources and constraints', () => {
    const v = cibView(c, { drbd: true, serviceClass: 'systemd' });
    const r = crmVerify(renderFile('pacemaker/resources.xml.hbs', v), renderFile('pacemaker/constraints.xml.hbs', v));
    expect(r.status, r.stderr).toBe(0);
    const bad = crmVerify(renderFile('pacemaker/resources.xml.hbs', v).replace('type="exportfs"', 'type="exportfs" bogus="1"'), '');
    expect(bad.stderr).toMatch(/Relax-NG validity error/);
  });

  it("bootstrap waits for the group's start timeouts added up (a fresh datadir's first start runs mysql_install_db), at least 180 s", () => {
    // mysql 120 + nfsserver 60 + two exportfs 60 each
    expect(settleSeconds(c)).toBe(300);
    expect(settleSeconds({ ...c, vars: { ...c.vars, op_timeout_factor: 3 } })).toBe(900);
    expect(settleSeconds({ ...c, services: [{ ...mariadb, kind: undefined, mariadb: undefined }] })).toBe(180);
  });

  it('a fresh DRBD filesystem gets the datadir and export directories; a datadir off DRBD is made on the twins before the cluster mounts it (initial sync)', () => {
    const r0 = c.drbd[0]!;
    expect(freshDirs(c, r0)).toEqual(['mysql', 'export', 'public']);
    expect(freshDirs({ services: [nfs] }, { name: 'r1', filesystem: r0.filesystem })).toEqual([]);
    expect(localDataDirs(c)).toEqual([]);
    expect(localDataDirs({ services: [{ ...mariadb, drbd: undefined } as typeof mariadb] })).toEqual(['/srv/data/mysql']);
    expect(seedDirsCommand(r0.device, 'ext4', ['export', 'public'])).toBe(
      '{ d=$(mktemp -d) && mount -t ext4 -- /dev/drbd0 "$d" && { mkdir -p -- "$d"/export "$d"/public; rc=$?; umount "$d"; rmdir "$d"; ' +
        '[ $rc -eq 0 ]; }; }',
    );
    expect(seedDirsCommand('/dev/drbd0', 'ext4', ["a'b"])).toContain(`"$d"/'a'\\''b'`);
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

  it('heartbeat: hactl-ocf runs the agent with the instance file, and answers status as ResourceManager reads it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-ocf-'));
    const r = heartbeatKindResources(c, nfs)[2]!;
    mkdirSync(join(dir, 'agents'));
    mkdirSync(join(dir, 'conf/exportfs'), { recursive: true });
    writeFileSync(join(dir, 'conf/exportfs', r.id), renderFile('heartbeat/ocf-instance.hbs', heartbeatInstanceView(c, r)));
    // the agent stand-in: prints what it was given; its monitor says "not running" (7) while $dir/down exists
    const agent = [
      '#!/bin/sh',
      `[ "$1" = monitor ] && [ -e ${dir}/down ] && exit 7`,
      'echo "$1 $OCF_ROOT $OCF_RESOURCE_INSTANCE $OCF_RESKEY_directory $OCF_RESKEY_clientspec $OCF_RESKEY_fsid $OCF_RESKEY_options"',
    ].join('\n');
    writeFileSync(join(dir, 'agents/exportfs'), `${agent}\n`, { mode: 0o755 });
    const script = renderFile('heartbeat/hactl-ocf.hbs', { cluster_name: c.name })
      .replace('script=/usr/lib/ocf/resource.d/heartbeat/', `script=${dir}/agents/`)
      .replace('params=/etc/ha.d/conf/OCF/', `params=${dir}/conf/`);
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    writeFileSync(join(dir, 'hactl-ocf'), script, { mode: 0o755 });
    const run = (...args: string[]) => spawnSync(join(dir, 'hactl-ocf'), args, { encoding: 'utf8', cwd: dir });
    const [, agentName, id] = r.haresource.split('::');
    expect(run(agentName!, id!, 'start').stdout).toBe(
      `start /usr/lib/ocf ${id} /srv/data/public * 10 ro,sync,no_subtree_check,all_squash\n`,
    );
    expect(run(agentName!, id!, 'status')).toMatchObject({ status: 0, stdout: `exportfs ${id} running\n` });
    writeFileSync(join(dir, 'down'), '');
    expect(run(agentName!, id!, 'status')).toMatchObject({ status: 3, stdout: `exportfs ${id} not running\n` });
    expect(run('exportfs', '../../etc/passwd', 'start')).toMatchObject({ status: 1, stderr: expect.stringContaining('bad agent') });
    expect(run('exportfs', 'missing', 'start')).toMatchObject({ status: 6 });
  });

  it('heartbeat: the agents through hactl-ocf after the filesystem, their instance files and nfs.conf (golden)', async () => {
    await expect(renderFile('heartbeat/haresources.hbs', haresourcesView(c, true))).toMatchFileSnapshot(golden('haresources-kinds'));
    const line = renderFile('heartbeat/haresources.hbs', haresourcesView(c, true)).split('\n')[1];
    expect(line).toBe(
      'alpha IPaddr2::10.1.0.100/24/eth0 drbddisk::r0 Filesystem::/dev/drbd0::/srv/data::ext4 hactl-ocf::mysql::svc-mariadb ' +
        'hactl-ocf::nfsserver::svc-nfs-kernel-server hactl-ocf::exportfs::svc-nfs-kernel-server-export-1 ' +
        'hactl-ocf::exportfs::svc-nfs-kernel-server-export-2',
    );
    // the validator looks for the word before the first "::": hactl-ocf, written to /etc/ha.d/resource.d first
    expect(HARESOURCES_VALIDATE).toContain('split($i, r, "::")');
    expect(HACTL_OCF).toBe('/etc/ha.d/resource.d/hactl-ocf');
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
