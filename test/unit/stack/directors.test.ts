// issue #21, the three tiers: a director pair (role director) runs the LVS addresses and
// ldirectord in a group of its own; the storage twins keep the services group and its floating IP.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planAddNode } from '../../../src/checks/add-node.js';
import { pacemakerItems } from '../../../src/checks/drift/pacemaker-rules.js';
import { lvsGroupCheck, serviceGroupCheck } from '../../../src/checks/smoke.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { checkAction } from '../../../src/operate/commands.js';
import { planRemoveNode } from '../../../src/operate/remove-node.js';
import { renderFile } from '../../../src/render/render.js';
import { cibApplyScript, planCib, readConfiguration } from '../../../src/stack/cib.js';
import { corosyncView } from '../../../src/stack/corosync.js';
import { driverOf } from '../../../src/stack/driver.js';
import { cibView, settleSeconds } from '../../../src/stack/pacemaker.js';
import { stackPackages } from '../../../src/stack/packages.js';

const golden = (name: string) => `../../fixtures/golden/${name}`;

// With Pacemaker's tools at hand (HACTL_PCMK_ROOT: an extracted pacemaker-cli-utils and its
// libraries, as in cib.test.ts and service-kinds.test.ts), crm_verify judges the whole CIB
// (Pacemaker's tools take seconds each on a loaded machine: those tests get 60 s).
const root = process.env.HACTL_PCMK_ROOT;
const realCrmVerify = Boolean(root && existsSync(join(root, 'usr/sbin/crm_verify')));
const NODES = ['db-a', 'db-b', 'quorum', 'lvs-a', 'lvs-b'];
const pcmkEnv = (dir: string) => ({
  ...process.env,
  LD_LIBRARY_PATH: `${root}/usr/lib/x86_64-linux-gnu:${root}/usr/lib`,
  PCMK_schema_directory: `${root}/usr/share/pacemaker`,
  CIB_shadow_dir: dir,
});
/** A whole CIB file of the five members with the rendered sections (fencing off: an empty status has no node to fence). */
function cibFile(v: Record<string, unknown>): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-tiers-cib-'));
  const file = join(dir, 'cib.xml');
  const cib =
    '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n' +
    '<configuration><crm_config><cluster_property_set id="o"><nvpair id="o-se" name="stonith-enabled" value="false"/>' +
    '</cluster_property_set></crm_config>\n' +
    `<nodes>${NODES.map((n, i) => `<node id="${i + 1}" uname="${n}"/>`).join('')}</nodes>\n` +
    renderFile('pacemaker/resources.xml.hbs', v) +
    renderFile('pacemaker/constraints.xml.hbs', v) +
    renderFile('pacemaker/fencing-topology.xml.hbs', v) +
    '</configuration><status/>\n</cib>\n';
  writeFileSync(file, cib);
  return { dir, file };
}
const crmVerify = (v: Record<string, unknown>) => {
  const { dir, file } = cibFile(v);
  return spawnSync(`${root}/usr/sbin/crm_verify`, ['-V', '-x', file], { env: pcmkEnv(dir), encoding: 'utf8' });
};
/** crm_simulate on `file` with `args` (nodes up/down), the result kept in `out`: where each resource runs afterwards. */
function simulate(dir: string, file: string, out: string, args: string[]): Record<string, string> {
  const r = spawnSync(`${root}/usr/sbin/crm_simulate`, ['-x', file, '-q', '1', '-S', '-O', out, ...args], {
    env: pcmkEnv(dir),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  const revised = r.stdout.slice(r.stdout.indexOf('Revised Cluster Status'));
  return Object.fromEntries(
    [...revised.matchAll(/\* (\S+)\t\([^)]*\):\t (Started (\S+)|Stopped)/g)].map((m) => [m[1]!, m[3] ?? 'Stopped']),
  );
}

/**
 * Applies the owned-only plan from `live` (a configuration) to `v`'s sections with Pacemaker's
 * real tools on a CIB file (as cib.test.ts's applyOnFile: CIB_file for the shadow, crm_diff
 * for the patch); the resulting configuration, read back with cibadmin.
 */
function applyView(live: string, v: Record<string, unknown>): { r: ReturnType<typeof spawnSync>; configuration: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-tiers-apply-'));
  const env = { ...pcmkEnv(dir), PATH: `${root}/usr/sbin:${process.env.PATH}` };
  writeFileSync(
    join(dir, 'live.xml'),
    `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n${live}<status/>\n</cib>\n`,
  );
  const desired = {
    resources: renderFile('pacemaker/resources.xml.hbs', v),
    constraints: renderFile('pacemaker/constraints.xml.hbs', v),
    'fencing-topology': renderFile('pacemaker/fencing-topology.xml.hbs', v),
  };
  const p = planCib(live, desired);
  const script = cibApplyScript(p.ops, p.tag ? p.owned : undefined, dir)
    .replace('crm_shadow --batch --force --create $shadow >/dev/null 2>&1', `cp ${dir}/live.xml "$dir/shadow.xml"`)
    .replace('export CIB_shadow=$shadow', 'export CIB_file="$dir/shadow.xml"')
    .replace('unset CIB_shadow', 'unset CIB_file')
    .replace('cibadmin --patch --xml-file "$dir/patch.xml"', `crm_diff -o ${dir}/live.xml -p "$dir/patch.xml" > ${dir}/result.xml`);
  const r = spawnSync('sh', ['-s'], { input: script, env, encoding: 'utf8' });
  const q = spawnSync('cibadmin', ['-Q', '--scope', 'configuration'], {
    env: { ...env, CIB_file: join(dir, 'result.xml') },
    encoding: 'utf8',
  });
  return { r, configuration: r.status === 0 ? q.stdout : readFileSync(join(dir, 'live.xml'), 'utf8') };
}

/** A crm_mon XML with the two groups where given (resources: id → [group, node]). */
function crmMon(resources: Record<string, [string, string]>): string {
  const byGroup = new Map<string, string[]>();
  for (const [id, [group, node]] of Object.entries(resources)) {
    byGroup.set(group, [
      ...(byGroup.get(group) ?? []),
      `<resource id="${id}" resource_agent="ocf:heartbeat:IPaddr2" role="Started" active="true" orphaned="false" blocked="false" ` +
        `managed="true" failed="false" failure_ignored="false" nodes_running_on="1"><node name="${node}" id="1" cached="true"/></resource>`,
    ]);
  }
  const nodes = ['db-a', 'db-b', 'quorum', 'lvs-a', 'lvs-b']
    .map((n, i) => `<node name="${n}" id="${i + 1}" online="true" standby="false" maintenance="false" type="member"/>`)
    .join('\n');
  return (
    '<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">\n' +
    '<summary><current_dc present="true" with_quorum="true"/></summary>\n' +
    `<nodes>\n${nodes}\n</nodes>\n<resources>\n` +
    [...byGroup].map(([g, rs]) => `<group id="${g}" number_resources="${rs.length}">\n${rs.join('\n')}\n</group>`).join('\n') +
    '\n</resources>\n</pacemaker-result>\n'
  );
}

describe('three tiers on Pacemaker: a director pair', async () => {
  const c = await loadInventory('test/fixtures/inventory/good-three-tier.yaml');
  const node = (name: string) => c.nodes.find((n) => n.name === name)!;

  it('the directors are corosync members with a vote each; the real servers are not', () => {
    const v = corosyncView(c) as { nodes: Array<{ name: string; nodeid: number }>; quorum_extra: Record<string, unknown> };
    expect(v.nodes.map((n) => [n.name, n.nodeid])).toEqual([
      ['db-a', 1],
      ['db-b', 2],
      ['quorum', 3],
      ['lvs-a', 4],
      ['lvs-b', 5],
    ]);
    expect(v.quorum_extra.two_node).toBeUndefined();
    expect(
      driverOf(c)
        .voters(c)
        .map((n) => n.name),
    ).toEqual(['db-a', 'db-b', 'quorum', 'lvs-a', 'lvs-b']);
    const conf = renderFile('corosync/corosync.conf.hbs', v);
    expect(conf).toMatch(/node \{\s+name: lvs-a\s+nodeid: 4\s+ring0_addr: 192\.168\.20\.21\s+\}/);
    expect(conf).not.toContain('web1');
  });

  it('packages: the directors get the stack and LVS only, the twins no LVS, the real servers nothing', () => {
    const core = ['corosync', 'pacemaker', 'pacemaker-cli-utils', 'resource-agents'];
    expect(stackPackages(c, node('lvs-a'))).toEqual([...core, 'ldirectord', 'ipvsadm']);
    expect(stackPackages(c, node('db-a'))).toEqual([...core, 'drbd-utils', 'mariadb-server']);
    expect(stackPackages(c, node('quorum'))).toEqual(core);
    expect(stackPackages(c, node('web1'))).toEqual([]);
    const files = (n: string) => driverOf(c).configFiles(c, node(n));
    expect(files('lvs-b')).toEqual(['/etc/corosync/corosync.conf', '/etc/ha.d/ldirectord.cf']);
    expect(files('db-b')).toEqual(['/etc/corosync/corosync.conf']);
  });

  it('the CIB: the LVS group on the directors, the services group on the twins, each pair its own address (golden)', async () => {
    const v = cibView(c, { drbd: true, serviceClass: 'systemd' });
    const resources = renderFile('pacemaker/resources.xml.hbs', v);
    const constraints = renderFile('pacemaker/constraints.xml.hbs', v);
    await expect(resources).toMatchFileSnapshot(golden('resources-three-tier.xml'));
    await expect(constraints).toMatchFileSnapshot(golden('constraints-three-tier.xml'));
    const group = (id: string) =>
      [...(new RegExp(`<group id="${id}">([\\s\\S]*?)\\n  </group>`).exec(resources)?.[1] ?? '').matchAll(/<primitive id="([^"]+)"/g)].map(
        (m) => m[1],
      );
    expect(group('ha-services')).toEqual(['fs-r0', 'vip', 'svc-mariadb']);
    expect(group('lvs')).toEqual(['vip-lvs-web', 'ldirectord']);
    const locations = [...constraints.matchAll(/rsc="([^"]+)" node="([^"]+)" score="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(locations).toEqual(
      expect.arrayContaining([
        'ha-services db-a 100',
        'ha-services lvs-a -INFINITY',
        'ha-services lvs-b -INFINITY',
        'ha-services quorum -INFINITY',
        'drbd-r0-clone lvs-a -INFINITY',
        'drbd-r0-clone lvs-b -INFINITY',
        'lvs lvs-a 100',
        'lvs db-a -INFINITY',
        'lvs db-b -INFINITY',
        'lvs quorum -INFINITY',
      ]),
    );
    // nothing keeps the LVS group off a director, nor pins the services group to one
    expect(locations.filter((l) => /^lvs lvs-/.test(l))).toEqual(['lvs lvs-a 100']);
    expect(locations.some((l) => /^ha-services db-/.test(l) && l.endsWith('-INFINITY'))).toBe(false);
    // without IPVS in the directors' kernels, no LVS group (bootstrap warns), the services group unchanged
    const none = cibView(c, { drbd: true, serviceClass: 'systemd', ipvs: false });
    expect(renderFile('pacemaker/resources.xml.hbs', none)).not.toMatch(/ldirectord|vip-lvs|<group id="lvs">/);
    expect(renderFile('pacemaker/constraints.xml.hbs', none)).not.toMatch(/rsc="lvs"/);
  });

  it.skipIf(!realCrmVerify)(
    'crm_verify (Pacemaker 2.1.5) accepts the whole rendered CIB',
    () => {
      const r = crmVerify(cibView(c, { drbd: true, serviceClass: 'systemd' }));
      expect(r.status, r.stderr).toBe(0);
    },
    60_000,
  );

  it.skipIf(!realCrmVerify)(
    'crm_simulate: each pair keeps its own address; a pair that is gone takes nobody else',
    () => {
      // without DRBD (its agent's promotion score is not simulated) the services group is the floating IP
      const { dir, file } = cibFile(cibView(c, { drbd: false, serviceClass: 'systemd' }));
      const up = simulate(
        dir,
        file,
        join(dir, 'up.xml'),
        NODES.flatMap((n) => ['-u', n]),
      );
      expect([up.vip, up['vip-lvs-web'], up.ldirectord]).toEqual(['db-a', 'lvs-a', 'lvs-a']);
      const first = simulate(dir, join(dir, 'up.xml'), join(dir, 'first.xml'), ['-d', 'db-a', '-d', 'lvs-a']);
      expect([first.vip, first['vip-lvs-web'], first.ldirectord]).toEqual(['db-b', 'lvs-b', 'lvs-b']);
      // both of a pair gone: its resources stop rather than move to the other pair or the arbitrator
      const both = simulate(dir, join(dir, 'first.xml'), join(dir, 'both.xml'), ['-d', 'db-b', '-d', 'lvs-b']);
      expect([both.vip, both['vip-lvs-web'], both.ldirectord]).toEqual(['Stopped', 'Stopped', 'Stopped']);
    },
    60_000,
  );

  it.skipIf(!realCrmVerify)(
    'a two-tier cluster becomes three tiers in one owned-only patch (real cibadmin and crm_diff)',
    () => {
      const twoTier = { ...c, nodes: c.nodes.filter((n) => n.role !== 'director') };
      const empty = '<configuration>\n<crm_config/>\n<nodes/>\n<resources/>\n<constraints/>\n</configuration>\n';
      const first = applyView(empty, cibView(twoTier, { drbd: true, serviceClass: 'systemd' }));
      expect(first.r.status, String(first.r.stderr)).toBe(0);
      const before = readConfiguration(first.configuration);
      expect(before.elements.map((e) => e.id)).toContain('ha-services');
      expect(before.elements.find((e) => e.id === 'ha-services')!.xml).toContain('id="ldirectord"');
      const second = applyView(first.configuration, cibView(c, { drbd: true, serviceClass: 'systemd' }));
      expect(second.r.status, String(second.r.stderr)).toBe(0);
      const after = readConfiguration(second.configuration);
      expect(after.elements.find((e) => e.id === 'ha-services')!.xml).not.toContain('ldirectord');
      expect(after.elements.find((e) => e.id === 'lvs')!.xml).toMatch(/id="vip-lvs-web"[\s\S]*id="ldirectord"/);
      expect(after.tagIds).toEqual(expect.arrayContaining(['lvs', 'loc-lvs-prefers-lvs-a', 'loc-lvs-never-db-a', 'fence-lvs-a']));
    },
    60_000,
  );

  it('settle: ldirectord starts beside the services (another pair), not after them', () => {
    // mysql 120 s alone: the 180 s floor; ldirectord's 60 s is not added on
    expect(settleSeconds(c)).toBe(180);
    expect(settleSeconds({ ...c, vars: { ...c.vars, op_timeout_factor: 4 } })).toBe(480);
    const twoTier = { ...c, nodes: c.nodes.filter((n) => n.role !== 'director') };
    expect(settleSeconds({ ...twoTier, vars: { ...c.vars, op_timeout_factor: 4 } })).toBe(720);
  });

  it('smoke: the LVS group whole on one director; on a twin or split it fails', () => {
    const ok = crmMon({
      fs: ['ha-services', 'db-a'],
      vip: ['ha-services', 'db-a'],
      'vip-lvs-web': ['lvs', 'lvs-b'],
      ldirectord: ['lvs', 'lvs-b'],
    });
    expect(lvsGroupCheck(c, ok)).toEqual({ check: 'LVS resources', ok: true, detail: 'vip-lvs-web, ldirectord (group lvs) on lvs-b' });
    expect(serviceGroupCheck(c, ok).ok).toBe(true);
    const onTwin = crmMon({ vip: ['ha-services', 'db-a'], 'vip-lvs-web': ['lvs', 'db-a'], ldirectord: ['lvs', 'db-a'] });
    expect(lvsGroupCheck(c, onTwin)).toMatchObject({ ok: false, detail: expect.stringContaining('not a director (lvs-a, lvs-b)') });
    const split = crmMon({ 'vip-lvs-web': ['lvs', 'lvs-a'], ldirectord: ['lvs', 'lvs-b'] });
    expect(lvsGroupCheck(c, split).ok).toBe(false);
    expect(lvsGroupCheck(c, crmMon({ vip: ['ha-services', 'db-a'] }))).toMatchObject({
      ok: false,
      detail: 'no resources (group lvs) on nowhere',
    });
  });

  it("move: the services group goes to a twin; --to a director is refused with the LVS group's own move", () => {
    expect(checkAction(c, { kind: 'move', to: 'db-b' })?.name).toBe('db-b');
    expect(() => checkAction(c, { kind: 'move', to: 'lvs-b' })).toThrow(/--to lvs-b: move moves the services group.*lvs-b is a director/);
    try {
      checkAction(c, { kind: 'move', to: 'lvs-b' });
    } catch (err) {
      expect((err as { details: { hint?: string } }).details.hint).toBe(
        'crm_resource --move -r lvs -N lvs-b && crm_resource --wait; crm_resource --clear -r lvs',
      );
    }
    // a director runs the stack: standby and maintenance are Pacemaker's own and work there
    expect(checkAction(c, { kind: 'standby', node: 'lvs-a' })?.name).toBe('lvs-a');
  });

  it('add-node and remove-node refuse a lone director; a director is replaced in place', () => {
    const file = 'test/fixtures/inventory/good-three-tier.yaml';
    expect(() => planAddNode(file, { name: 'lvs-c', address: '192.168.20.23', role: 'director' })).toThrow(
      'three-tier has its director pair already (lvs-a, lvs-b): directors come in pairs, exactly two',
    );
    expect(() => planRemoveNode(file, 'lvs-b')).toThrow(
      'lvs-b stays in cluster three-tier: lvs-b is one of the two directors: the LVS group fails over between them, ' +
        'and a lone director is refused',
    );
    const plan = planAddNode(file, { name: 'lvs-c', address: '192.168.20.23', replace: 'lvs-b' });
    expect(plan.after.nodes.filter((n) => n.role === 'director').map((n) => n.name)).toEqual(['lvs-a', 'lvs-c']);
  });

  it('drift: the LVS group on a twin, or split, is named', () => {
    const items = (xml: string) =>
      pacemakerItems(c, new Map([['db-a', { crm_mon: { out: xml, rc: 0 } }]]))
        .filter((i) => i.subject === 'lvs')
        .map((i) => i.message);
    expect(items(crmMon({ vip: ['ha-services', 'db-a'], 'vip-lvs-web': ['lvs', 'lvs-a'], ldirectord: ['lvs', 'lvs-a'] }))).toEqual([]);
    expect(items(crmMon({ vip: ['ha-services', 'db-a'], 'vip-lvs-web': ['lvs', 'db-b'], ldirectord: ['lvs', 'db-b'] }))).toEqual([
      'runs on db-b, which is not a director (lvs-a, lvs-b)',
    ]);
    expect(items(crmMon({ 'vip-lvs-web': ['lvs', 'lvs-a'], ldirectord: ['lvs', 'lvs-b'] }))).toEqual([
      'split across nodes: vip-lvs-web on lvs-a, ldirectord on lvs-b',
    ]);
  });
});
