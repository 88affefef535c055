import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMATION_NVPAIR_ID } from '../../../src/stack/cib.js';
import {
  FORMATION_DC_DEADTIME,
  FORMATION_PROPERTY_CHECK,
  FORMATION_PROPERTY_DELETE,
  FRESH_NODE_CHECK,
  hasFormationProperty,
  STATUS_AND_CONFIGURATION,
  seedCibScript,
} from '../../../src/stack/pacemaker.js';

// issue #23: a fresh cluster's first CIB carries a short dc-deadtime, removed once formed
describe('first formation: the seeded CIB and its removal', () => {
  it('the seed script is valid sh, builds on cibadmin --empty and never replaces an existing CIB', () => {
    const script = seedCibScript();
    expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
    expect(script).toContain('cibadmin --empty > "$t"');
    expect(script).toContain(`<nvpair id="${FORMATION_NVPAIR_ID}" name="dc-deadtime" value="${FORMATION_DC_DEADTIME}"/>`);
    expect(script).toMatch(/^ln "\$t" \/var\/lib\/pacemaker\/cib\/cib\.xml$/m); // ln fails on an existing name; mv would replace it
    expect(script).not.toMatch(/\bmv\b/);
    expect(script).toContain('chown hacluster:haclient "$t"');
  });

  it('a node is fresh only without an on-disk CIB and without pacemakerd', () => {
    expect(FRESH_NODE_CHECK).toBe('test ! -e /var/lib/pacemaker/cib/cib.xml && ! pgrep -x pacemakerd >/dev/null');
  });

  it('the check and the removal name the transient nvpair by id only', () => {
    // the shell sees one word: //crm_config//nvpair[@id='hactl-formation-dc-deadtime']
    const word = spawnSync('sh', ['-c', `printf %s ${FORMATION_PROPERTY_CHECK.split(' ')[3]}`], { encoding: 'utf8' }).stdout;
    expect(word).toBe(`//crm_config//nvpair[@id='${FORMATION_NVPAIR_ID}']`);
    expect(FORMATION_PROPERTY_DELETE).toBe(`cibadmin --delete --xml-text '<nvpair id="${FORMATION_NVPAIR_ID}"/>'`);
  });
});

// issue #23's no-op: the formation wait's last poll brings the live configuration along
describe('STATUS_AND_CONFIGURATION: crm_mon and the live configuration in one round trip', () => {
  const mon = readFileSync(new URL('../drift/fixtures/crm-mon-failcount.xml', import.meta.url), 'utf8');
  const config = `<configuration><crm_config><cluster_property_set id="p"><nvpair id="${FORMATION_NVPAIR_ID}" name="dc-deadtime" value="2s"/></cluster_property_set></crm_config></configuration>`;
  /** runs the fact's command with stand-in crm_mon and cibadmin on PATH */
  const run = (monExit: number, cibExit: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-sac-'));
    try {
      writeFileSync(join(dir, 'mon.xml'), mon);
      writeFileSync(join(dir, 'cib.xml'), config);
      writeFileSync(join(dir, 'crm_mon'), `#!/bin/sh\ncat ${dir}/mon.xml\nexit ${monExit}\n`);
      writeFileSync(join(dir, 'cibadmin'), `#!/bin/sh\necho "cibadmin $*" >&2\ncat ${dir}/cib.xml\nexit ${cibExit}\n`);
      chmodSync(join(dir, 'crm_mon'), 0o755);
      chmodSync(join(dir, 'cibadmin'), 0o755);
      const r = spawnSync('sh', ['-c', STATUS_AND_CONFIGURATION.command], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
      return STATUS_AND_CONFIGURATION.parse(r.stdout, r.status ?? 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it('both answer: the status parsed, the configuration whole, the transient found in it', () => {
    const v = run(0, 0);
    expect(v.status?.nodes.length).toBeGreaterThan(0);
    expect(v.configuration?.trim()).toBe(config);
    expect(hasFormationProperty(v.configuration!)).toBe(true);
    expect(hasFormationProperty('<configuration><crm_config/></configuration>')).toBe(false);
  });
  it('Pacemaker not answering: no status; a failed cibadmin: no configuration (the playbook reads it again)', () => {
    expect(run(102, 0).status).toBeUndefined();
    expect(run(0, 1)).toEqual({ status: expect.anything() });
  });
});
