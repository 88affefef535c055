import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cibApplyScript, FORMATION_NVPAIR_ID, OWNED_TAG, planCib, readConfiguration, topLevel } from '../../../src/stack/cib.js';

// Golden CIBs are real `cibadmin -Q --scope configuration` output (Pacemaker 2.1.5):
//   v1-with-operator.xml  made by hactl before ownership marks (no tag), then an operator
//                         added a Dummy primitive, a location constraint, a property and
//                         op_defaults
const FIX = join(__dirname, '../../fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
const V1 = read('cib/v1-with-operator.xml');
const desired = { resources: read('golden/resources-nodrbd.xml'), constraints: read('golden/constraints-nodrbd.xml') };
const props = { crm_config: ['stonith-enabled', 'no-quorum-policy', 'cluster-recheck-interval'], rsc_defaults: ['resource-stickiness'] };
const OWNED_IDS = [
  'fence-kvm-a',
  'fence-kvm-b',
  'fence-quorum',
  'ha-services',
  'loc-ha-services-prefers-kvm-a',
  'loc-ha-services-never-quorum',
  'loc-fence-kvm-a-not-self',
  'loc-fence-kvm-b-not-self',
  'loc-fence-quorum-not-self',
];

const root = process.env.HACTL_PCMK_ROOT;
const realCibadmin = Boolean(root && existsSync(join(root, 'usr/sbin/cibadmin')));

/**
 * Runs the apply script of `p` with Pacemaker's real tools on a CIB file holding `config`
 * (no cluster: CIB_file instead of a shadow, crm_diff instead of the live patch).
 */
function applyOnFile(config: string, p: ReturnType<typeof planCib>) {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-cib-'));
  const env = {
    ...process.env,
    PATH: `${root}/usr/sbin:${process.env.PATH}`,
    LD_LIBRARY_PATH: `${root}/usr/lib/x86_64-linux-gnu:${root}/usr/lib`,
    PCMK_schema_directory: `${root}/usr/share/pacemaker`,
  };
  const cib = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n${config}<status/>\n</cib>\n`;
  writeFileSync(join(dir, 'live.xml'), cib);
  const script = cibApplyScript(p.ops, p.tag ? p.owned : undefined, dir)
    .replace('crm_shadow --batch --force --create $shadow >/dev/null 2>&1', `cp ${dir}/live.xml "$dir/shadow.xml"`)
    .replace('export CIB_shadow=$shadow', 'export CIB_file="$dir/shadow.xml"')
    .replace('unset CIB_shadow', 'unset CIB_file')
    .replace(
      'cibadmin --patch --xml-file "$dir/patch.xml"',
      `cp "$dir/patch.xml" ${dir}/patch.xml; crm_diff -o ${dir}/live.xml -p "$dir/patch.xml" > ${dir}/result.xml`,
    );
  return { dir, env, r: spawnSync('sh', ['-s'], { input: script, env, encoding: 'utf8' }) };
}

/** The v1 CIB after a run: the tag lists hactl's ids. */
const tagged = (xml: string, ids = OWNED_IDS): string =>
  xml.replace(
    '</configuration>',
    `  <tags>\n    <tag id="${OWNED_TAG}">\n${ids.map((i) => `      <obj_ref id="${i}"/>\n`).join('')}    </tag>\n  </tags>\n</configuration>`,
  );

describe('CIB ownership: classification', () => {
  it("a CIB of the previous hactl: its elements are adopted, the operator's are foreign", () => {
    const p = planCib(V1, desired, props);
    expect(p.adopted).toEqual(OWNED_IDS);
    expect(p.ops).toEqual([]);
    expect(p.tag).toBe(true);
    expect(p.summary).toBe(`owned CIB elements: adopt ${OWNED_IDS.join(', ')}`);
    expect(p.foreign).toEqual([
      { section: 'resources', kind: 'primitive', id: 'op-dummy' },
      { section: 'constraints', kind: 'rsc_location', id: 'op-dummy-prefers-slave' },
      { section: 'crm_config', kind: 'property', id: 'cib-bootstrap-options-operator-note', detail: 'operator-note=hello' },
      { section: 'op_defaults', kind: 'property', id: 'op-options-timeout', detail: 'timeout=30s' },
    ]);
    // the diff shows only the tag being written: the owned elements are equal
    expect(p.diff).toMatch(/^\+<tag id="hactl-owned">$/m);
    expect(
      p.diff
        .split('\n')
        .filter((l) => /^[-+][^-+]/.test(l))
        .every((l) => /tag|obj_ref/.test(l)),
    ).toBe(true);
  });

  it('tagged and equal: nothing to do', () => {
    const p = planCib(tagged(V1), desired, props);
    expect(p).toMatchObject({ ops: [], tag: false, adopted: [], diff: '', summary: 'the CIB elements hactl owns match the inventory' });
    expect(p.foreign.map((f) => f.id)).toEqual([
      'op-dummy',
      'op-dummy-prefers-slave',
      'cib-bootstrap-options-operator-note',
      'op-options-timeout',
    ]);
  });

  it('attribute order and whitespace do not count (as for crm_diff)', () => {
    const shuffled = tagged(V1).replace(
      '<rsc_location id="loc-ha-services-prefers-kvm-a" rsc="ha-services" node="kvm-a" score="100"/>',
      '<rsc_location score="100"  node="kvm-a" rsc="ha-services" id="loc-ha-services-prefers-kvm-a" />',
    );
    expect(planCib(shuffled, desired, props).ops).toEqual([]);
  });

  it('an owned element edited by hand is replaced; a foreign one with the same change is not', () => {
    const live = tagged(V1).replace('value="192.168.10.50"', 'value="192.168.10.99"').replace('score="50"', 'score="60"');
    const p = planCib(live, desired, props);
    expect(p.ops.map((o) => `${o.op} ${o.section} ${o.name} ${o.id}`)).toEqual(['replace resources group ha-services']);
    expect(p.ops[0]!.xml).toBe(topLevel(desired.resources, 'resources').find((e) => e.id === 'ha-services')!.xml);
    expect(p.diff).toMatch(
      /^-\s+<nvpair id="vip-ip" name="ip" value="192.168.10.99"\/>\n\+\s+<nvpair id="vip-ip" name="ip" value="192.168.10.50"\/>$/m,
    );
    expect(p.diff).not.toMatch(/op-dummy/);
  });

  it('an owned element the inventory no longer declares is deleted (constraints first); a new one is created', () => {
    const fewer = {
      resources: desired.resources.replace(/ {2}<primitive id="fence-quorum"[\s\S]*?\n {2}<\/primitive>\n/, ''),
      constraints: desired.constraints
        .replace(/ {2}<rsc_location id="loc-fence-quorum-not-self"[^\n]*\n/, '')
        .replace('</constraints>', '  <rsc_location id="loc-new" rsc="ha-services" node="kvm-b" score="10"/>\n</constraints>'),
    };
    const p = planCib(tagged(V1), fewer, props);
    expect(p.ops.map((o) => `${o.op} ${o.name} ${o.id}`)).toEqual([
      'delete rsc_location loc-fence-quorum-not-self',
      'delete primitive fence-quorum',
      'create rsc_location loc-new',
    ]);
    expect(p.tag).toBe(true);
    expect(p.owned).not.toContain('fence-quorum');
    expect(p.owned).toContain('loc-new');
    expect(p.summary).toBe('owned CIB elements: create 1, delete 2');
  });

  it("an element the operator deleted by hand is created again; the operator's own never are", () => {
    const live = tagged(V1)
      .replace(/ {4}<rsc_location id="loc-ha-services-never-quorum"[^\n]*\n/, '')
      .replace(/ {4}<primitive id="op-dummy"[\s\S]*?\n {4}<\/primitive>\n/, '');
    const p = planCib(live, desired, props);
    expect(p.ops.map((o) => `${o.op} ${o.id}`)).toEqual(['create loc-ha-services-never-quorum']);
  });

  it('leftover crm_resource --move constraints are not listed as foreign (drift reports them as leftovers)', () => {
    const live = tagged(V1).replace(
      '</constraints>',
      '  <rsc_location id="cli-prefer-vip" rsc="vip" role="Started" node="kvm-b" score="INFINITY"/>\n  </constraints>',
    );
    expect(planCib(live, desired, props).foreign.map((f) => f.id)).not.toContain('cli-prefer-vip');
  });

  it("a fresh cluster's formation dc-deadtime (hactl's transient) is not foreign; an operator's dc-deadtime is", () => {
    const withDeadtime = (id: string) =>
      tagged(V1).replace(
        /(<cluster_property_set id="cib-bootstrap-options">)/,
        `$1\n        <nvpair id="${id}" name="dc-deadtime" value="2s"/>`,
      );
    expect(withDeadtime(FORMATION_NVPAIR_ID)).toContain(FORMATION_NVPAIR_ID);
    expect(planCib(withDeadtime(FORMATION_NVPAIR_ID), desired, props).foreign.map((f) => f.id)).not.toContain(FORMATION_NVPAIR_ID);
    expect(planCib(withDeadtime('cib-bootstrap-options-dc-deadtime'), desired, props).foreign.map((f) => f.detail)).toContain(
      'dc-deadtime=2s',
    );
  });

  it('no CIB to read yet: everything is created and tagged', () => {
    const p = planCib(undefined, desired, props);
    expect(p.ops.map((o) => o.op)).toEqual(Array(OWNED_IDS.length).fill('create'));
    expect(p.tag).toBe(true);
  });

  it("readConfiguration keeps each element's exact text", () => {
    const r = readConfiguration(V1);
    expect(r.tagIds).toBeUndefined();
    const dummy = r.elements.find((e) => e.id === 'op-dummy')!;
    expect(V1).toContain(dummy.xml);
    expect(dummy.xml).toMatch(/^<primitive id="op-dummy"[\s\S]*<\/primitive>$/);
  });
});

describe('CIB ownership: the apply script', () => {
  it('XML goes through heredocs on stdin, never on a command line; the patch is crm_diff --no-version', () => {
    const p = planCib(V1.replace('value="192.168.10.50"', 'value="x"'), desired, props);
    const s = cibApplyScript(p.ops, p.owned, '/var/lib/hactl/cib');
    expect(s).toContain('cibadmin --replace --scope resources --xml-pipe <<\'HACTL_CIB_0\'\n<group id="ha-services">');
    expect(s).not.toMatch(/--xml-text/);
    expect(s).toMatch(/crm_verify -L/);
    expect(s).toMatch(/crm_diff --no-version -o "\$dir\/before.xml" -n "\$dir\/after.xml"/);
    expect(s).toMatch(/cibadmin --patch --xml-file "\$dir\/patch.xml"\n$/);
    expect(s).not.toMatch(/--replace --scope (configuration|constraints|resources) --xml-file/);
  });

  it('a heredoc delimiter never equals a line of the XML', () => {
    const s = cibApplyScript(
      [{ op: 'create', section: 'resources', name: 'primitive', id: 'x', xml: '<primitive id="x">\nHACTL_CIB_0\n</primitive>' }],
      undefined,
      '/d',
    );
    expect(s).toContain("<<'HACTL_CIB_0_'\n");
  });

  // With Pacemaker's tools at hand (HACTL_PCMK_ROOT: an extracted pacemaker-cli-utils and its
  // libraries), the script runs on a CIB file: only owned elements change, byte for byte.
  it.skipIf(!realCibadmin)('runs against a real cibadmin (CIB_file): foreign elements stay byte for byte', () => {
    const changed = { ...desired, resources: desired.resources.replace('value="192.168.10.50"', 'value="192.168.10.60"') };
    const { dir, env, r } = applyOnFile(V1, planCib(V1, changed, props));
    expect(r.status, r.stderr).toBe(0);
    const patch = readFileSync(join(dir, 'patch.xml'), 'utf8');
    const paths = [...patch.matchAll(/path="([^"]*)"/g)].map((m) => m[1]);
    expect(
      paths.every((x) => /ha-services|\/cib\/configuration$|tags/.test(x!)),
      patch,
    ).toBe(true);
    const q = (scope: string, file: string): string =>
      spawnSync('cibadmin', ['-Q', '--scope', scope], { env: { ...env, CIB_file: file }, encoding: 'utf8' }).stdout;
    const after = readConfiguration(q('configuration', join(dir, 'result.xml')));
    const before = readConfiguration(V1);
    for (const id of ['op-dummy', 'op-dummy-prefers-slave'])
      expect(after.elements.find((e) => e.id === id)!.xml).toBe(before.elements.find((e) => e.id === id)!.xml);
    expect(q('crm_config', join(dir, 'result.xml'))).toBe(q('crm_config', join(dir, 'live.xml')));
    expect(q('op_defaults', join(dir, 'result.xml'))).toBe(q('op_defaults', join(dir, 'live.xml')));
    expect(after.tagIds).toEqual(OWNED_IDS);
    expect(q('resources', join(dir, 'result.xml'))).toContain('value="192.168.10.60"');
  });
});

// issue #18: fencing levels when a node has several fence devices
describe('CIB ownership: fencing levels (fencing-topology)', () => {
  const levels =
    '<fencing-topology>\n' +
    '  <fencing-level id="fl-kvm-a-1" target="kvm-a" index="1" devices="fence-kvm-a"/>\n' +
    '  <fencing-level id="fl-kvm-a-2" target="kvm-a" index="2" devices="fence-sbd"/>\n' +
    '</fencing-topology>\n';
  it('levels are owned elements: created after the devices they name, deleted before them', () => {
    const p = planCib(tagged(V1), { ...desired, 'fencing-topology': levels }, props);
    expect(p.ops.map((o) => `${o.op} ${o.section} ${o.id}`)).toEqual([
      'create fencing-topology fl-kvm-a-1',
      'create fencing-topology fl-kvm-a-2',
    ]);
    expect(p.owned.slice(-2)).toEqual(['fl-kvm-a-1', 'fl-kvm-a-2']);
    // once applied: the live CIB holds the levels; dropping them and a device deletes the levels first
    // (here the device's constraint stays desired, as the test only edits resources)
    const live = tagged(V1, [...OWNED_IDS, 'fl-kvm-a-1', 'fl-kvm-a-2']).replace('</configuration>', `${levels}</configuration>`);
    expect(planCib(live, { ...desired, 'fencing-topology': levels }, props).ops).toEqual([]);
    const gone = planCib(
      live,
      { ...desired, resources: desired.resources.replace(/<primitive id="fence-kvm-a"[\s\S]*?<\/primitive>/, '') },
      props,
    );
    expect(gone.ops.map((o) => `${o.op} ${o.id}`)).toEqual(['delete fl-kvm-a-1', 'delete fl-kvm-a-2', 'delete fence-kvm-a']);
    // an older master has no desired levels file: no section, no levels
    expect(planCib(live, { ...desired, 'fencing-topology': '<fencing-topology/>' }, props).ops.map((o) => o.op)).toEqual([
      'delete',
      'delete',
    ]);
  });
  it.skipIf(!realCibadmin)('a real cibadmin creates the section with the first level, crm_verify accepts the levels', () => {
    const withSbd = desired.resources.replace('</resources>', '<primitive id="fence-sbd" class="stonith" type="fence_sbd"/>\n</resources>');
    const { dir, env, r } = applyOnFile(
      tagged(V1),
      planCib(tagged(V1), { ...desired, resources: withSbd, 'fencing-topology': levels }, props),
    );
    expect(r.status, r.stderr).toBe(0);
    const topology = spawnSync('cibadmin', ['-Q', '--scope', 'fencing-topology'], {
      env: { ...env, CIB_file: join(dir, 'result.xml') },
      encoding: 'utf8',
    }).stdout;
    expect(topology).toMatch(/<fencing-level id="fl-kvm-a-1" target="kvm-a" index="1" devices="fence-kvm-a"\/>/);
    expect(topology).toMatch(/<fencing-level id="fl-kvm-a-2" target="kvm-a" index="2" devices="fence-sbd"\/>/);
  });
  it('an operator’s level is foreign; the first level creates the section the CIB does not have yet', () => {
    const foreign = V1.replace('</configuration>', `${levels.replace(/fl-kvm-a/g, 'op-level')}</configuration>`);
    expect(planCib(foreign, desired, props).foreign).toContainEqual({
      section: 'fencing-topology',
      kind: 'fencing-level',
      id: 'op-level-1',
    });
    const p = planCib(tagged(V1), { ...desired, 'fencing-topology': levels }, props);
    const s = cibApplyScript(p.ops, p.owned, '/var/lib/hactl/cib');
    expect(spawnSync('sh', ['-n'], { input: s }).status).toBe(0);
    expect(s).toContain(
      "if cibadmin -Q --scope fencing-topology >/dev/null 2>&1; then\n  cibadmin --create --scope fencing-topology --xml-pipe <<'",
    );
    expect(s).toContain(
      'else cibadmin --create --scope configuration --xml-pipe <<\'HACTL_CIB_1\'\n<fencing-topology><fencing-level id="fl-kvm-a-1"',
    );
  });
});
