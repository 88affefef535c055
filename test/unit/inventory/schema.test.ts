import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { inventorySchema } from '../../../src/inventory/index.js';

type S = Record<string, unknown>;

/** Every sub-schema, with its path, for structural assertions. */
function walk(s: S, path: string, visit: (s: S, path: string) => void): void {
  visit(s, path);
  for (const [k, v] of Object.entries((s['properties'] as Record<string, S> | undefined) ?? {})) walk(v, `${path}.${k}`, visit);
  for (const key of ['items', 'then', 'else'] as const)
    if (s[key] && typeof s[key] === 'object') walk(s[key] as S, `${path}/${key}`, visit);
  if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object') walk(s['additionalProperties'] as S, `${path}/*`, visit);
}

describe('inventorySchema', () => {
  it('is a valid draft-07 JSON Schema that ajv compiles in strict mode', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(inventorySchema)).toBe(true);
    expect(() => ajv.compile(inventorySchema)).not.toThrow();
  });

  it('is plain JSON (what `hactl inventory schema` prints)', () => {
    expect(JSON.parse(JSON.stringify(inventorySchema))).toEqual(inventorySchema);
  });

  it('closes every object except free variable maps', () => {
    const open: string[] = [];
    walk(inventorySchema, '$', (s, path) => {
      // cluster vars are free but for the keys hactl reads itself (checked like any field)
      if (s['properties'] && s['additionalProperties'] !== false && s['title'] !== 'variables') open.push(path);
      if (s['type'] === 'object' && !s['properties'] && s['title'] !== 'variables' && typeof s['additionalProperties'] !== 'object')
        open.push(path);
    });
    expect(open).toEqual([]);
  });

  it('describes every field (editors show it as hover help)', () => {
    const bare: string[] = [];
    walk(inventorySchema, '$', (s, path) => {
      if (!path.endsWith('/then') && !path.endsWith('/else') && !s['description']) bare.push(path);
    });
    expect(bare).toEqual([]);
  });

  it('accepts the format of the documentation example', () => {
    const validate = new Ajv({ allowUnionTypes: true }).compile(inventorySchema);
    const doc = {
      cluster: {
        name: 'lab',
        stack: 'pacemaker',
        network: '10.77.0.0/24',
        interface: 'eth0',
        floating_ips: ['10.77.0.100/24', { address: '10.77.0.101' }],
        timing: { token: 3000, consensus: 3600, keepalive: 1, warntime: 5, deadtime: 10, initdead: 30, monitor_interval: 5 },
        stonith: { enabled: true, agent: 'fence_lab', params: { key: 'value' } },
        secrets_dir: '.hactl/secrets',
      },
      ssh: { user: 'root', port: 22, identity: './id', config: './ssh_config', known_hosts: './known_hosts', become: false },
      nodes: [
        {
          name: 'master',
          address: '10.77.0.11',
          role: 'master',
          node_id: 1,
          ssh: { host: 'alias', user: 'u', port: 22, identity: 'k', become: true },
          vars: {},
        },
        { name: 'slave', address: '10.77.0.12', role: 'slave' },
      ],
      drbd: [
        {
          name: 'r0',
          device: '/dev/drbd0',
          disk: '/dev/vdb',
          port: 7789,
          meta_disk: 'internal',
          protocol: 'C',
          filesystem: { type: 'ext4', mount: '/srv/data', options: 'noatime' },
        },
      ],
      services: [{ name: 'apache2', package: 'apache2', check: { port: 80, path: '/', expect: '' }, drbd: 'r0' }],
      guests: [
        { name: 'vm1', type: 'kvm', memory: 512, vcpus: 1, disk: '/dev/drbd1', drbd: 'r1', bridge: 'br0', mac: '52:54:00:12:34:56' },
      ],
      lvs: [
        {
          name: 'web',
          virtual: '10.77.0.200:80',
          protocol: 'tcp',
          scheduler: 'wrr',
          persistent: 300,
          forwarding: 'gate',
          real_servers: ['10.77.0.21:80', { address: '10.77.0.22', port: 80, weight: 2 }],
          check: { type: 'http', path: '/', expect: 'ok', interval: 5, timeout: 3 },
        },
      ],
      vars: { anything: [1, 2] },
    };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });
});
