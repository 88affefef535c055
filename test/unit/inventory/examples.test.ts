import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inventorySchema, inventoryWarnings, loadInventory, parseInventory, timingWarnings } from '../../../src/inventory/index.js';
import { validatorSource } from '../../../src/inventory/validator-source.js';
import { EXAMPLES } from './helpers.js';

const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

describe('shipped inventories', () => {
  it('there are the lab and example inventories', () => {
    expect(files).toEqual(
      expect.arrayContaining(['lab.yaml', 'lab-heartbeat.yaml', 'example-pacemaker-drbd-kvm.yaml', 'example-heartbeat-xen.yaml']),
    );
  });

  for (const f of files) {
    it(`${f} loads and has no timing warnings`, async () => {
      const m = await loadInventory(EXAMPLES + f);
      expect(m.master.role).toBe('master');
      expect(m.slave.role).toBe('slave');
      expect(timingWarnings(m)).toEqual([]);
    });
  }

  it('lab.yaml is the namespace lab', async () => {
    const m = await loadInventory(EXAMPLES + 'lab.yaml');
    expect(m.stack).toBe('pacemaker');
    expect(m.network).toEqual({ cidr: '10.77.0.0/24', address: '10.77.0.0', prefix: 24 });
    expect(m.nodes.map((n) => [n.name, n.role, n.address, n.nodeId])).toEqual([
      ['master', 'master', '10.77.0.11', 1],
      ['slave', 'slave', '10.77.0.12', 2],
      ['arbitrator', 'arbitrator', '10.77.0.13', 3],
    ]);
    expect(m.arbitrator?.name).toBe('arbitrator');
    expect(m.floatingIps).toEqual([{ address: '10.77.0.100', prefix: 24, interface: 'eth0', name: 'vip' }]);
    expect(m.services).toEqual([{ name: 'apache2', package: 'apache2', check: { port: 80, path: '/' } }]);
    expect(m.master.ssh).toEqual({
      user: 'root',
      port: 22,
      become: false,
      identity: '/var/lib/hactl/lab/id_ed25519',
      config: '/var/lib/hactl/lab/ssh_config',
      knownHosts: '/var/lib/hactl/lab/known_hosts',
    });
    expect(inventoryWarnings(m)).toEqual([]);
  });

  it('lab-heartbeat.yaml is the same lab with the heartbeat stack', async () => {
    const pm = await loadInventory(EXAMPLES + 'lab.yaml');
    const hb = await loadInventory(EXAMPLES + 'lab-heartbeat.yaml');
    expect(hb.stack).toBe('heartbeat');
    expect({ ...hb, stack: pm.stack, source: pm.source }).toEqual(pm);
  });

  it("inventory.schema.json (used by the examples' modeline) matches the exported schema", () => {
    const onDisk: unknown = JSON.parse(readFileSync(EXAMPLES + 'inventory.schema.json', 'utf8'));
    expect(onDisk).toEqual(inventorySchema);
  });

  it('the precompiled validator is current (else: npm run gen:validator)', () => {
    const onDisk = readFileSync(new URL('../../../src/inventory/schema-validator.generated.ts', import.meta.url), 'utf8');
    expect(onDisk === validatorSource(), 'src/inventory/schema-validator.generated.ts is stale: run `npm run gen:validator`').toBe(true);
  });

  it('every example starts with the yaml-language-server modeline', () => {
    for (const f of files)
      expect(readFileSync(EXAMPLES + f, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./inventory.schema.json');
  });
});

describe('docs/inventory.md', () => {
  it('its complete example is a valid inventory', () => {
    const md = readFileSync(new URL('../../../docs/inventory.md', import.meta.url), 'utf8');
    const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^nodes:/m.test(b) && /^cluster:/m.test(b));
    expect(blocks.length).toBeGreaterThan(0);
    // the lab's, and the three tiers' (issue #21)
    for (const b of blocks) expect(['lab', 'three-tier']).toContain(parseInventory(b, 'docs.yaml').name);
  });
});
