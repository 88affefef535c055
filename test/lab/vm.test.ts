import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { probe } from '../../src/checks/http.js';
import type { GuestModel } from '../../src/inventory/model.js';
import { anyLabStatus } from '../../src/lab/dispatch.js';
import { labExec } from '../../src/lab/index.js';
import { VM_NET } from '../../src/lab/vm/constants.js';
import type { VmImage } from '../../src/lab/vm/image.js';
import { vmPaths } from '../../src/lab/vm/paths.js';
import { qemuArgs } from '../../src/lab/vm/qemu.js';
import type { VmLabState, VmNode } from '../../src/lab/vm/state.js';
import { vmInventoryText } from '../../src/lab/vm/up.js';
import { guestValidate } from '../../src/stack/guests.js';
import { eventually, hactl, ipOut, labAddresses, ssh as labSsh, running, vmLabMissing } from './helpers.js';
import {
  type RealServer,
  realServers,
  removeRealServers,
  startHttp,
  startProber,
  startRealServers,
  stopHttp,
  stopProber,
} from './realservers.js';
import * as storage from './storage-clients.js';

// The VM lab: three Debian VMs under qemu (TCG here), for DRBD and IPVS, which the
// namespace lab's shared kernel lacks. Needs root and qemu; elsewhere these tests skip,
// in CI they must run. One boot serves the lab tests and then the cluster on it
// (bootstrap with DRBD, failover-test poweroff with a data check).
const missing = vmLabMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the VM lab tests: ${missing}`);

const STATE = '/tmp/hactl-vm-test';
const VM_CLUSTER = process.env.CI === 'true' || process.env.HACTL_VM_CLUSTER !== '0';
const NODES = ['master', 'slave', 'arbitrator'];
// emulated sshd can take many seconds to answer on a busy machine; 3 s (the namespace lab's) is too short
const ssh = (dir: string, node: string, command: string) => labSsh(dir, node, command, 300_000, 60);
const pingFrom = (dir: string, from: string, target: string) => ssh(dir, from, `ping -c1 -W2 ${target} >/dev/null 2>&1`).status;
const LVS_VIP = VM_NET.address(200);
/** The storage tier's export and MariaDB's socket (both stacks' VM labs). */
const EXPORT = '/srv/data/export';
const MARIADB_SOCKET = '/run/mysqld/mysqld.sock';
/** The storage tier's services in an inventory: MariaDB and an NFS export on DRBD r0 (lease and grace 10 s). */
function addStorageKinds(doc: ReturnType<typeof parseDocument>): void {
  doc.addIn(['services'], doc.createNode({ name: 'mariadb', kind: 'mariadb', drbd: 'r0' }));
  doc.addIn(
    ['services'],
    doc.createNode({
      name: 'nfs-kernel-server',
      kind: 'nfs',
      drbd: 'r0',
      lease_time: 10,
      grace_time: 10,
      exports: [{ path: EXPORT, clients: VM_NET.network }],
    }),
  );
}
/** The lab's DRBD disk is 256 MiB: InnoDB's redo log at 8 MiB (Debian's default is 96 MiB), written on each twin before mariadb joins. */
const SMALL_REDO_LOG = "printf '[mysqld]\\ninnodb_log_file_size = 8M\\n' > /etc/mysql/mariadb.conf.d/90-hactl-lab.cnf";
/** who answered `n` requests through the LVS virtual IP (failed requests count as "error") */
const through = async (n: number): Promise<Record<string, number>> => {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await probe(LVS_VIP, 80, '/', 5000);
    const who = /real server (\S+)/.exec(r.body ?? '')?.[1] ?? `error ${r.error ?? r.status}`;
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
};
/** The LVS service of both stacks' VM clusters: HTTP checks every 2 s, in front of `servers`. */
const lvsService = (servers: RealServer[], persistent?: number) => ({
  name: 'web',
  virtual: `${LVS_VIP}:80`,
  scheduler: 'rr',
  forwarding: 'gate',
  ...(persistent ? { persistent } : {}),
  real_servers: servers.map((rs) => `${rs.address}:80`),
  check: { type: 'http', path: '/', expect: 'real server', interval: 2, timeout: 2 },
});

describe('VM lab files', () => {
  const node = (name: string, dataDisk: boolean): VmNode => ({
    name,
    address: '10.78.0.11',
    mac: '52:54:00:78:00:0b',
    role: 'master',
    tap: `t-${name}`,
    dataDisk,
    cut: false,
  });
  const image: VmImage = { dir: '/img', root: '/img/root.img', kernel: '/img/vmlinuz', initrd: '/img/initrd.img', repo: '/img/repo' };

  it('writes an inventory with DRBD r0 on /dev/vdb holding apache2, VIP 10.78.0.100, slow-node timing and a data check', () => {
    const paths = vmPaths('/tmp/somewhere');
    const inv = parse(vmInventoryText(paths, paths.inventory, 'pacemaker', [node('master', true)]));
    expect(inv.cluster.timing).toEqual({ token: 3000, monitor_interval: 20 });
    expect(inv.vars.op_timeout_factor).toBe(3);
    expect(inv.vars.failover).toMatchObject({
      timeout_factor: 3,
      data_write: expect.stringContaining('/srv/data/'),
      data_check: expect.stringContaining('sha256sum'),
    });
    expect(inv.cluster).toMatchObject({ network: '10.78.0.0/24', floating_ips: ['10.78.0.100/24'], interface: 'eth0' });
    expect(inv.drbd).toEqual([{ name: 'r0', device: '/dev/drbd0', disk: '/dev/vdb', filesystem: { type: 'ext4', mount: '/srv/data' } }]);
    expect(inv.services[0]).toMatchObject({ name: 'apache2', drbd: 'r0' });
  });

  it('gives twins a data disk, passes the identity through fw_cfg, picks the accelerator', () => {
    const files = vmPaths('/s').vm('slave');
    const twin = qemuArgs({ accel: 'tcg', memoryMiB: 1024 }, image, node('slave', true), files).join(' ');
    expect(twin).toContain('-accel tcg,thread=single,tb-size=256 -cpu max');
    expect(twin).toContain(`file=${files.data},if=virtio,format=raw`);
    expect(twin).toContain(`file=${files.guestData},if=virtio,format=raw`);
    expect(twin).toContain(`name=opt/hactl/ssh_host_ed25519_key,file=${files.identity}/ssh_host_ed25519_key`);
    expect(twin).toContain('ifname=t-slave');
    const arb = qemuArgs({ accel: 'kvm', memoryMiB: 512 }, image, node('arbitrator', false), vmPaths('/s').vm('arbitrator')).join(' ');
    expect(arb).toContain('-accel kvm -cpu host');
    expect(arb).not.toContain('data.img');
  });
});

describe.skipIf(Boolean(missing))(`hactl lab up --vm (qemu VMs)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const readState = (): VmLabState => JSON.parse(readFileSync(join(STATE, 'state.json'), 'utf8')) as VmLabState;
  const on = (node: string, command: string): string => {
    const r = ssh(STATE, node, command);
    expect(r.status, `${node}: ${command}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(() => {
    const t0 = Date.now();
    // --recreate only over our own leftovers: another VM lab on this machine is not ours to remove
    const own = existsSync(join(STATE, 'state.json'));
    // --backplane: a second network (eth1 on br1), corosync link 0 and DRBD's replication on it (issue #20)
    const r = hactl(['lab', 'up', '--vm', '--backplane', ...(own ? ['--recreate'] : []), '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    console.log(`lab up --vm --backplane: ${((Date.now() - t0) / 1000).toFixed(1)}s\n${r.stderr}${r.stdout}`);
  });

  // LVS on Pacemaker (issue #21): two real servers (netns on the VM bridge) behind the director
  // VIP, for the storage tier's tests below; removed before the lab goes down
  const servers = realServers(2);
  afterAll(() => {
    removeRealServers(servers);
    if (existsSync(join(STATE, 'state.json'))) hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('every VM answers ssh with its own name, host keys checked strictly', () => {
    expect(readFileSync(join(STATE, 'ssh_config'), 'utf8')).toMatch(/StrictHostKeyChecking yes/);
    const keys = readFileSync(join(STATE, 'known_hosts'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[2]);
    expect(new Set(keys).size).toBe(NODES.length); // a key of its own per VM
    for (const n of NODES) expect(on(n, 'uname -n').trim()).toBe(n);
  });

  it('twins have /dev/vdb and /dev/vdc and a loadable DRBD; the arbitrator has no data disk', () => {
    for (const twin of ['master', 'slave']) {
      expect(on(twin, 'blockdev --getsize64 /dev/vdb /dev/vdc').trim().split('\n')).toEqual([
        String(256 * 1024 * 1024),
        String(64 * 1024 * 1024),
      ]);
      expect(on(twin, 'modprobe drbd && cat /proc/drbd')).toMatch(/^version: 8\.4\./m);
    }
    expect(ssh(STATE, 'arbitrator', 'test -e /dev/vdb').status).not.toBe(0);
  });

  it('IPVS: ip_vs loads and ipvsadm lists the (empty) table', () => {
    expect(on('master', 'modprobe ip_vs && ipvsadm -Ln')).toMatch(/IP Virtual Server version/);
  });

  it('sbd is in the image but disabled: corosync does not require it until bootstrap configures it', () => {
    expect(on('master', "dpkg-query -W -f='${Status}' sbd; echo; systemctl is-enabled sbd || true").split('\n')).toEqual([
      'install ok installed',
      'disabled',
      '',
    ]);
  });

  it('apt inside a VM uses the lab repo on the bridge', () => {
    expect(on('arbitrator', 'apt-get update -q 2>&1')).toContain(labAddresses(STATE).bridge);
  });

  it('status, exec and the inventory agree with the running VMs', async () => {
    const status = await anyLabStatus({ stateDir: STATE });
    expect(status.up).toBe(true);
    expect(status.nodes.map((n) => [n.name, n.running])).toEqual(NODES.map((n) => [n, true]));
    const r = hactl(['lab', 'exec', 'slave', '--state-dir', STATE, '--', 'sh', '-c', 'cat /etc/hostname; exit 3']);
    expect([r.stdout.trim(), r.status]).toEqual(['slave', 3]);
    const inv = parse(readFileSync(join(STATE, 'inventory.yaml'), 'utf8'));
    expect(inv.nodes.map((n: { address: string }) => n.address)).toEqual(NODES.map((n) => labAddresses(STATE).nodes[n]));
    // the namespace lab's functions refuse a VM lab's state instead of misreading it
    await expect(labExec('slave', ['true'], { stateDir: STATE })).rejects.toThrow(/holds a VM lab/);
  });

  it('cut isolates a VM, uncut plugs it back', async () => {
    const slave = labAddresses(STATE).nodes.slave ?? '';
    expect(hactl(['lab', 'cut', 'slave', '--state-dir', STATE]).status).toBe(0);
    expect(pingFrom(STATE, 'master', slave)).not.toBe(0);
    expect(hactl(['lab', 'uncut', 'slave', '--state-dir', STATE]).status).toBe(0);
    expect(await eventually(() => pingFrom(STATE, 'master', slave) === 0, 10_000)).toBe(true);
  });

  it('poweroff of a VM is seen from another; boot brings it back on its kept disks', () => {
    const slave = labAddresses(STATE).nodes.slave ?? '';
    on('slave', 'echo kept > /root/before-poweroff && dd if=/dev/urandom of=/dev/vdb bs=1M count=1 conv=fsync status=none && sync');
    const sum = on('slave', 'head -c 1048576 /dev/vdb | sha256sum');
    expect(hactl(['lab', 'poweroff', 'slave', '--state-dir', STATE]).status).toBe(0);
    expect(pingFrom(STATE, 'master', slave)).not.toBe(0);
    const t0 = Date.now();
    const r = hactl(['lab', 'boot', 'slave', '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    console.log(`boot of one VM: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(on('master', `ping -c1 -W2 ${slave} >/dev/null && echo up`).trim()).toBe('up');
    expect(on('slave', 'uname -n; cat /root/before-poweroff').split('\n').slice(0, 2)).toEqual(['slave', 'kept']);
    expect(on('slave', 'head -c 1048576 /dev/vdb | sha256sum')).toBe(sum);
  });

  // The cluster on the VMs: DRBD for real (the namespace lab has no DRBD), then a hard
  // power-off of the master with data written just before it, checked on the survivor.
  // Under TCG on a 2-core machine this file takes ~17 min on a quiet machine (both
  // stacks); HACTL_VM_CLUSTER=0 skips the cluster parts on a user's run, never in CI.
  const cluster = VM_CLUSTER ? it : it.skip;
  /**
   * The same data on both twins: the DRBD device on the master (frozen for the read) and
   * the slave's backing disk over the same length (internal metadata sits at its end).
   */
  const twinSums = (primary: 'master' | 'slave' = 'master'): { size: string; sums: string[] } => {
    const secondary = primary === 'master' ? 'slave' : 'master';
    const size = on(primary, 'blockdev --getsize64 /dev/drbd0').trim();
    try {
      on(primary, 'sync && fsfreeze -f /srv/data');
      const sums = [`${primary}:/dev/drbd0`, `${secondary}:/dev/vdb`].map((at) => {
        const [node, dev] = at.split(':') as [string, string];
        // O_DIRECT: the secondary's page cache of /dev/vdb may still hold what was read before
        // DRBD wrote the synced blocks under it (DRBD keeps the disk open: never dropped)
        return on(node, `dd if=${dev} iflag=direct,count_bytes bs=1M count=${size} status=none | sha256sum`).split(' ')[0]!;
      });
      return { size, sums };
    } finally {
      ssh(STATE, primary, 'fsfreeze -u /srv/data');
    }
  };
  cluster(
    'bootstrap: DRBD create-md, initial sync with progress, promotable clone, Filesystem on the master, apache2 and the VIP; arbitrator holds no data',
    () => {
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', join(STATE, 'inventory.yaml')], 1_500_000);
      const out = r.stdout + r.stderr;
      console.log(
        `bootstrap on the VM lab: ${((Date.now() - t0) / 1000).toFixed(1)}s; ${/both sides UpToDate [\d.]+s after the initial sync started/.exec(out)?.[0] ?? 'no sync line'}`,
      );
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/create DRBD metadata for r0/);
      // progress lines while the sync runs; a 256 MiB sync can finish during mkfs (it overlaps), then only the end is shown
      expect(out).toMatch(/DRBD r0 initial sync: [\d.]+%|DRBD r0: both sides UpToDate/);
      expect(out).toMatch(/smoke checks passed/);
      expect(on('master', 'findmnt -n -o SOURCE /srv/data').trim()).toBe('/dev/drbd0');
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/);
      expect(on('slave', 'cat /proc/drbd')).toMatch(/ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
      expect(on('master', 'crm_mon -1 -r')).toMatch(
        /Promoted: \[ master \][\s\S]*fs-r0\s.*Started master[\s\S]*vip\s.*Started master[\s\S]*svc-apache2\s.*Started master/,
      );
      // the arbitrator votes only: no DRBD resource, no data disk, nothing mounted
      expect(on('arbitrator', 'ls /etc/drbd.d; findmnt -n /srv/data || echo no-mount; test -e /dev/vdb || echo no-disk')).toMatch(
        /^global_common\.conf\nno-mount\nno-disk\n$/,
      );
    },
    1_500_000,
  );

  cluster(
    'a second bootstrap changes nothing',
    () => {
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', join(STATE, 'inventory.yaml')], 900_000);
      console.log(`second bootstrap: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/bootstrap: no changes/);
    },
    900_000,
  );

  // DRBD data safety: every destructive step is decided from DRBD's and the disk's own state
  cluster(
    'a backing disk that holds a filesystem and no DRBD metadata is refused before any change; the filesystem is intact',
    () => {
      on(
        'master',
        'mkfs.ext4 -q -F /dev/vdc && mkdir -p /mnt/precious && mount /dev/vdc /mnt/precious && echo precious > /mnt/precious/f && umount /mnt/precious',
      );
      const doc = parseDocument(readFileSync(join(STATE, 'inventory.yaml'), 'utf8'));
      doc.addIn(['drbd'], doc.createNode({ name: 'r1', device: '/dev/drbd1', disk: '/dev/vdc' }));
      const inv = join(STATE, 'with-r1.yaml');
      writeFileSync(inv, doc.toString());
      const r = hactl(['bootstrap', '-i', inv, '--no-smoke'], 900_000);
      const out = r.stdout + r.stderr;
      console.log(
        `bootstrap over an ext4 disk: exit ${r.status}\n${out
          .split('\n')
          .filter((l) => /refus|holds|DRBD/.test(l))
          .join('\n')}`,
      );
      expect(r.status, out).toBe(1);
      expect(out).toMatch(/master: \/dev\/vdc \(DRBD r1\) holds ext4 and no DRBD metadata: refusing to create metadata over it/);
      expect(out).toMatch(/initialize: wipe/);
      // refused before any DRBD change: no resource file, no metadata, the filesystem and its file intact
      expect(ssh(STATE, 'master', 'test -e /etc/drbd.d/r1.res').status).not.toBe(0);
      expect(on('master', 'wipefs --noheadings --output TYPE /dev/vdc').trim()).toBe('ext4');
      expect(on('master', 'mount -o ro /dev/vdc /mnt/precious && cat /mnt/precious/f; umount /mnt/precious').trim()).toBe('precious');
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/);
      on('master', 'wipefs -q -a /dev/vdc');
    },
    900_000,
  );

  cluster(
    'roots reinstalled on kept data disks (markers gone, DRBD down): bootstrap keeps the metadata and the data',
    () => {
      on(
        'master',
        'dd if=/dev/urandom of=/srv/data/keep.bin bs=1M count=4 status=none && sha256sum /srv/data/keep.bin > /root/keep.sha256 && sync',
      );
      // as after reinstalling both twins' roots: the cluster stack stopped, DRBD down, hactl's state gone
      for (const twin of ['slave', 'master']) on(twin, 'systemctl stop pacemaker corosync && drbdadm down all; rm -rf /var/lib/hactl');
      expect(on('master', 'cat /proc/drbd')).not.toMatch(/^ *0: cs:/m);
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', join(STATE, 'inventory.yaml')], 1_500_000);
      const out = r.stdout + r.stderr;
      console.log(
        `bootstrap over kept DRBD disks: ${((Date.now() - t0) / 1000).toFixed(1)}s\n${out
          .split('\n')
          .filter((l) => /DRBD|drbd/.test(l))
          .join('\n')}`,
      );
      expect(r.status, out).toBe(0);
      // the task names of the destructive steps (the phase header "drbd initial sync" and "no initial sync" are not)
      expect(out).not.toMatch(/create DRBD metadata|DRBD r0: initial sync|mkfs\./);
      expect(out).toMatch(/master: \/dev\/vdb has DRBD metadata for r0( \(with [^)]*\))?: kept, no create-md/);
      expect(out).toMatch(/slave: \/dev\/vdb has DRBD metadata for r0\b.*: kept, no create-md/);
      expect(out).toMatch(/DRBD r0: master and slave UpToDate, no initial sync|DRBD r0: (master|slave) UpToDate, no initial sync/);
      expect(out).toMatch(/smoke checks passed/);
      expect(on('master', 'sha256sum --quiet -c /root/keep.sha256 && echo same').trim()).toBe('same');
    },
    1_500_000,
  );

  // a twin's replacement: the current Primary is refused; a blank slave is synced in full
  // from the master while the master serves (the failover test below then lands on it)
  const addressOf = (node: string): string =>
    (parse(readFileSync(join(STATE, 'inventory.yaml'), 'utf8')).nodes as Array<{ name: string; address: string }>).find(
      (n) => n.name === node,
    )!.address;
  cluster(
    'add-node --replace of the current Primary is refused and changes nothing',
    () => {
      const inv = join(STATE, 'inventory.yaml');
      const before = readFileSync(inv, 'utf8');
      const r = hactl(['add-node', 'master', '--replace', 'master', '--address', addressOf('master'), '-i', inv], 600_000);
      const out = r.stdout + r.stderr;
      console.log(
        `add-node --replace master: exit ${r.status}\n${out
          .split('\n')
          .filter((l) => /Primary|switch|refus/.test(l))
          .join('\n')}`,
      );
      expect(r.status, out).toBe(1);
      expect(out).toMatch(/master is Primary of DRBD r0 \(it serves the data slave replicates\): it is not replaced in place/);
      expect(out).toMatch(/switch over first, so that slave serves: `crm_resource --move -r ha-services -N slave/);
      expect(readFileSync(inv, 'utf8')).toBe(before);
      expect(existsSync(`${inv}.hactl-bak`)).toBe(false);
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/);
    },
    600_000,
  );

  cluster(
    'add-node --replace of a blank slave: full resync from the master while it serves, 0 failed probes, the same data on both twins',
    () => {
      const inv = join(STATE, 'inventory.yaml');
      // a new machine under the old name: stack stopped, DRBD down, the data disk blank,
      // hactl's, corosync's and pacemaker's state gone (packages and host keys kept)
      on(
        'slave',
        'systemctl stop pacemaker corosync; drbdadm down all; wipefs -q -a /dev/vdb && dd if=/dev/zero of=/dev/vdb bs=1M count=16 status=none && ' +
          'rm -rf /var/lib/hactl /etc/drbd.d/r0.res /etc/corosync/corosync.conf /etc/corosync/authkey /var/lib/pacemaker/cib/*',
      );
      expect(on('slave', 'wipefs --noheadings /dev/vdb').trim()).toBe('');
      expect(on('master', 'cat /proc/drbd')).toMatch(/ro:Primary\/Unknown ds:UpToDate\/DUnknown/);
      const t0 = Date.now();
      const r = hactl(['add-node', 'slave', '--replace', 'slave', '--address', addressOf('slave'), '-i', inv], 1_500_000);
      const out = r.stdout + r.stderr;
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(
        `add-node --replace slave on the VM lab: ${secs}s\n${out
          .split('\n')
          .filter((l) => /DRBD|drbd|prober|joined|replac/.test(l))
          .join('\n')}`,
      );
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/master is Primary with UpToDate data for r0: slave's replacement syncs from it/);
      expect(out).toMatch(/slave: \/dev\/vdb is blank: creating DRBD metadata for r0/);
      expect(out).not.toMatch(/DRBD r0: initial sync|mkfs\./);
      expect(out).toMatch(/DRBD r0 UpToDate on both twins [\d.]+s after bootstrap/);
      expect(out).toMatch(/prober on [\d.]+: \d+ probes, 0 failed/);
      expect(out).toMatch(/smoke checks passed/);
      expect(on('master', 'crm_mon -1 -r')).toMatch(/Promoted: \[ master \][\s\S]*Unpromoted: \[ slave \]/);
      // the same data on both twins: the DRBD device on the master (frozen for the read) and
      // the slave's backing disk over the same length (internal metadata sits at its end)
      expect(on('master', 'sha256sum --quiet -c /root/keep.sha256 && echo same').trim()).toBe('same');
      const { size, sums } = twinSums();
      console.log(`data after the replacement: ${size} bytes, sha256 ${sums.join(' / ')}`);
      expect(sums[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(sums[1]).toBe(sums[0]);
    },
    1_500_000,
  );

  // issue #18 on real kernels: fencing switched on in a cluster with history. Diskless SBD
  // (softdog inside each VM: their own kernels) with the arbitrator's vote, and DRBD's
  // `fencing resource-and-stonith` with the crm-fence-peer handlers. The power-off, the
  // rolling upgrade and the fault scenarios below all run with it.
  cluster(
    'fencing switched on: diskless SBD with softdog on every voter, stonith-watchdog-timeout set, DRBD fencing over the backplane',
    () => {
      const inv = join(STATE, 'inventory.yaml');
      const doc = parseDocument(readFileSync(inv, 'utf8'));
      doc.setIn(['cluster', 'stonith'], doc.createNode({ enabled: true, sbd: { watchdog_timeout: 10 } }));
      writeFileSync(inv, doc.toString());
      // sbd starts with corosync (RequiredBy): as in a maintenance window, the stack goes down on every node first
      for (const n of ['slave', 'master', 'arbitrator']) on(n, 'systemctl stop pacemaker corosync');
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', inv], 1_500_000);
      const out = r.stdout + r.stderr;
      console.log(
        `bootstrap with SBD on the VM lab: ${((Date.now() - t0) / 1000).toFixed(1)}s\n${out
          .split('\n')
          .filter((l) => /sbd|softdog|watchdog|fenc|STONITH/i.test(l))
          .join('\n')}`,
      );
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/no hardware watchdog on master: loaded softdog/);
      expect(out).not.toMatch(/this cluster runs WITHOUT FENCING/);
      expect(out).toMatch(/smoke checks passed/);
      for (const n of NODES) expect(on(n, 'systemctl is-active sbd').trim(), n).toBe('active');
      expect(on('master', 'crm_attribute -t crm_config -n stonith-watchdog-timeout -G -q').trim()).toMatch(/^[1-9]\d*s?$/);
      expect(on('master', 'crm_attribute -t crm_config -n stonith-enabled -G -q').trim()).toBe('true');
      // DRBD: fencing on, the peers' addresses on the backplane (eth1, 10.79.78.0/24)
      const show = on('master', 'drbdsetup show r0');
      expect(show).toMatch(/fencing\s+resource-and-stonith/);
      expect(show).toMatch(/address\s+ipv4 10\.79\.78\.\d+:7788/);
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/);
      expect(on('master', 'crm_mon -1 -r')).toMatch(/Promoted: \[ master \][\s\S]*vip\s.*Started master/);
    },
    1_500_000,
  );

  /** The inventory with `vars.failover.move_back: false` (each scenario leaves the service where it moved). */
  const noMoveBack = (): string => {
    const inv = join(STATE, 'inventory-no-move-back.yaml');
    const doc = parseDocument(readFileSync(join(STATE, 'inventory.yaml'), 'utf8'));
    doc.setIn(['vars', 'failover', 'move_back'], false);
    writeFileSync(inv, doc.toString());
    return inv;
  };
  /** `failover-test -s poweroff` without the move back, and its report's row */
  const poweroff = () => {
    const r = hactl(['failover-test', '-i', noMoveBack(), '--scenario', 'poweroff', '--yes', '--budget', '240'], 1_500_000);
    const row = r.stdout.split('\n').find((l) => l.startsWith('poweroff ')) ?? '';
    const [, target, detection, downtime, , ended, restored, verdict] =
      /^poweroff\s+(\S+)\s+(\S+(?: s)?)\s+(\S+(?: s)?)\s+(\S+(?: s)?)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(row) ?? [];
    return { r, target, detection, downtime, ended, restored, verdict };
  };
  cluster(
    'failover-test poweroff: the slave takes over, the data written before the power-off is intact, DRBD resyncs',
    () => {
      const t0 = Date.now();
      // text report (--json holds every probe: megabytes on a slow run). --budget: the verdict
      // judges the move, the data and the restore; the TCG downtime is printed, not judged
      // without the move back (vars.failover.move_back: false): the same switchover as the rolling
      // upgrade's below (~85 s under TCG); the service stays on the slave, where that upgrade starts
      const { r, target, detection, downtime, ended, restored, verdict } = poweroff();
      console.log(
        `failover-test poweroff on the VM lab: downtime ${downtime}, detection ${detection}, ended on ${ended}, restored ${restored}, ${verdict}; whole run ${((Date.now() - t0) / 1000).toFixed(1)}s\n${r.stdout}`,
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect([target, ended, restored, verdict]).toEqual(['master', 'slave', 'yes', 'PASS']);
      expect(downtime).toMatch(/^[\d.]+ s$/);
      expect(r.stdout).toMatch(/data check: the same before the fault, on slave and after the restore/);
      // with SBD the lost master is fenced (its watchdog's reset, recorded once stonith-watchdog-timeout passed)
      expect(r.stdout).toMatch(/fenced: \S+ → master \(/);
      // restored: the master back as the slave's peer, DRBD resynced, the service where it moved
      expect(on('slave', 'findmnt -n -o SOURCE /srv/data').trim()).toBe('/dev/drbd0');
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
      expect(on('slave', 'sha256sum --quiet -c /srv/data/hactl-failover.bin.sha256 && echo ok').trim()).toBe('ok');
    },
    1_500_000,
  );

  // issue #19 on real kernels: a rolling upgrade that reboots every node, one at a time,
  // DRBD resyncing each twin's absence; the data must be the same on both twins afterwards.
  // It starts with the service on the slave (the power-off test above did not move it back):
  // the passive master first, one switchover to it, then the slave — no move back needed.
  cluster(
    'rolling-upgrade --reboot: every node rebooted and upgraded one at a time, DRBD UpToDate on both twins, the same data on both',
    () => {
      const inv = join(STATE, 'inventory.yaml');
      const canary = (): string[] => NODES.map((n) => on(n, "dpkg-query -W -f='${Version}' hactl-lab-canary").trim());
      const bootIds = (): string[] => NODES.map((n) => on(n, 'cat /proc/sys/kernel/random/boot_id').trim());
      const p0 = hactl(['lab', 'publish', '--canary', '1.0', '--state-dir', STATE]);
      expect(p0.status, p0.stderr).toBe(0);
      for (const n of NODES)
        on(
          n,
          'export DEBIAN_FRONTEND=noninteractive; apt-get -q update >/dev/null && apt-get -y -q install hactl-lab-canary >/dev/null 2>&1',
        );
      expect(canary()).toEqual(['1.0', '1.0', '1.0']);
      const p1 = hactl(['lab', 'publish', '--canary', '1.1', '--state-dir', STATE]);
      expect(p1.status, p1.stderr).toBe(0);
      // data written just before, on DRBD where it is mounted (the slave, since the power-off),
      // checked on the master at the end and block for block on both twins
      expect(on('slave', 'findmnt -n -o SOURCE /srv/data').trim()).toBe('/dev/drbd0');
      const sumLine = on(
        'slave',
        'head -c 8388608 /dev/urandom > /srv/data/before-upgrade.bin && sync && sha256sum /srv/data/before-upgrade.bin',
      ).trim();
      const boots = bootIds();
      const t0 = Date.now();
      const r = hactl(['rolling-upgrade', '-i', inv, '--packages', 'hactl-lab-canary', '--reboot', '--json'], 3_000_000);
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const doc = JSON.parse(r.stdout);
      const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `rolling-upgrade --reboot on the VM lab: ${secs}s; ${doc.steps.map((s: any) => `${s.step} ${sec(s.ms)}${s.outagesMs.length ? ` (outage ${s.outagesMs.map(sec).join('+')})` : ''}`).join(', ')}; ` +
          `downtime ${sec(doc.downtimeMs)} (${sec(doc.switchoverDowntimeMs)} in switchovers), ${doc.probes} probes\n${r.stderr
            .split('\n')
            .filter((l) => /back after|rebooting|upgraded/.test(l))
            .join('\n')}`,
      );
      expect(doc.steps.map((s: any) => s.step)).toEqual([
        'upgrade arbitrator',
        'upgrade master',
        'switchover slave → master',
        'upgrade slave',
      ]);
      expect(canary()).toEqual(['1.1', '1.1', '1.1']);
      // every node really rebooted
      bootIds().forEach((id, i) => expect(id, NODES[i]).not.toBe(boots[i]));
      expect(r.stderr).toMatch(/master: back after \d+ s/);
      expect(r.stderr).toMatch(/slave: back after \d+ s/);
      // clients saw outages only while the service moved
      expect(doc.downtimeMs).toBe(doc.switchoverDowntimeMs);
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/);
      expect(on('slave', 'cat /proc/drbd')).toMatch(/cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
      expect(on('master', 'findmnt -n -o SOURCE /srv/data').trim()).toBe('/dev/drbd0');
      expect(on('master', `echo '${sumLine}' | sha256sum --quiet -c - && echo same`).trim()).toBe('same');
      const { size, sums } = twinSums();
      console.log(`data after the rolling upgrade: ${size} bytes, sha256 ${sums.join(' / ')}`);
      expect(sums[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(sums[1]).toBe(sums[0]);
      const smoke = hactl(['smoke', '-i', inv], 600_000);
      expect(smoke.status, smoke.stdout + smoke.stderr).toBe(0);
    },
    3_000_000,
  );

  // issue #18's faults with fencing on: a killed stack, issue #20's cut of one of two
  // links, the hung active twin, the twins' own link cut. Each is judged with the data
  // check, DRBD's roles and the VIP on both twins (split brain), and the report names who
  // fenced whom. Without the move back (a switchover costs ~90 s under TCG): each scenario
  // hits the twin that holds the service when it starts.
  cluster(
    'failover-test with SBD: freeze, split-twins, kill-stack and cut-link --link backplane pass; who fenced whom is reported',
    () => {
      const t0 = Date.now();
      const r = hactl(
        [
          'failover-test',
          '-i',
          noMoveBack(),
          '-s',
          'freeze,split-twins,kill-stack,cut-link',
          '--link',
          'backplane',
          '--budget',
          '240',
          '--yes',
        ],
        3_000_000,
      );
      console.log(`failover-test with SBD on the VM lab: ${((Date.now() - t0) / 1000).toFixed(1)}s\n${r.stdout}`);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const section = (name: string): string => {
        const lines = r.stdout.split('\n');
        const at = lines.findIndex((l) => l.startsWith(`${name} `));
        expect(at, `${name} row`).toBeGreaterThanOrEqual(0);
        const rest = lines.slice(at + 1);
        const end = rest.findIndex((l) => !l.startsWith('    '));
        return [lines[at], ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
      };
      const freeze = section('freeze');
      const split = section('split-twins');
      const kill = section('kill-stack');
      const cut = section('cut-link');
      for (const s of [freeze, split, kill, cut]) expect(s.split('\n')[0]).toMatch(/\s+yes\s+PASS$/);
      // the hung and the killed active twin: the other one serves, the hit one was fenced (its watchdog)
      for (const [name, row] of [
        ['freeze', freeze],
        ['kill-stack', kill],
      ] as const) {
        const [, hit, ended] = new RegExp(`^${name}\\s+(master|slave)\\s.*\\s(master|slave)\\s+yes\\s+PASS`).exec(row) ?? [];
        expect(hit, row).toBeDefined();
        expect(ended, row).not.toBe(hit);
        expect(row).toMatch(new RegExp(`fenced: \\S+ → ${hit} \\(`));
      }
      // the twins' link: one twin keeps the service, never both fenced
      const fenced = /fenced: (.*)/.exec(split)?.[1] ?? 'nobody';
      expect(fenced.includes('→ master') && fenced.includes('→ slave'), fenced).toBe(false);
      // one of two links: nothing moves, nobody is fenced
      expect(cut).toMatch(/^cut-link\s+(master|slave)\s+-\s+0\.0 s\s.*\s\1\s+yes\s+PASS/);
      expect(cut).not.toMatch(/fenced: \S+ →/);
      expect(on('master', 'cat /proc/drbd')).toMatch(/cs:Connected ro:(Primary|Secondary)\/(Secondary|Primary) ds:UpToDate\/UpToDate/);
    },
    3_000_000,
  );

  // issue #21: the storage tier joins the running cluster (a day-two change, no stack stop):
  // MariaDB and an NFS export on DRBD r0, and LVS (ldirectord, persistent) in front of two real
  // servers, then a power-off with NFS, MariaDB and LVS clients. Last in this cluster's life.
  // Not in CI yet (HACTL_VM_STORAGE=1 runs it): under TCG the group's resources take ~2 min to
  // start, ~12 min more for the file, and one CI rehearsal failed its restore when
  // ldirectord's monitor timed out (60 s) on the loaded slave and the group restarted
  // behind it (docs/inventory.md, "Service kinds").
  const storageCluster = VM_CLUSTER && process.env.HACTL_VM_STORAGE === '1' ? it : it.skip;
  /** the twin that holds hactl's services group now */
  const holder = (): 'master' | 'slave' => {
    const at = /running on: (master|slave)/.exec(on('arbitrator', 'crm_resource --locate -r ha-services'))?.[1];
    expect(at, 'the services group runs on a twin').toBeDefined();
    return at as 'master' | 'slave';
  };
  storageCluster(
    'the storage tier joins the running cluster: mariadb (datadir on DRBD), an NFS export, LVS with persistence; smoke passed',
    () => {
      const inv = join(STATE, 'inventory.yaml');
      const doc = parseDocument(readFileSync(inv, 'utf8'));
      const at = holder();
      addStorageKinds(doc);
      doc.setIn(['lvs'], doc.createNode([lvsService(servers, 300)]));
      writeFileSync(inv, doc.toString());
      startRealServers(servers, LVS_VIP);
      // services added to a DRBD filesystem that exists: their directories made by hand on the
      // twin that has it mounted, as docs/inventory.md says (bootstrap seeds only a fresh one)
      // (the export writable for the test's client, which writes as root: squashed to nobody)
      on(at, `mkdir -p /srv/data/mysql ${EXPORT} && chmod 1777 ${EXPORT}`);
      for (const twin of ['master', 'slave']) on(twin, SMALL_REDO_LOG);
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', inv], 1_500_000);
      const out = r.stdout + r.stderr;
      console.log(`bootstrap adding mariadb, nfs and LVS on the VM lab: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/smoke checks passed/);
      // MariaDB's datadir and the NFS state on DRBD, the export live, on the twin holding the group
      expect(on(at, 'crm_mon -1 -r')).toMatch(new RegExp(`svc-nfs-kernel-server\\s.*Started ${at}[\\s\\S]*svc-mariadb\\s.*Started ${at}`));
      expect(on(at, `mariadb --protocol=socket -S ${MARIADB_SOCKET} -N -B -e 'SELECT @@datadir'`).trim()).toBe('/srv/data/mysql/');
      expect(on(at, 'exportfs -s')).toContain(EXPORT);
      on(at, storage.mariadbSetup(MARIADB_SOCKET));
    },
    1_500_000,
  );

  storageCluster(
    'LVS on Pacemaker: ldirectord beside the director VIP, persistent clients stick, a failed real server leaves the table',
    async () => {
      const director = holder();
      const ipvs = () => on(director, 'ipvsadm -Ln');
      const table = ipvs();
      expect(table).toMatch(new RegExp(`TCP  ${LVS_VIP.replace(/\./g, '\\.')}:80 rr persistent 300`));
      for (const rs of servers) expect(table).toMatch(new RegExp(`-> ${rs.address.replace(/\./g, '\\.')}:80\\s+Route`));
      expect(on(director, 'crm_mon -1 -r')).toMatch(
        new RegExp(`vip-lvs-web\\s.*Started ${director}[\\s\\S]*ldirectord\\s.*Started ${director}`),
      );
      // persistent: every request of this client goes to one real server
      const sticky = await through(8);
      console.log(`LVS on Pacemaker, persistent 300: ${JSON.stringify(sticky)}`);
      expect(Object.keys(sticky)).toHaveLength(1);
      const [kept] = Object.keys(sticky) as [string];
      const other = servers.find((rs) => rs.name !== kept)!;
      // the other real server fails: out of the table within its check (interval 2 s, timeout 2 s)
      stopHttp(other);
      const t0 = Date.now();
      expect(await eventually(() => !ipvs().includes(`${other.address}:80`), 60_000)).toBe(true);
      const out = (Date.now() - t0) / 1000;
      console.log(`LVS on Pacemaker: ${other.name} failed, taken out of the IPVS table after ${out.toFixed(1)}s`);
      expect(out).toBeLessThan(8);
      expect(await through(4)).toEqual({ [kept]: 4 });
      startHttp(other);
      expect(await eventually(() => ipvs().includes(`${other.address}:80`), 60_000)).toBe(true);
      expect(await through(4)).toEqual({ [kept]: 4 });
    },
    300_000,
  );

  storageCluster(
    'failover-test poweroff with the storage tier: the other twin takes over, the data written before the power-off is intact, DRBD resyncs; ' +
      'NFS and MariaDB clients lose no confirmed write, the LVS VIP keeps serving',
    async () => {
      const hit = holder();
      const other = hit === 'master' ? 'slave' : 'master';
      // the storage tier's clients on the arbitrator, the LVS client here, all through the VIPs
      expect(on('arbitrator', storage.startWriters(VM_NET.address(100), EXPORT)).trim()).toBe('started');
      const proberLog = join(STATE, 'lvs-prober.log');
      rmSync(proberLog, { force: true });
      const prober = startProber(LVS_VIP, proberLog);
      const writers = () => storage.parseWriterLogs(on('arbitrator', storage.WRITER_LOGS));
      expect(
        await eventually(() => {
          const w = writers();
          return w.nfs.ok.length >= 3 && w.db.ok.length >= 3;
        }, 120_000),
        `writers: ${on('arbitrator', `tail -n 3 ${storage.WRITERS_DIR}/*.err`)}`,
      ).toBe(true);
      const t0 = Date.now();
      // text report (--json holds every probe: megabytes on a slow run). --budget: the verdict
      // judges the move, the data and the restore; the TCG downtime is printed, not judged
      // without the move back (vars.failover.move_back: false): a switchover costs ~2 min under TCG
      // with the storage tier, and nothing after this test needs the service back
      const { r, target, detection, downtime, ended, restored, verdict } = poweroff();
      console.log(
        `failover-test poweroff on the VM lab: downtime ${downtime}, detection ${detection}, ended on ${ended}, restored ${restored}, ${verdict}; whole run ${((Date.now() - t0) / 1000).toFixed(1)}s\n${r.stdout}`,
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect([target, ended, restored, verdict]).toEqual([hit, other, 'yes', 'PASS']);
      expect(downtime).toMatch(/^[\d.]+ s$/);
      expect(r.stdout).toMatch(new RegExp(`data check: the same before the fault, on ${other} and after the restore`));
      // with SBD the lost twin is fenced (its watchdog's reset, recorded once stonith-watchdog-timeout passed)
      expect(r.stdout).toMatch(new RegExp(`fenced: \\S+ → ${hit} \\(`));
      // restored: the powered-off twin back as the other's peer, DRBD resynced, the service where it moved
      expect(on(other, 'findmnt -n -o SOURCE /srv/data').trim()).toBe('/dev/drbd0');
      expect(on(hit, 'cat /proc/drbd')).toMatch(/cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
      expect(on(other, 'sha256sum --quiet -c /srv/data/hactl-failover.bin.sha256 && echo ok').trim()).toBe('ok');

      // the clients: a few more writes after the restore, then stop and read their logs
      const failedOver = Date.now() / 1000;
      expect(
        await eventually(() => {
          const w = writers();
          return [w.nfs, w.db].every((l) => (l.ok.at(-1)?.at ?? 0) > failedOver);
        }, 180_000),
      ).toBe(true);
      on('arbitrator', storage.STOP_WRITERS);
      expect(await eventually(() => ssh(STATE, 'arbitrator', storage.WRITERS_DONE).status === 0, 120_000)).toBe(true);
      const lvs = stopProber(prober, proberLog);
      const { nfs, db } = writers();
      const pause = (l: storage.WriterLog) => storage.longestPause(l).toFixed(1);
      const answered = lvs.answers.filter((a) => a.who !== '-');
      console.log(
        `client-visible pauses across the poweroff: NFS ${pause(nfs)} s (${nfs.ok.length} writes, ${nfs.failed.length} retried), ` +
          `MariaDB ${pause(db)} s (${db.ok.length} rows committed, ${db.failed.length} failed), ` +
          `LVS VIP ${lvs.longestGap.toFixed(1)} s (${answered.length} of ${lvs.answers.length} answered)`,
      );
      // NFS: every confirmed write is on the survivor's DRBD filesystem and reads back the same through the VIP
      const n = nfs.ok.length;
      expect(nfs.ok.map((w) => w.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      const want = createHash('sha256')
        .update(Array.from({ length: n }, (_, i) => `${i + 1}\n`).join(''))
        .digest('hex');
      expect(on(other, storage.sequenceSum(EXPORT, n)).split(' ')[0]).toBe(want);
      expect(on('arbitrator', storage.sequenceSum(storage.NFS_MOUNT, n)).split(' ')[0]).toBe(want);
      on('arbitrator', `umount ${storage.NFS_MOUNT}`);
      // MariaDB: every committed row is in the table on the survivor
      const rows = new Set(
        on(other, `mariadb --protocol=socket -S ${MARIADB_SOCKET} -N -B -e 'SELECT id FROM ${storage.DB.name}.${storage.DB.table}'`)
          .split('\n')
          .filter(Boolean)
          .map(Number),
      );
      expect(db.ok.filter((w) => !rows.has(w.id)).map((w) => w.id)).toEqual([]);
      // LVS: the VIP answered again after the director moved, and the last answers all came
      expect(answered.length).toBeGreaterThan(0);
      expect(
        lvs.answers.slice(-5).every((a) => a.who !== '-'),
        JSON.stringify(lvs.answers.slice(-5)),
      ).toBe(true);
      expect(answered.at(-1)!.at).toBeGreaterThan(failedOver - 60);
    },
    1_500_000,
  );

  it('lab down leaves no netns, link, process or disk behind', () => {
    const state = readState();
    const pids = state.processes.map((p) => p.pid);
    expect(pids.length).toBeGreaterThan(3);
    const t0 = Date.now();
    const r = hactl(['lab', 'down', '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    console.log(`lab down --vm: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const netns = ipOut('netns', 'list')
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(netns.filter((n) => state.netns.includes(n ?? ''))).toEqual([]);
    expect(ipOut('-o', 'link')).not.toMatch(/: hactl-vmhost[@:]/);
    expect(pids.filter(running)).toEqual([]);
    expect(existsSync(join(STATE, 'vms'))).toBe(false);
    expect(existsSync(join(STATE, 'state.json'))).toBe(false);
  });
});

// The classic stack on real kernels: Heartbeat with drbddisk + Filesystem in haresources,
// ldirectord in front of two real servers (IPVS, direct routing), and a KVM guest whose
// definition libvirt validates on the twins, its disk on DRBD r1 (/dev/vdc). A fresh VM
// lab (the stack is chosen at `lab up`); the real servers are netns the test plugs into
// the VM lab's bridge.
describe.skipIf(Boolean(missing) || !VM_CLUSTER)(
  `heartbeat on the VM lab: drbddisk, LVS through ldirectord, a KVM guest on DRBD${VM_CLUSTER ? '' : ' (skipped: HACTL_VM_CLUSTER=0)'}`,
  () => {
    const servers = realServers(2);
    const inventory = join(STATE, 'heartbeat.yaml');
    const GUEST_LV = '/dev/vg_guests/web-vm';
    const on = (node: string, command: string): string => {
      const r = ssh(STATE, node, command);
      expect(r.status, `${node}: ${command}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const ipvsTable = () => on('master', 'ipvsadm -Ln');
    // how often dopd outdated the slave's disk: alone on its line (a resync handshake changes conn( … ) on the same line)
    const outdated = () => Number(on('slave', "dmesg | grep -cE 'drbd0: disk\\( UpToDate -> Outdated \\) *$' || true").trim());

    beforeAll(() => {
      const t0 = Date.now();
      const own = existsSync(join(STATE, 'state.json'));
      // --backplane: DRBD replicates over eth1, Heartbeat talks over both networks (dopd's path when the backplane is cut);
      // --serial: and over a serial cable between the twins (dopd's path when every network between them is cut)
      const r = hactl([
        'lab',
        'up',
        '--vm',
        '--stack',
        'heartbeat',
        '--backplane',
        '--serial',
        ...(own ? ['--recreate'] : []),
        '--state-dir',
        STATE,
      ]);
      expect(r.status, r.stderr).toBe(0);
      console.log(`lab up --vm --stack heartbeat --backplane: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      startRealServers(servers, LVS_VIP);
      // the lab's inventory plus a guest's DRBD resource, the guest and the LVS service
      const doc = parseDocument(readFileSync(join(STATE, 'inventory.yaml'), 'utf8'));
      // the guest's disk: DRBD r1 on a logical volume hactl makes on /dev/vdc (issue #21's `lvm:`)
      doc.setIn(['lvm'], doc.createNode([{ vg: 'vg_guests', pvs: ['/dev/vdc'], lvs: [{ name: 'web-vm', size: '48M' }] }]));
      doc.addIn(['drbd'], doc.createNode({ name: 'r1', device: '/dev/drbd1', disk: GUEST_LV }));
      // DRBD fencing without STONITH: dopd outdates the peer (the classic Heartbeat howto)
      doc.setIn(['drbd', 0, 'fencing'], 'resource-only');
      doc.setIn(
        ['guests'],
        doc.createNode([{ name: 'web-vm', type: 'kvm', drbd: 'r1', memory: 256, bridge: 'br0', mac: '52:54:00:78:01:01' }]),
      );
      // the validators only (libvirt-clients, libxml2-utils are in the image): no nested guest runs here
      doc.setIn(['vars', 'hypervisor_packages'], doc.createNode(['libvirt-clients', 'libxml2-utils']));
      doc.setIn(['lvs'], doc.createNode([lvsService(servers)]));
      writeFileSync(inventory, doc.toString());
    });

    afterAll(() => {
      removeRealServers(servers);
      if (existsSync(join(STATE, 'state.json'))) hactl(['lab', 'down', '--state-dir', STATE]);
    });

    it('a physical volume that holds data is refused before any change, naming node and disk; the filesystem is intact', () => {
      on('slave', 'mkfs.ext4 -q -F /dev/vdc');
      const r = hactl(['bootstrap', '-i', inventory], 600_000);
      const out = r.stdout + r.stderr;
      console.log(
        `heartbeat bootstrap over an ext4 PV: exit ${r.status}\n${out
          .split('\n')
          .filter((l) => /refus|LVM|wipefs/.test(l))
          .join('\n')}`,
      );
      expect(r.status, out).not.toBe(0);
      expect(out).toMatch(/slave: \/dev\/vdc \(LVM vg_guests\) holds ext4: refusing to make it a physical volume/);
      // before any change: no volume group, no Heartbeat configuration on either twin; the ext4 still there
      for (const twin of ['master', 'slave'])
        expect(on(twin, 'vgs vg_guests >/dev/null 2>&1 || echo no-vg; test -e /etc/ha.d/ha.cf || echo no-ha.cf'), twin).toBe(
          'no-vg\nno-ha.cf\n',
        );
      expect(on('slave', 'wipefs --noheadings --output TYPE /dev/vdc').trim()).toBe('ext4');
      on('slave', 'wipefs -q -a /dev/vdc');
    }, 600_000);

    it('bootstrap: DRBD r0 and r1 synced, haresources with drbddisk + Filesystem and the LVS address, ldirectord, smoke passed', () => {
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', inventory], 1_500_000);
      const out = r.stdout + r.stderr;
      console.log(
        `heartbeat bootstrap on the VM lab: ${((Date.now() - t0) / 1000).toFixed(1)}s; ${out.match(/DRBD r\d: both sides UpToDate [\d.]+s after the initial sync started/g)?.join('; ') ?? 'no sync line'}`,
      );
      expect(r.status, out).toBe(0);
      expect(out).toMatch(/create DRBD metadata for r0[\s\S]*create DRBD metadata for r1/);
      expect(out).toMatch(/smoke checks passed/);
      expect(out).toMatch(/LVS \(ipvsadm\)\s+2 real server\(s\) listed/);
      // the serial cable (lab up --serial): both twins' Heartbeat hears the other on it
      expect(out).toMatch(/heartbeat on master\s+running, peer slave active, serial \/dev\/ttyS1 up/);
      expect(out).toMatch(/heartbeat on slave\s+running, peer master active, serial \/dev\/ttyS1 up/);
      expect(on('master', 'cat /etc/ha.d/ha.cf')).toMatch(/^baud 19200\nserial \/dev\/ttyS1$/m);
      expect(on('master', 'cat /etc/ha.d/haresources')).toMatch(
        /^master IPaddr2::10\.78\.0\.100\/24\/eth0 IPaddr2::10\.78\.0\.200\/24\/eth0 drbddisk::r0 Filesystem::\/dev\/drbd0::\/srv\/data::ext4 drbddisk::r1 ldirectord::ldirectord\.cf apache2$/m,
      );
      expect(on('master', 'findmnt -n -o SOURCE /srv/data').trim()).toBe('/dev/drbd0');
      const drbd = on('slave', 'cat /proc/drbd');
      expect(drbd).toMatch(/0: cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
      expect(drbd).toMatch(/1: cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
      for (const twin of ['master', 'slave']) {
        expect(on(twin, 'systemctl is-enabled drbd heartbeat').split('\n').slice(0, 2)).toEqual(['enabled', 'enabled']);
        // the guest's volume, made by bootstrap: 48 MiB on /dev/vdc, under DRBD r1
        expect(on(twin, 'lvs --noheadings --units m -o lv_name,lv_size,devices vg_guests').trim(), twin).toMatch(
          /^web-vm\s+48\.00m\s+\/dev\/vdc\(0\)$/,
        );
        expect(on(twin, 'drbdadm dump r1'), twin).toMatch(/\bdisk\s+\/dev\/vg_guests\/web-vm;/);
      }
    }, 1_500_000);

    it('the KVM guest: its definition is on both twins, validated by libvirt, its disk the DRBD device /dev/drbd1', () => {
      for (const twin of ['master', 'slave']) {
        const xml = on(twin, 'cat /etc/hactl/guests/web-vm.xml');
        expect(xml).toContain("<source dev='/dev/drbd1'/>");
        expect(
          on(
            twin,
            'test -b /dev/drbd1 && virt-xml-validate /etc/hactl/guests/web-vm.xml domain && virsh -q -c test:///default define /etc/hactl/guests/web-vm.xml && echo ok',
          ),
        ).toMatch(/ok\n$/);
      }
      // what the bootstrap's validator refuses beyond the schema: no memory, which libvirt's
      // schema accepts and its domain parser does not
      const zero =
        "sed \"s|<memory unit='MiB'>[0-9]*</memory>|<memory unit='MiB'>0</memory>|\" /etc/hactl/guests/web-vm.xml > /tmp/zero.xml";
      const validator = guestValidate({ type: 'kvm' } as GuestModel)
        .split('%s')
        .join('/tmp/zero.xml');
      const bad = ssh(
        STATE,
        'slave',
        `${zero}; virt-xml-validate /tmp/zero.xml domain >/dev/null && echo schema-ok; { ${validator}; } 2>&1`,
      );
      expect(bad.stdout).toMatch(/^schema-ok\n[\s\S]*Memory size must be specified/);
      expect(bad.status).not.toBe(0);
    });

    it('LVS end to end: requests through the virtual IP reach both real servers; a failed one is taken out, and back when it recovers', async () => {
      const table = ipvsTable();
      expect(table).toContain(`TCP  ${LVS_VIP}:80 rr`);
      for (const rs of servers) expect(table).toMatch(new RegExp(`-> ${rs.address.replace(/\./g, '\\.')}:80\\s+Route`));
      const before = await through(8);
      console.log(`LVS, both real servers up: ${JSON.stringify(before)}`);
      expect(Object.keys(before).sort()).toEqual(['rs1', 'rs2']);
      stopHttp(servers[1]!);
      const t0 = Date.now();
      const out = await eventually(() => !ipvsTable().includes(`${servers[1]!.address}:80`), 60_000);
      console.log(`LVS: rs2 failed, taken out of the IPVS table after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      expect(out).toBe(true);
      expect(await through(6)).toEqual({ rs1: 6 });
      startHttp(servers[1]!);
      expect(await eventually(() => ipvsTable().includes(`${servers[1]!.address}:80`), 60_000)).toBe(true);
      expect(Object.keys(await through(8)).sort()).toEqual(['rs1', 'rs2']);
    }, 300_000);

    it('failover-test drbd-disconnect: nothing moves, clients see no outage, the data written while alone is resynced (measured)', () => {
      const r = hactl(['failover-test', '-i', inventory, '--scenario', 'drbd-disconnect', '--yes'], 900_000);
      const resync = /DRBD resynced in [\d.]+ s/.exec(r.stdout + r.stderr)?.[0];
      console.log(`failover-test drbd-disconnect on the VM lab (heartbeat): ${resync ?? 'no resync line'}\n${r.stdout}`);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^drbd-disconnect\s+master\s+-\s+[\d.]+ s\s+\S+ s\s+master\s+yes\s+PASS/m);
      expect(resync).toBeDefined();
      expect(on('slave', 'cat /proc/drbd')).toMatch(
        /0: cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate[\s\S]*1: cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/,
      );
    }, 900_000);

    // issue #18: split-twins cuts every network between the twins (DRBD's link too), and the
    // serial cable is left: Heartbeat still hears the peer, so nothing moves, and the master's
    // fence-peer handler reaches the slave's dopd over the cable, which outdates its own disk.
    it("split-twins with the serial cable: nothing moves, never two Primaries, and dopd outdates the slave's DRBD over the cable", () => {
      // dopd runs as hacluster: DRBD's tools setuid root:haclient (bootstrap's dpkg-statoverride)
      for (const twin of ['master', 'slave'])
        expect(on(twin, "stat -c '%a %U %G' /lib/drbd/drbdsetup-84 /sbin/drbdmeta").trim().split('\n'), twin).toEqual([
          '4750 root haclient',
          '4750 root haclient',
        ]);
      expect(on('master', 'drbdsetup show r0')).toMatch(/address\s+ipv4 10\.79\.78\.\d+:7788/);
      const before = outdated();
      const t0 = Date.now();
      const r = hactl(['failover-test', '-i', inventory, '-s', 'split-twins', '--yes', '--json'], 900_000);
      const after = outdated();
      const x = JSON.parse(r.stdout).results[0];
      console.log(
        `failover-test split-twins (heartbeat, serial cable, dopd): ${((Date.now() - t0) / 1000).toFixed(1)}s; ${x.verdict}, ` +
          `downtime ${x.downtimeMs} ms, ended on ${x.after}, slave outdated ${after - before} time(s)\n` +
          `${on('master', "grep -E 'fence-peer|outdate' /var/log/ha-log /var/log/syslog 2>/dev/null | tail -n 6 || true")}\n` +
          on('slave', "dmesg | grep -E 'fence-peer|Outdated|outdate' | tail -n 6 || true"),
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(x).toMatchObject({ scenario: 'split-twins', verdict: 'pass', after: 'master', restored: true });
      expect(x.splitBrain).toBeFalsy();
      expect(x.outages).toEqual([]);
      expect(after).toBeGreaterThan(before);
      // healed: DRBD met again and resynced the outdated disk
      expect(on('slave', 'cat /proc/drbd')).toMatch(/0: cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
    }, 900_000);

    // issue #21 on Heartbeat: the service kinds join the running cluster (haresources grows
    // by hactl-ocf resources after the filesystem; heartbeat restarts to read it). Opt-in
    // (HACTL_VM_STORAGE=1) like the Pacemaker storage tier: it passed twice by hand, but in the
    // CI rehearsal the slave kept the resources after both twins restarted and the master never
    // took them back (auto_failback); bootstrap's settle wait failed on it (docs/inventory.md).
    const storageHeartbeat = process.env.HACTL_VM_STORAGE === '1' ? it : it.skip;
    storageHeartbeat(
      'mariadb and an NFS export on DRBD r0 join the running Heartbeat cluster: a query and a file through the VIP',
      () => {
        const vip = VM_NET.address(100);
        const doc = parseDocument(readFileSync(inventory, 'utf8'));
        addStorageKinds(doc);
        writeFileSync(inventory, doc.toString());
        // a DRBD filesystem that exists: the services' directories made by hand where it is
        // mounted (docs/inventory.md); InnoDB's redo log small enough for the lab's disk
        on('master', `mkdir -p /srv/data/mysql ${EXPORT} && chmod 1777 ${EXPORT}`);
        for (const twin of ['master', 'slave']) on(twin, SMALL_REDO_LOG);
        const t0 = Date.now();
        const r = hactl(['bootstrap', '-i', inventory], 1_500_000);
        const out = r.stdout + r.stderr;
        console.log(`heartbeat bootstrap adding mariadb and nfs on the VM lab: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        expect(r.status, out).toBe(0);
        expect(out).toMatch(/smoke checks passed/);
        expect(on('master', 'cat /etc/ha.d/haresources')).toMatch(
          / Filesystem::\/dev\/drbd0::\/srv\/data::ext4 .*hactl-ocf::mysql::svc-mariadb hactl-ocf::nfsserver::svc-nfs-kernel-server hactl-ocf::exportfs::svc-nfs-kernel-server-export-1/,
        );
        expect(on('master', `mariadb --protocol=socket -S ${MARIADB_SOCKET} -N -B -e 'SELECT @@datadir'`).trim()).toBe('/srv/data/mysql/');
        expect(on('master', 'exportfs -s')).toContain(EXPORT);
        // clients on the arbitrator, through the floating IP: a row committed and read back, a file written as a user
        on('master', storage.mariadbSetup(MARIADB_SOCKET));
        const sql = `INSERT INTO ${storage.DB.name}.${storage.DB.table} (id) VALUES (1); SELECT COUNT(*) FROM ${storage.DB.name}.${storage.DB.table}`;
        expect(on('arbitrator', `mariadb -h ${vip} -u ${storage.DB.user} -p${storage.DB.password} -N -B -e '${sql}'`).trim()).toBe('1');
        on(
          'arbitrator',
          `mkdir -p /mnt/hb-nfs && mount -t nfs4 ${vip}:${EXPORT} /mnt/hb-nfs && ` +
            `echo over-nfs | setpriv --reuid=${storage.CLIENT_UID} --regid=${storage.CLIENT_UID} --clear-groups dd of=/mnt/hb-nfs/hello conv=fsync status=none; ` +
            'rc=$?; umount /mnt/hb-nfs; exit $rc',
        );
        expect(on('master', `cat ${EXPORT}/hello`).trim()).toBe('over-nfs');
      },
      1_500_000,
    );

    it('a second bootstrap changes nothing', () => {
      const t0 = Date.now();
      const r = hactl(['bootstrap', '-i', inventory], 900_000);
      console.log(`second heartbeat bootstrap: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/bootstrap: no changes/);
    }, 900_000);
  },
);
