import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LvsService } from '../../../src/inventory/model.js';
import {
  ARP_SETTINGS_CHECK,
  realServerInterfaces,
  realServerSysctl,
  realServerVips,
  unmanagedForwarding,
  vipOnLoAdd,
  vipOnLoCheck,
} from '../../../src/stack/realservers.js';

const service = (name: string, address: string, forwarding: LvsService['forwarding'], reals: string[]): LvsService => ({
  name,
  address,
  port: 80,
  protocol: 'tcp',
  scheduler: 'wrr',
  forwarding,
  realServers: reals.map((a) => ({ address: a, port: 80, weight: 1 })),
  check: { type: 'http', path: '/', interval: 5, timeout: 3 },
});

const lvs = [
  service('web', '10.0.0.200', 'gate', ['10.0.0.21', '10.0.0.22']),
  service('web-tls', '10.0.0.200', 'gate', ['10.0.0.21']), // same VIP, another port: once on lo
  service('mail', '10.0.0.201', 'gate', ['10.0.0.22']),
  service('nat', '10.0.0.202', 'masq', ['10.0.0.21']),
];

describe('LVS real servers (direct routing)', () => {
  it('each node holds the VIPs of the gate services that name it, once each; masq/ipip ones are named, not set up', () => {
    expect(realServerVips({ lvs }, { address: '10.0.0.21' })).toEqual(['10.0.0.200']);
    expect(realServerVips({ lvs }, { address: '10.0.0.22' })).toEqual(['10.0.0.200', '10.0.0.201']);
    expect(realServerVips({ lvs }, { address: '10.0.0.23' })).toEqual([]);
    expect(unmanagedForwarding({ lvs }, { address: '10.0.0.21' })).toEqual(['nat']);
  });

  it('writes the howto settings: arp_ignore 1, arp_announce 2, and one lo alias per VIP for ifupdown', () => {
    expect(realServerSysctl()).toMatch(/^net\.ipv4\.conf\.all\.arp_ignore = 1\nnet\.ipv4\.conf\.all\.arp_announce = 2\n$/m);
    expect(realServerInterfaces(['10.0.0.200', '10.0.0.201'])).toContain(
      'auto lo:hactl0\niface lo:hactl0 inet static\n    address 10.0.0.200/32\n\nauto lo:hactl1\niface lo:hactl1 inet static\n    address 10.0.0.201/32\n',
    );
    expect(vipOnLoAdd('10.0.0.200', 1)).toBe('ip addr add 10.0.0.200/32 dev lo label lo:hactl1');
  });

  it('the probes read the running state: the VIP matched as a whole /32 on lo, the ARP values exactly', () => {
    const run = (script: string, ipOut: string, arp: [string, string]) =>
      spawnSync('sh', [
        '-c',
        `ip() { printf '%s\\n' ${JSON.stringify(ipOut)}; }; sysctl() { case "$2" in *ignore) echo ${arp[0]};; *) echo ${arp[1]};; esac; }; ${script}`,
      ]).status;
    const lo = '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n1: lo    inet 10.0.0.200/32 scope global lo:hactl0';
    expect(run(vipOnLoCheck('10.0.0.200'), lo, ['1', '2'])).toBe(0);
    expect(run(vipOnLoCheck('10.0.0.20'), lo, ['1', '2'])).toBe(1); // a prefix of the VIP is not the VIP
    expect(run(ARP_SETTINGS_CHECK, lo, ['1', '2'])).toBe(0);
    expect(run(ARP_SETTINGS_CHECK, lo, ['0', '2'])).toBe(1);
    expect(run(ARP_SETTINGS_CHECK, lo, ['1', '0'])).toBe(1);
  });
});
