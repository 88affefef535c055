import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { planCib } from '../../../src/stack/cib.js';
import { declaredCheckScript, declaredError, declaredProblems, metadataParameters } from '../../../src/stack/declared.js';
import { clusterProperties, describePropertyChanges, propertyChanges, setPropertiesCommand } from '../../../src/stack/pacemaker.js';

// The inventory's own resources (pacemaker:): the node-side check read from captured
// crm_resource output (Pacemaker 2.1.5), the properties planned per nvpair, the CIB plan.
const FIX = join(__dirname, '../../fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
const DUMMY_METADATA = read('cib/dummy-metadata.xml');
const FILE = 'test/fixtures/inventory/good-declared.yaml';

/** What declaredCheckScript prints on a node, for the fixture's two resources. */
const answer = (ping: string, pingRc: number, validate: string, validateRc: number, systemd = 0): string =>
  [
    '@@hactl-declared 0 metadata',
    ping,
    `@@hactl-declared rc ${pingRc}`,
    ...(pingRc === 0 ? ['@@hactl-declared 0 validate', validate, `@@hactl-declared rc ${validateRc}`] : []),
    '@@hactl-declared 1 metadata',
    systemd
      ? 'crm_resource: Metadata query for systemd:rpc-statd-notify failed: No such device or address'
      : '<resource-agent name="rpc-statd-notify"/>',
    `@@hactl-declared rc ${systemd}`,
  ].join('\n') + '\n';

describe('declared resources: the check on the node', async () => {
  const c = await loadInventory(FILE);
  const ping = DUMMY_METADATA.replace(/name="state"/, 'name="host_list"').replace(/name="fake"/, 'name="multiplier"');

  it('the script asks crm_resource for each agent and validates OCF ones, every value one quoted word', () => {
    const s = declaredCheckScript(c);
    expect(s).toContain('crm_resource --show-metadata ocf:pacemaker:ping 2>&1');
    expect(s).toContain(
      'crm_resource --validate --class ocf --provider pacemaker --agent ping --option host_list=192.168.10.1 --option multiplier=1000 2>&1',
    );
    expect(s).toContain('crm_resource --show-metadata systemd:rpc-statd-notify 2>&1');
    expect(s).not.toContain('--agent rpc-statd-notify'); // systemd units have no validate-all
    const hostile = {
      ...c,
      pacemaker: { ...c.pacemaker, resources: [{ ...c.pacemaker.resources[0]!, params: { host_list: "a'; touch /tmp/x; '" } }] },
    };
    expect(declaredCheckScript(hostile)).toContain(`--option 'host_list=a'\\''; touch /tmp/x; '\\'''`);
  });
  it("metadata parameters come from the agent's own XML", () => {
    expect(metadataParameters(DUMMY_METADATA)).toEqual(['state', 'fake']);
    expect(metadataParameters('crm_resource: no such thing')).toBeUndefined();
  });
  it('all known and valid: no problems', () => {
    expect(declaredProblems(c, answer(ping, 0, 'Operation validate (ocf:pacemaker:ping) returned 0 (ok)', 0), 'kvm-a')).toEqual([]);
    expect(declaredProblems(c, '@@hactl-declared unavailable\n', 'kvm-a')).toEqual([]);
  });
  it('an agent the node lacks: refused naming the field, the agent and the line', () => {
    const problems = declaredProblems(c, answer('x', 0, 'ok', 0, 105), 'kvm-a');
    expect(problems).toMatchObject([
      {
        path: ['pacemaker', 'resources', 1, 'agent'],
        message: 'resource agent systemd:rpc-statd-notify (of nfs-notify) is not installed on kvm-a',
      },
    ]);
    const err = declaredError(c, problems)!;
    expect(err.message).toBe(
      'refused before anything was applied: resource agent systemd:rpc-statd-notify (of nfs-notify) is not installed on kvm-a',
    );
    expect(err.details.location).toMatch(/good-declared\.yaml:\d+:14$/);
    expect(err.details.field).toBe('pacemaker.resources[1].agent');
  });
  it('an unknown parameter and a value validate-all refuses: both named', () => {
    const bad = {
      ...c,
      pacemaker: {
        ...c.pacemaker,
        resources: [
          { ...c.pacemaker.resources[0]!, params: { ...c.pacemaker.resources[0]!.params, multipler: '1' } },
          c.pacemaker.resources[1]!,
        ],
      },
    };
    const problems = declaredProblems(
      bad,
      answer(ping, 0, 'Operation validate (ocf:pacemaker:ping) returned 2 (invalid parameter)', 2),
      'kvm-a',
    );
    expect(problems.map((p) => [p.path.join('.'), p.message])).toEqual([
      ['pacemaker.resources.0.params.multipler', 'ocf:pacemaker:ping has no parameter "multipler" (resource gw-ping)'],
      ['pacemaker.resources.0.params', 'ocf:pacemaker:ping refuses the parameters of gw-ping (crm_resource --validate, exit 2)'],
    ]);
    expect(problems[0]!.hint).toBe('its parameters: host_list, multiplier');
  });
});

describe('declared properties and defaults: only the named nvpairs', async () => {
  const c = await loadInventory(FILE);
  const props = clusterProperties(c);
  it("the inventory's over hactl's; stonith-enabled stays derived", () => {
    expect(props).toEqual({
      crm_config: { 'no-quorum-policy': 'stop', 'cluster-recheck-interval': '1min', 'stonith-timeout': '90s', 'stonith-enabled': 'true' },
      rsc_defaults: { 'resource-stickiness': '200', 'failure-timeout': '10min' },
      op_defaults: { timeout: '60s' },
    });
  });
  it('planned against the live CIB: only what differs, shown as a diff, written one crm_attribute each', () => {
    const live = read('cib/v1-with-operator.xml');
    const changes = propertyChanges(live, props);
    expect(describePropertyChanges(changes)).toBe(
      [
        'crm_config: no-quorum-policy (not set) → stop',
        'crm_config: cluster-recheck-interval (not set) → 1min',
        'crm_config: stonith-timeout (not set) → 90s',
        'crm_config: stonith-enabled false → true',
        'rsc_defaults: failure-timeout (not set) → 10min',
        'op_defaults: timeout 30s → 60s',
        '',
      ].join('\n'),
    );
    // the operator's operator-note is neither shown nor written
    expect(setPropertiesCommand(changes)).not.toContain('operator-note');
    expect(setPropertiesCommand(changes.slice(3, 4))).toBe('crm_attribute --type=crm_config --name=stonith-enabled --update=true');
    expect(setPropertiesCommand([{ set: 'rsc_defaults', name: 'resource-stickiness', to: '-INFINITY' }])).toBe(
      'crm_attribute --type=rsc_defaults --name=resource-stickiness --update=-INFINITY',
    );
    expect(propertyChanges(undefined, props)).toHaveLength(7); // no CIB to read yet: all of them
    expect(
      propertyChanges(
        live
          .replace('value="false"', 'value="true"')
          .replace(
            '</crm_config>',
            '<cluster_property_set id="x"><nvpair id="a" name="no-quorum-policy" value="stop"/></cluster_property_set></crm_config>',
          ),
        props,
      ).map((c) => c.name),
    ).toEqual(['cluster-recheck-interval', 'stonith-timeout', 'failure-timeout', 'timeout']);
  });
});

describe('declared resources in the CIB plan', async () => {
  const desired = { resources: read('golden/resources-declared.xml'), constraints: read('golden/constraints-declared.xml') };
  it("created and owned beside hactl's; the operator's elements stay foreign", () => {
    const p = planCib(read('cib/v1-with-operator.xml'), desired);
    expect(p.ops.filter((o) => o.op === 'create').map((o) => o.id)).toEqual(
      expect.arrayContaining([
        'nfs-notify',
        'gw-ping-clone',
        'loc-gw-ping-not-quorum',
        'col-nfs-notify-with-services',
        'ord-services-then-nfs-notify',
      ]),
    );
    expect(p.owned).toEqual(expect.arrayContaining(['nfs-notify', 'gw-ping-clone', 'ord-services-then-nfs-notify']));
    expect(p.foreign.map((f) => f.id)).toEqual(expect.arrayContaining(['op-dummy', 'op-dummy-prefers-slave']));
    expect(p.diff).toMatch(/^\+<clone id="gw-ping-clone">$/m);
  });
});

describe('inventory check shows what is declared', async () => {
  const { formatModel } = await import('../../../src/cli/commands/inventory.js');
  it('one line per element, then the properties', async () => {
    const text = formatModel(await loadInventory(FILE)).replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toContain(
      [
        'pacemaker (declared)',
        '  gw-ping  ocf:pacemaker:ping  params: host_list, multiplier  ops: monitor/10s',
        '  nfs-notify  systemd:rpc-statd-notify  ops: monitor/30s',
        '  gw-ping-clone  clone of gw-ping',
        '  loc-gw-ping-not-quorum  gw-ping-clone on quorum: -INFINITY',
        '  col-nfs-notify-with-services  nfs-notify with ha-services: INFINITY',
        '  ord-services-then-nfs-notify  ha-services (start) then nfs-notify (start), Mandatory',
        '  properties: stonith-timeout=90s',
        '  rsc_defaults: failure-timeout=10min',
        '  op_defaults: timeout=60s',
      ].join('\n'),
    );
  });
});

describe("smoke: the service group check counts the group's members only", async () => {
  const { serviceGroupCheck } = await import('../../../src/checks/smoke.js');
  const mon = readFileSync(join(__dirname, '../drift/fixtures/crm-mon-failcount.xml'), 'utf8');
  const twins = { master: { name: 'master' }, slave: { name: 'slave' } } as Parameters<typeof serviceGroupCheck>[0];
  it("an operator's primitive on the slave and a declared clone on every node do not split the group", () => {
    const others = [
      '<resource id="op-dummy" resource_agent="ocf:heartbeat:Dummy" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1"><node name="slave" id="2" cached="true"/></resource>',
      '<clone id="gw-ping-clone" multi_state="false" unique="false" managed="true" disabled="false" failed="false" failure_ignored="false">',
      ...['master', 'slave'].map(
        (n) =>
          `<resource id="gw-ping" resource_agent="ocf:pacemaker:ping" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1"><node name="${n}" id="1" cached="true"/></resource>`,
      ),
      '</clone>',
    ].join('\n');
    const check = serviceGroupCheck(twins, mon.replace('</group>', `</group>\n${others}`));
    expect(check).toEqual({ check: 'resources', ok: true, detail: 'vip, svc-apache2 (group ha-services) on master' });
  });
});
