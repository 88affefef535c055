import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FORMATION_NVPAIR_ID } from '../../../src/stack/cib.js';
import {
  FORMATION_DC_DEADTIME,
  FORMATION_PROPERTY_CHECK,
  FORMATION_PROPERTY_DELETE,
  FRESH_NODE_CHECK,
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
