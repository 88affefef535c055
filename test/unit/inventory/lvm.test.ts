import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { problemsIn, TWO_TWINS } from './helpers.js';

const LVM = `${TWO_TWINS}lvm:
  - vg: vg0
    pvs: [/dev/vdc, /dev/vdd]
    lvs:
      - { name: r1, size: 48M }
      - { name: vm2, size: 10G }
`;

describe('lvm: in the inventory', () => {
  it('resolves each logical volume to /dev/VG/LV with its size in bytes; a DRBD resource and a guest may use one', () => {
    const c = parseInventory(
      `${LVM}drbd:\n  - { name: r1, device: /dev/drbd1, disk: /dev/vg0/r1 }\nguests:\n  - { name: vm2, type: kvm, disk: /dev/vg0/vm2 }\n`,
      'lvm.yaml',
    );
    expect(c.lvm).toEqual([
      {
        vg: 'vg0',
        pvs: ['/dev/vdc', '/dev/vdd'],
        lvs: [
          { name: 'r1', size: '48M', bytes: 48 * 2 ** 20, path: '/dev/vg0/r1' },
          { name: 'vm2', size: '10G', bytes: 10 * 2 ** 30, path: '/dev/vg0/vm2' },
        ],
      },
    ]);
    expect(c.drbd[0]!.disk).toBe('/dev/vg0/r1');
    expect(c.guests[0]!.disk).toBe('/dev/vg0/vm2');
    expect(parseInventory(TWO_TWINS, 'none.yaml').lvm).toEqual([]);
  });

  it('refuses names LVM refuses, relative disks and sizes it cannot take, at their line', () => {
    const bad = `${TWO_TWINS}lvm:\n  - vg: -vg\n    pvs: [vdc]\n    lvs: [{ name: snapshot1, size: 10 }, { name: a, size: 1.5G }]\n`;
    expect(problemsIn(bad, 'bad.yaml').map((p) => [p.location, p.field])).toEqual([
      ['bad.yaml:11:9', 'lvm[0].vg'],
      ['bad.yaml:12:11', 'lvm[0].pvs[0]'],
      ['bad.yaml:13:19', 'lvm[0].lvs[0].name'],
      ['bad.yaml:13:36', 'lvm[0].lvs[0].size'],
      ['bad.yaml:13:59', 'lvm[0].lvs[1].size'],
    ]);
  });

  it('one group per name, one volume per name in a group, a disk in one group and never a DRBD disk', () => {
    const text =
      `${LVM}      - { name: r1, size: 1G }\n  - vg: vg0\n    pvs: [/dev/vdc]\n` +
      'drbd:\n  - { name: r0, device: /dev/drbd0, disk: /dev/vdd }\n  - { name: r1, device: /dev/drbd1, disk: /dev/vg0/r2 }\n' +
      'guests:\n  - { name: g, type: kvm, disk: /dev/vg0/nope }\n  - { name: h, type: kvm, disk: /dev/vdc }\n';
    expect(problemsIn(text, 'dup.yaml')).toEqual([
      {
        location: 'dup.yaml:16:17',
        field: 'lvm[0].lvs[2].name',
        message: 'duplicate logical volume "r1" in volume group vg0 (also lvs[0])',
        hint: undefined,
      },
      {
        location: 'dup.yaml:17:9',
        field: 'lvm[1].vg',
        message: 'duplicate volume group "vg0" (also lvm[0])',
        hint: 'one entry per volume group; merge their pvs and lvs',
      },
      {
        location: 'dup.yaml:18:11',
        field: 'lvm[1].pvs[0]',
        message: 'physical volume /dev/vdc is listed twice (also lvm[0].pvs[0], volume group vg0)',
        hint: 'a disk belongs to one volume group only',
      },
      {
        location: 'dup.yaml:20:43',
        field: 'drbd[0].disk',
        message: "DRBD r0's disk /dev/vdd is a physical volume of lvm: (lvm[0].pvs[1], volume group vg0)",
        hint: 'give DRBD a logical volume of that group instead (disk: /dev/VG/LV), or take the disk out of pvs:',
      },
      {
        location: 'dup.yaml:21:43',
        field: 'drbd[1].disk',
        message: '/dev/vg0/r2: volume group vg0 has no logical volume "r2" in lvm:',
        hint: 'did you mean /dev/vg0/r1?',
      },
      {
        location: 'dup.yaml:23:33',
        field: 'guests[0].disk',
        message: '/dev/vg0/nope: volume group vg0 has no logical volume "nope" in lvm:',
        hint: 'declare it under the lvs: of volume group vg0',
      },
      {
        location: 'dup.yaml:24:33',
        field: 'guests[1].disk',
        message: "guest h's disk /dev/vdc is a physical volume of lvm: (lvm[0].pvs[0], volume group vg0)",
        hint: 'give the guest a logical volume of that group (disk: /dev/VG/LV, or a DRBD resource on one)',
      },
    ]);
  });
});
