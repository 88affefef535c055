import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInventory } from '../../../src/inventory/load.js';
import type { VmImage } from '../../../src/lab/vm/image.js';
import { tapOf } from '../../../src/lab/vm/network.js';
import { vmPaths } from '../../../src/lab/vm/paths.js';
import { qemuArgs } from '../../../src/lab/vm/qemu.js';
import type { VmNode } from '../../../src/lab/vm/state.js';
import { newNodes, vmInventoryText } from '../../../src/lab/vm/up.js';
import { renderFile } from '../../../src/render/render.js';
import { corosyncView } from '../../../src/stack/corosync.js';
import { drbdView } from '../../../src/stack/drbd.js';

// Issue #20 on the VM lab: `lab up --vm --backplane` gives each VM a second NIC (eth1) on
// a second bridge, its address through fw_cfg, and the namespace lab's inventory shape.
const image: VmImage = { dir: '/img', root: '/img/root.img', kernel: '/img/vmlinuz', initrd: '/img/initrd.img', repo: '/img/repo' };
const vms = (backplane: boolean): VmNode[] => newNodes(backplane);

describe('VM lab backplane', () => {
  it('a second tap NIC after eth0, its own MAC, and eth1 address passed through fw_cfg', () => {
    const files = vmPaths('/s').vm('master');
    const args = qemuArgs({ accel: 'tcg', memoryMiB: 1024 }, image, vms(true)[0]!, files).join(' ');
    expect(args).toContain(
      '-netdev tap,id=n0,ifname=t-master,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=52:54:00:78:00:0b ' +
        '-netdev tap,id=n1,ifname=b-master,script=no,downscript=no -device virtio-net-pci,netdev=n1,mac=52:54:00:79:00:0b',
    );
    expect(args).toContain(`name=opt/hactl/backplane,file=${files.identity}/backplane`);
    const plain = qemuArgs({ accel: 'tcg', memoryMiB: 1024 }, image, vms(false)[0]!, files).join(' ');
    expect(plain).not.toMatch(/id=n1|b-master|opt\/hactl\/backplane/);
  });

  it('the inventory declares the backplane, two links, DRBD on 10.79.78.x; it loads and renders', () => {
    const paths = vmPaths('/tmp/somewhere');
    const text = vmInventoryText(paths, paths.inventory, 'pacemaker', vms(true));
    const inv = parse(text);
    expect(inv.cluster).toMatchObject({
      networks: { backplane: { cidr: '10.79.78.0/24', interface: 'eth1' } },
      links: [
        { network: 'backplane', priority: 20 },
        { network: 'public', priority: 10 },
      ],
      replication: 'backplane',
    });
    expect(inv.nodes.map((n: { addresses?: { backplane: string } }) => n.addresses?.backplane)).toEqual([
      '10.79.78.11',
      '10.79.78.12',
      '10.79.78.13',
    ]);
    const c = parseInventory(text, 'lab.yaml');
    const res = renderFile('drbd/resource.res.hbs', drbdView(c, c.drbd[0]!));
    expect(res).toContain('address 10.79.78.11:7788;');
    expect(res).toContain('address 10.79.78.12:7788;');
    expect(renderFile('corosync/corosync.conf.hbs', corosyncView(c))).toMatch(/ring0_addr: 10\.79\.78\.11[\s\S]*ring1_addr: 10\.78\.0\.11/);
    // without --backplane: one network, as before
    const plain = parse(vmInventoryText(paths, paths.inventory, 'pacemaker', vms(false)));
    expect(plain.cluster.networks).toBeUndefined();
    expect(plain.cluster.links).toBeUndefined();
  });

  it('lab cut --link picks the tap: public by default, backplane only where the VM has one', () => {
    const [withBp] = vms(true);
    const [without] = vms(false);
    expect(tapOf(withBp!)).toEqual({ netns: 'hactl-vm', link: 't-master' });
    expect(tapOf(withBp!, 'backplane')).toEqual({ netns: 'hactl-vm', link: 'b-master' });
    expect(() => tapOf(without!, 'backplane')).toThrow(/no "backplane" network on the VM lab: public \(`lab up --vm --backplane` adds/);
    expect(() => tapOf(withBp!, 'storage')).toThrow(/no "storage" network on the VM lab: public or backplane/);
  });

  it("lab up --vm --serial: the twins' second UARTs send to each other over UDP on loopback; the arbitrator has none; cluster.serial", () => {
    const nodes = newNodes(true, true);
    expect(nodes.map((n) => n.serial)).toEqual([{ port: 7611, peer: 7612 }, { port: 7612, peer: 7611 }, undefined]);
    const files = vmPaths('/s').vm('master');
    const args = (n: VmNode) => qemuArgs({ accel: 'tcg', memoryMiB: 1024 }, image, n, files).join(' ');
    expect(args(nodes[0]!)).toContain(
      '-chardev udp,id=cable,host=127.0.0.1,port=7612,localaddr=127.0.0.1,localport=7611 -device isa-serial,chardev=cable',
    );
    // the console stays the first UART (ttyS0)
    expect(args(nodes[0]!)).toMatch(/-serial file:\S+ .*console=ttyS0/);
    expect(args(nodes[2]!)).not.toContain('chardev');
    expect(args(vms(true)[0]!)).not.toContain('chardev');
    const paths = vmPaths('/tmp/somewhere');
    const text = vmInventoryText(paths, paths.inventory, 'heartbeat', nodes);
    expect(parse(text).cluster.serial).toEqual({ device: '/dev/ttyS1' });
    expect(parseInventory(text, 'lab.yaml').serial).toEqual({ device: '/dev/ttyS1', baud: 19200 });
    expect(parse(vmInventoryText(paths, paths.inventory, 'heartbeat', vms(true))).cluster.serial).toBeUndefined();
  });
});
