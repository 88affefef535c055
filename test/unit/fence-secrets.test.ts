import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatModel } from '../../src/cli/commands/inventory.js';
import { mask } from '../../src/core/secret.js';
import { parseInventory } from '../../src/inventory/load.js';
import { isSecretParam } from '../../src/inventory/secret-value.js';
import { renderFile } from '../../src/render/render.js';
import { haCfMode, haCfView } from '../../src/stack/heartbeat.js';
import { cibView, fenceParams } from '../../src/stack/pacemaker.js';
import { planFile } from '../../src/tasks/file.js';

const inventory = (params: string, stack = 'pacemaker'): string => `cluster:
  name: sec
  stack: ${stack}
  network: 10.1.0.0/24
  floating_ips: [10.1.0.100]
  stonith:
    enabled: true
    agent: fence_ipmilan
    params:
${params}
nodes:
  - { name: alpha, address: 10.1.0.11, role: master }
  - { name: beta, address: 10.1.0.12, role: slave }
`;
const dir = mkdtempSync(join(tmpdir(), 'hactl-fence-'));
const file = join(dir, 'inv.yaml');

describe('fence credentials are secrets', () => {
  it.each([
    ['passwd', true],
    ['password', true],
    ['snmp_priv_passwd', true],
    ['community', true],
    ['secret', true],
    ['key', true],
    ['api_token', true],
    ['ipaddr', false],
    ['login', false],
    ['key_file', false],
    ['passwd_script', false],
    ['pcmk_host_list', false],
  ])('%s → secret: %s', (name, want) => expect(isSecretParam(name)).toBe(want));

  it('a password-like param is *** in `inventory check` text and JSON; the others stay readable', () => {
    const m = parseInventory(inventory('      ipaddr: 10.1.0.250\n      login: admin\n      passwd: "Fence-Pw-4711"'), file);
    const json = JSON.stringify(m);
    expect(json).not.toContain('Fence-Pw-4711');
    expect(json).toContain('"passwd":"***"');
    expect(json).toContain('"ipaddr":"10.1.0.250"');
    expect(formatModel(m)).not.toContain('Fence-Pw-4711');
    // and once loaded, every log line, error and diff is scrubbed
    expect(mask('fence_ipmilan -p Fence-Pw-4711 failed')).toBe('fence_ipmilan -p *** failed');
  });

  it('the staged CIB holds the real value; its diff shows *** (also XML-escaped); the file is 0600', () => {
    const m = parseInventory(inventory('      ipaddr: 10.1.0.250\n      passwd: "p<w&rd-9"'), file);
    expect(fenceParams(m).passwd).toBe('p<w&rd-9');
    const xml = renderFile('pacemaker/resources.xml.hbs', cibView(m, { drbd: false, serviceClass: 'systemd' }));
    expect(xml).toMatch(/name="passwd" value="p(<|&lt;)w(&|&amp;)rd-9"/);
    const plan = planFile({ path: '/var/lib/hactl/cib/resources.xml', exists: false }, '/var/lib/hactl/cib/resources.xml', {
      content: xml,
      mode: '0600',
    });
    expect(plan.diff).toContain('value="***"');
    expect(plan.diff).not.toMatch(/p<w|p&lt;w/);
  });

  it('heartbeat: ha.cf with stonith_host parameters is 0600, without them 0644', () => {
    const m = parseInventory(inventory('      ipaddr: 10.1.0.250\n      passwd: "Hb-Fence-Pw"', 'heartbeat'), file);
    expect(haCfMode(m)).toBe('0600');
    const cf = renderFile('heartbeat/ha.cf.hbs', haCfView(m, 'alpha', '/usr/libexec/heartbeat/ipfail'));
    expect(cf).toContain('stonith_host * external/fence_ipmilan 10.1.0.250 Hb-Fence-Pw');
    expect(mask(cf)).not.toContain('Hb-Fence-Pw');
    const none = parseInventory(inventory('      {}', 'heartbeat'), file);
    expect(haCfMode(none)).toBe('0644');
  });
});

describe('secret values from a file, a command or the environment', () => {
  it('are read when first needed, never at load (inventory check runs no command)', () => {
    const marker = join(dir, 'ran');
    writeFileSync(join(dir, 'pw.txt'), 'From-File-Pw\n');
    process.env.HACTL_TEST_FENCE_PW = 'From-Env-Pw';
    const m = parseInventory(
      inventory(
        `      passwd: { file: pw.txt }\n      community: { env: HACTL_TEST_FENCE_PW }\n      secret: { command: "touch ${marker}; echo From-Cmd-Pw" }`,
      ),
      file,
    );
    expect(JSON.stringify(m.stonith.params)).toBe('{"passwd":"***","community":"***","secret":"***"}');
    expect(existsSync(marker)).toBe(false);
    expect(fenceParams(m)).toEqual({ passwd: 'From-File-Pw', community: 'From-Env-Pw', secret: 'From-Cmd-Pw' });
    expect(existsSync(marker)).toBe(true);
    expect(mask('a From-File-Pw b From-Env-Pw c From-Cmd-Pw')).toBe('a *** b *** c ***');
  });
  it('a missing source is an input error naming the field, never a value', () => {
    delete process.env.HACTL_TEST_NOPE;
    const m = parseInventory(
      inventory('      passwd: { env: HACTL_TEST_NOPE }\n      community: { file: nope.txt }\n      secret: { command: "exit 3" }'),
      file,
    );
    expect(() => fenceParams(m)).toThrow(/cluster.stonith.params.passwd: the environment variable HACTL_TEST_NOPE is not set/);
    const only = (k: string) => () => (m.stonith.params![k] as { reveal(): string }).reveal();
    expect(only('community')).toThrow(/cluster.stonith.params.community: cannot read .*nope.txt: ENOENT/);
    expect(only('secret')).toThrow(/the command `exit 3` failed \(exit 3\)/);
  });
  it('the schema takes exactly one source key', () => {
    expect(() => parseInventory(inventory('      passwd: { file: a, env: B }'), file)).toThrow();
    expect(() => parseInventory(inventory('      passwd: { vault: x }'), file)).toThrow();
  });
});

describe('secret fields in the schema', () => {
  /** Paths (`a.b.*`) of every schema node marked `writeOnly` (the JSON Schema annotation for secrets). */
  function writeOnlyPaths(s: any, path: string[] = []): string[] {
    if (!s || typeof s !== 'object') return [];
    const here = s.writeOnly === true ? [path.join('.')] : [];
    const props = Object.entries(s.properties ?? {}).flatMap(([k, v]) => writeOnlyPaths(v, [...path, k]));
    const extra = typeof s.additionalProperties === 'object' ? writeOnlyPaths(s.additionalProperties, [...path, '*']) : [];
    const items = s.items ? writeOnlyPaths(s.items, [...path, '[]']) : [];
    const branches = ['if', 'then', 'else'].flatMap((k) => (s[k] ? writeOnlyPaths(s[k], path) : []));
    return [...here, ...props, ...extra, ...items, ...branches];
  }
  it('are exactly the ones the resolver turns into Secrets (a new one needs handling in resolve.ts)', async () => {
    const { inventorySchema } = await import('../../src/inventory/schema.js');
    expect([...new Set(writeOnlyPaths(inventorySchema))]).toEqual(['cluster.stonith.params.*', 'pacemaker.resources.[].params.*']);
  });
});
