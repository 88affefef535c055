import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { bootstrapDrbd, drbdHandlers } from '../../../playbooks/drbd.js';
import { bootstrapLvm, lvmPlans, lvmRead } from '../../../playbooks/lvm.js';
import { classifyTask } from '../../../src/checks/drift/from-run.js';
import { type LvmFact, lvmCommand, parseLvm } from '../../../src/facts/lvm.js';
import type { VolumeGroup } from '../../../src/inventory/model.js';
import { lvSizeBytes } from '../../../src/inventory/resolve.js';
import { Connector } from '../../../src/runtime/connector.js';
import { definePlaybook } from '../../../src/runtime/playbook.js';
import { runPlaybook } from '../../../src/runtime/run.js';
import { planLvm, pvDecision } from '../../../src/stack/lvm.js';
import { LocalConnection } from '../../../src/transport/local.js';
import type { Connection } from '../../../src/transport/types.js';
import { testCluster } from '../../helpers/model.js';
import { useNodeStateDir } from '../../helpers/node-state.js';

const VG0: VolumeGroup = {
  vg: 'vg0',
  pvs: ['/dev/vdc', '/dev/vdd'],
  lvs: [
    { name: 'r1', size: '48M', bytes: lvSizeBytes('48M'), path: '/dev/vg0/r1' },
    { name: 'vm2', size: '10M', bytes: lvSizeBytes('10M'), path: '/dev/vg0/vm2' },
  ],
};
const disk = (path: string, signatures: string[] = []) => ({ path, real: path, signatures });
const fact = (o: Partial<LvmFact> = {}): LvmFact => ({ disks: [], tools: true, pvs: [], vgs: [], lvs: [], ...o });

describe('lvm facts (one read)', () => {
  it('lists each disk with wipefs (read-only, quoted), then pvs/vgs/lvs only where LVM is installed', () => {
    const c = lvmCommand(['/dev/vdc', "/dev/x y'z"]);
    expect(c).toContain('wipefs --noheadings --output TYPE -- /dev/vdc 2>&1');
    expect(c).toContain(`readlink -f -- '/dev/x y'\\''z'`);
    expect(c).toMatch(/if command -v pvs >\/dev\/null 2>&1; then .*lvs --noheadings --separator '\|' --units b --nosuffix/);
    expect(c).not.toMatch(/pvcreate|vgcreate|lvcreate|wipefs -a/);
  });

  it('parses signatures, canonical paths, PVs, groups and volumes', () => {
    const out = [
      '@@pv /dev/vdc',
      '@@real /dev/vdc',
      '@@rc 0',
      '@@pv /dev/disk/by-id/d2',
      '@@real /dev/vdd',
      'ext4',
      '@@rc 0',
      '@@pvs',
      '  /dev/vdc|vg0',
      '  /dev/vde|',
      '@@rc 0',
      '@@vgs',
      '  vg0|4194304',
      '@@rc 0',
      '@@lvs',
      '  vg0|r1|50331648|-wi-a-----',
      '  vg0|old|4194304|-wi-------',
      '@@rc 0',
      '',
    ].join('\n');
    expect(parseLvm(out, ['/dev/vdc', '/dev/disk/by-id/d2'])).toEqual({
      disks: [disk('/dev/vdc'), { path: '/dev/disk/by-id/d2', real: '/dev/vdd', signatures: ['ext4'] }],
      tools: true,
      pvs: [
        { pv: '/dev/vdc', vg: 'vg0' },
        { pv: '/dev/vde', vg: '' },
      ],
      vgs: [{ vg: 'vg0', extentBytes: 4194304 }],
      lvs: [
        { vg: 'vg0', lv: 'r1', bytes: 50331648, active: true },
        { vg: 'vg0', lv: 'old', bytes: 4194304, active: false },
      ],
    });
  });

  it('a missing disk is unreadable; without lvm2 only the signatures are read', () => {
    const out = '@@pv /dev/vdx\n@@real /dev/vdx\nwipefs: error: /dev/vdx: probing initialization failed\n@@rc 1\n@@nolvm\n';
    const f = parseLvm(out, ['/dev/vdx']);
    expect(f.disks[0]!.signatures).toEqual(['unreadable (wipefs: error: /dev/vdx: probing initialization failed)']);
    expect(f.tools).toBe(false);
  });
});

describe('pvDecision: a physical volume only of a blank disk (or one already of this group)', () => {
  const f = fact({
    pvs: [
      { pv: '/dev/vdc', vg: 'vg0' },
      { pv: '/dev/vdd', vg: 'data' },
      { pv: '/dev/vde', vg: '' },
    ],
  });
  it.each([
    ['blank', disk('/dev/vdf'), f, 'create', 'master: /dev/vdf (LVM vg0) is blank: made a physical volume'],
    ['its own PV', disk('/dev/vdc', ['LVM2_member']), f, 'keep', 'master: /dev/vdc (LVM vg0) is a physical volume of vg0: kept'],
    ['a PV in no group', disk('/dev/vde', ['LVM2_member']), f, 'adopt', /in no volume group .*: it joins vg0$/],
    ['ext4', disk('/dev/vdf', ['ext4']), f, 'refuse', 'master: /dev/vdf (LVM vg0) holds ext4: refusing to make it a physical volume'],
    ['a partition table', disk('/dev/vdf', ['gpt', 'PMBR']), f, 'refuse', /holds gpt, PMBR: refusing/],
    ['a PV of another group', disk('/dev/vdd', ['LVM2_member']), f, 'refuse', /is a physical volume of volume group data: refusing/],
    ['DRBD metadata', disk('/dev/vdf', ['drbd']), f, 'refuse', /holds drbd: refusing/],
    ['unreadable', disk('/dev/vdf', ['unreadable (no such device)']), f, 'refuse', /cannot tell what \/dev\/vdf .*no such device/],
  ])('%s → %s', (_, d, facts, action, say) => {
    const r = pvDecision('master', 'vg0', d, facts);
    expect(r.action).toBe(action);
    expect(r.say).toMatch(typeof say === 'string' ? new RegExp(`^${say.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) : say);
    if (r.action === 'refuse') expect(r.hint).toBeTruthy();
  });

  it('a refusal of data says how to wipe it by hand; an LVM label without the tools asks for lvm2', () => {
    const data = pvDecision('slave', 'vg0', disk('/dev/vdf', ['xfs']), fact());
    expect(data.action === 'refuse' && data.hint).toMatch(/wipe it by hand on slave .*`wipefs -a \/dev\/vdf`/);
    const label = pvDecision('slave', 'vg0', disk('/dev/vdf', ['LVM2_member']), fact({ tools: false }));
    expect(label.action === 'refuse' && label.hint).toMatch(/install lvm2 on slave/);
  });
});

describe('planLvm: the commands, quoted, and nothing twice', () => {
  it('a blank node: pvcreate each disk, vgcreate, lvcreate each volume', () => {
    const p = planLvm('master', [VG0], fact({ disks: [disk('/dev/vdc'), disk('/dev/vdd')] }));
    expect(p.refusals).toEqual([]);
    expect(p.tasks.map((t) => [t.name, t.plan.changed, t.plan.steps.map((s) => s.command)])).toEqual([
      ['LVM volume group vg0', true, ['pvcreate /dev/vdc', 'pvcreate /dev/vdd', 'vgcreate vg0 /dev/vdc /dev/vdd']],
      ['LVM logical volume /dev/vg0/r1 (48M)', true, ['lvcreate -L 48M -n r1 -y --wipesignatures y vg0']],
      ['LVM logical volume /dev/vg0/vm2 (10M)', true, ['lvcreate -L 10M -n vm2 -y --wipesignatures y vg0']],
    ]);
    expect(p.created).toEqual(['/dev/vg0/r1', '/dev/vg0/vm2']);
  });

  it('every value is one quoted word', () => {
    const g: VolumeGroup = { vg: 'vg0', pvs: ["/dev/odd name'"], lvs: [] };
    const p = planLvm('master', [g], fact({ disks: [disk("/dev/odd name'")] }));
    expect(p.tasks[0]!.plan.steps.map((s) => s.command)).toEqual([`pvcreate '/dev/odd name'\\'''`, `vgcreate vg0 '/dev/odd name'\\'''`]);
  });

  it('all there: nothing changes; a size that differs is a warning, never a resize; an inactive volume is activated', () => {
    const f = fact({
      disks: [disk('/dev/vdc', ['LVM2_member']), disk('/dev/vdd', ['LVM2_member'])],
      pvs: [
        { pv: '/dev/vdc', vg: 'vg0' },
        { pv: '/dev/vdd', vg: 'vg0' },
      ],
      vgs: [{ vg: 'vg0', extentBytes: 4 * 2 ** 20 }],
      lvs: [
        { vg: 'vg0', lv: 'r1', bytes: 48 * 2 ** 20, active: true },
        { vg: 'vg0', lv: 'vm2', bytes: 12 * 2 ** 20, active: true }, // 10M rounded up to 3 extents
      ],
    });
    const p = planLvm('master', [VG0], f);
    expect(p.tasks.every((t) => !t.plan.changed)).toBe(true);
    expect(p.warnings).toEqual([]);
    const grown = planLvm('master', [VG0], {
      ...f,
      lvs: [
        { ...f.lvs[0]!, bytes: 2 ** 30 },
        { ...f.lvs[1]!, active: false },
      ],
    });
    expect(grown.warnings).toEqual(['/dev/vg0/r1 is 1G, the inventory says 48M; larger: never shrunk']);
    expect(grown.tasks.flatMap((t) => t.plan.steps.map((s) => s.command))).toEqual(['lvchange -ay vg0/vm2']);
  });

  it('a new blank disk extends the group; a group of the same name on other disks is refused', () => {
    const f = fact({
      disks: [disk('/dev/vdc', ['LVM2_member']), disk('/dev/vdd')],
      pvs: [{ pv: '/dev/vdc', vg: 'vg0' }],
      vgs: [{ vg: 'vg0', extentBytes: 4 * 2 ** 20 }],
    });
    expect(planLvm('master', [{ ...VG0, lvs: [] }], f).tasks[0]!.plan.steps.map((s) => s.command)).toEqual([
      'pvcreate /dev/vdd',
      'vgextend vg0 /dev/vdd',
    ]);
    const other = fact({
      disks: [disk('/dev/vdc'), disk('/dev/vdd')],
      pvs: [{ pv: '/dev/sda3', vg: 'vg0' }],
      vgs: [{ vg: 'vg0', extentBytes: 1 }],
    });
    expect(planLvm('master', [VG0], other).refusals[0]!.say).toBe(
      'master: volume group vg0 exists on other disks (/dev/sda3), none of /dev/vdc, /dev/vdd: refusing to extend it',
    );
  });
});

describe('the LVM phase through the runtime (fake LVM tools on PATH)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hactl-lvm-'));
  useNodeStateDir(join(root, 'state'));
  const tools = fileURLToPath(new URL('../../fixtures/fake-lvm/', import.meta.url));
  const state = (host: string) => join(root, host);
  /** a node: the local shell with the fake tools first on PATH and its own LVM state */
  class FakeNode extends LocalConnection {
    exec(command: string, options?: Parameters<LocalConnection['exec']>[1]) {
      return super.exec(`export FAKE_LVM=${state(this.host)} PATH=${tools}:$PATH\n${command}`, options);
    }
  }
  const cluster = testCluster([{ name: 'master' }, { name: 'slave' }], { lvm: [VG0] });
  const book = definePlaybook('lvm', async ({ cluster: c, hosts }) => {
    const twins = hosts.role('master', 'slave');
    const reads = new Map<string, string | undefined>();
    const read = lvmRead(c)!;
    await twins.all(async (h) => void reads.set(h.name, (await h.gatherReads({ reads: [read!] })).reads.get(read!)));
    await bootstrapLvm(twins, lvmPlans(c, reads));
  });
  const run = (check = false) =>
    runPlaybook(book, { cluster, check, noHistory: true, connector: new Connector(async (n) => new FakeNode(n.name) as Connection) });
  const log = (host: string) =>
    readFileSync(join(state(host), 'log'), 'utf8')
      .trim()
      .split('\n');
  const changed = (s: Awaited<ReturnType<typeof run>>) =>
    s.hosts.flatMap((h) => h.tasks.filter((t) => t.changed).map((t) => `${h.host}: ${t.task}`));

  beforeEach(() => {
    for (const host of ['master', 'slave']) {
      rmSync(state(host), { recursive: true, force: true });
      for (const d of ['sig', 'pv', 'vg', 'lv']) mkdirSync(join(state(host), d), { recursive: true });
      writeFileSync(join(state(host), 'log'), '');
      for (const d of VG0.pvs) writeFileSync(join(state(host), 'sig', d.replace(/\//g, '_')), '');
    }
  });

  it('plan shows what it would create and changes nothing; apply creates it; a second apply changes nothing', async () => {
    const plan = await run(true);
    expect(plan.ok).toBe(true);
    expect(changed(plan)).toHaveLength(6);
    expect(log('master')).toEqual(['']);
    const first = await run();
    expect(changed(first)).toEqual(
      ['master', 'slave'].flatMap((h) => [
        `${h}: LVM volume group vg0`,
        `${h}: LVM logical volume /dev/vg0/r1 (48M)`,
        `${h}: LVM logical volume /dev/vg0/vm2 (10M)`,
      ]),
    );
    expect(log('slave')).toEqual([
      'pvcreate /dev/vdc',
      'pvcreate /dev/vdd',
      'vgcreate vg0 /dev/vdc /dev/vdd',
      'lvcreate -L 48M -n r1 -y --wipesignatures y vg0',
      'lvcreate -L 10M -n vm2 -y --wipesignatures y vg0',
    ]);
    const second = await run();
    expect(second.ok).toBe(true);
    expect(changed(second)).toEqual([]);
    expect(second.warnings).toEqual([]);
    expect(log('slave')).toHaveLength(5);
  });

  it('a disk with data on one twin is refused before any change on either, naming node and disk', async () => {
    writeFileSync(join(state('slave'), 'sig', '_dev_vdd'), 'ext4\n');
    await expect(run()).rejects.toThrow('slave: /dev/vdd (LVM vg0) holds ext4: refusing to make it a physical volume');
    expect(log('master')).toEqual(['']);
    expect(log('slave')).toEqual(['']);
  });

  it('plan: DRBD reads a logical volume still to be created as blank (create-md planned, no refusal)', async () => {
    const r1 = {
      name: 'r1',
      device: '/dev/drbd1',
      minor: 1,
      disk: '/dev/vg0/r1',
      port: 7789,
      metaDisk: 'internal',
      protocol: 'C' as const,
    };
    const withDrbd = testCluster([{ name: 'master' }, { name: 'slave' }], { lvm: [VG0], drbd: [r1] });
    const drbdBook = definePlaybook(
      'lvm+drbd',
      async (ctx) => {
        const twins = ctx.hosts.role('master', 'slave');
        const reads = new Map<string, string | undefined>();
        const read = lvmRead(ctx.cluster)!;
        await twins.all(async (h) => void reads.set(h.name, (await h.gatherReads({ reads: [read!] })).reads.get(read!)));
        await bootstrapDrbd(ctx, twins, await bootstrapLvm(twins, lvmPlans(ctx.cluster, reads)));
      },
      { handlers: drbdHandlers },
    );
    const connector = new Connector(async (n) => new FakeNode(n.name) as Connection);
    const plan = await runPlaybook(drbdBook, { cluster: withDrbd, check: true, noHistory: true, connector });
    expect(plan.hosts.map((h) => h.error ?? 'ok')).toEqual(['ok', 'ok']);
    expect(changed(plan)).toContain('slave: create DRBD metadata for r1');
    // without the LVM phase's word the missing volume is unreadable: refused
    const alone = definePlaybook('drbd', async (ctx) => void (await bootstrapDrbd(ctx, ctx.hosts.role('master', 'slave'))), {
      handlers: drbdHandlers,
    });
    await expect(runPlaybook(alone, { cluster: withDrbd, check: true, noHistory: true, connector })).rejects.toThrow(
      /cannot tell what \/dev\/vg0\/r1 \(DRBD r1\) holds/,
    );
  });

  it('drift: a missing volume is cluster drift', () => {
    const t = { task: 'LVM logical volume /dev/vg0/r1 (48M)', host: 'slave', changed: true, reason: 'create /dev/vg0/r1, 48M', ms: 1 };
    expect(classifyTask(t)).toEqual([
      {
        kind: 'cluster',
        host: 'slave',
        subject: 'lvm: logical volume /dev/vg0/r1',
        message: 'missing: bootstrap would create /dev/vg0/r1, 48M',
      },
    ]);
  });
});
