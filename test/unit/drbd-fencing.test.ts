import { describe, expect, it } from 'vitest';
import { formatError, type InputErrors } from '../../src/core/errors.js';
import { parseInventory } from '../../src/inventory/load.js';
import { renderFile } from '../../src/render/render.js';
import { drbdFencing, drbdView } from '../../src/stack/drbd.js';
import { haCfView } from '../../src/stack/heartbeat.js';
import { cibView } from '../../src/stack/pacemaker.js';

// DRBD fencing (issue #18): the policy's default follows cluster.stonith and the stack,
// the handlers are the ones Debian 12 ships for DRBD 8.4, and what a stack cannot do is
// refused at the field that asks for it.
const inventory = (o: { stack?: string; stonith?: boolean; fencing?: string; extra?: string; params?: string } = {}): string => `cluster:
  name: f
  stack: ${o.stack ?? 'pacemaker'}
  network: 10.1.0.0/24
  floating_ips: [10.1.0.100]
  stonith:
    enabled: ${o.stonith ?? true}
${o.stonith === false ? '' : `    agent: fence_ipmilan\n    params:\n      ip: 10.1.0.250\n${o.params ?? ''}`}
nodes:
  - { name: alpha, address: 10.1.0.11, role: master }
  - { name: beta, address: 10.1.0.12, role: slave }
  - { name: gamma, address: 10.1.0.13, role: arbitrator }
drbd:
  - { name: r0, device: /dev/drbd0, disk: /dev/vdb${o.fencing ? `, fencing: ${o.fencing}` : ''} }
${o.extra ?? ''}`;
const load = (o: Parameters<typeof inventory>[0]) => parseInventory(inventory(o), '/x/inv.yaml');
const res = (o: Parameters<typeof inventory>[0]) => {
  const c = load(o);
  return renderFile('drbd/resource.res.hbs', drbdView(c, c.drbd[0]!));
};

describe('DRBD fencing', () => {
  it('defaults: resource-and-stonith on Pacemaker and resource-only (dopd) on Heartbeat with STONITH, off without', () => {
    const at = (o: Parameters<typeof inventory>[0]) => {
      const c = load(o);
      return drbdFencing(c, c.drbd[0]!);
    };
    expect(at({})).toBe('resource-and-stonith');
    expect(at({ stack: 'heartbeat' })).toBe('resource-only');
    expect(at({ stonith: false })).toBe('off');
    expect(at({ stonith: false, fencing: 'resource-only' })).toBe('resource-only');
    expect(at({ fencing: 'off' })).toBe('off');
  });

  it('Pacemaker: fencing in the disk section (DRBD 8.4) with crm-fence-peer.sh and crm-unfence-peer.sh; the agent unfences once UpToDate', () => {
    const out = res({});
    expect(out).toMatch(/disk \{[^}]*fencing resource-and-stonith;[^}]*\}/);
    expect(out).not.toMatch(/net \{[^}]*fencing/);
    expect(out).toContain('fence-peer "/usr/lib/drbd/crm-fence-peer.sh";');
    expect(out).toContain('unfence-peer "/usr/lib/drbd/crm-unfence-peer.sh";');
    expect(out).toContain('after-resync-target "/usr/lib/drbd/crm-unfence-peer.sh";');
    expect(out).not.toContain('.9.sh');
    const cib = renderFile('pacemaker/resources.xml.hbs', cibView(load({}), { drbd: true, serviceClass: 'systemd' }));
    expect(cib).toContain('<nvpair id="drbd-r0-unfence" name="unfence_if_all_uptodate" value="true"/>');
    const off = res({ fencing: 'off' });
    expect(off).not.toMatch(/fencing|fence-peer/);
    expect(
      renderFile('pacemaker/resources.xml.hbs', cibView(load({ fencing: 'off' }), { drbd: true, serviceClass: 'systemd' })),
    ).not.toContain('unfence');
  });

  it('Heartbeat: drbd-peer-outdater as fence-peer and dopd respawned with its apiauth in ha.cf (Debian 12 paths)', () => {
    expect(res({ stack: 'heartbeat' })).toContain('fence-peer "/usr/libexec/heartbeat/drbd-peer-outdater -t 5";');
    const hb = load({ stack: 'heartbeat' });
    const cf = renderFile('heartbeat/ha.cf.hbs', haCfView(hb, 'alpha', '/usr/lib/heartbeat/ipfail'));
    expect(cf).toContain('respawn hacluster /usr/libexec/heartbeat/dopd\napiauth dopd gid=haclient uid=hacluster\n');
    const none = load({ stack: 'heartbeat', fencing: 'off' });
    expect(renderFile('heartbeat/ha.cf.hbs', haCfView(none, 'alpha', '/usr/lib/heartbeat/ipfail'))).not.toContain('dopd');
  });

  it('refuses what the stack cannot do, at the field', () => {
    const problem = (o: Parameters<typeof inventory>[0]): string => {
      try {
        load(o);
      } catch (e) {
        return formatError(e as InputErrors);
      }
      return 'accepted';
    };
    expect(problem({ stack: 'heartbeat', fencing: 'resource-and-stonith' })).toMatch(
      /:17:62: DRBD fencing resource-and-stonith on heartbeat: dopd \(drbd-peer-outdater\) can only outdate the peer.*\(field drbd\[0\]\.fencing\)/,
    );
    expect(problem({ stonith: false, fencing: 'resource-and-stonith' })).toMatch(/never does \(field drbd\[0\]\.fencing\)/);
    expect(problem({ extra: 'vars:\n  drbd_options:\n    r0:\n      disk:\n        fencing: resource-only\n' })).toMatch(
      /\(field vars\.drbd_options\.r0\.disk\.fencing\)\n {2}hint: set drbd\[0\]\.fencing instead/,
    );
  });
});

describe('fence races', () => {
  const devices = (params?: string) =>
    cibView(load({ params }), { drbd: true, serviceClass: 'systemd' }).fencing as Array<{ id: string; params: Record<string, string> }>;

  it('every fence device waits a random delay (pcmk_delay_max), so two twins cut apart never shoot each other', () => {
    expect(devices().map((d) => [d.id, d.params.pcmk_delay_max])).toEqual([
      ['fence-alpha', '15s'],
      ['fence-beta', '15s'],
      ['fence-gamma', '15s'],
    ]);
  });

  it("the inventory's own delay takes its place", () => {
    expect(devices('      pcmk_delay_max: 5s\n').map((d) => d.params.pcmk_delay_max)).toEqual(['5s', '5s', '5s']);
    expect(devices('      pcmk_delay_base: 3s\n')[0]!.params).not.toHaveProperty('pcmk_delay_max');
  });
});
