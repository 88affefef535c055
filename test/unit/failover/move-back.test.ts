import { describe, expect, it } from 'vitest';
import {
  durationMs,
  heartbeatMoveBudgetMs,
  moveVerdict,
  pacemakerMove,
  pacemakerMoveBudgetMs,
} from '../../../src/checks/failover/move-back.js';
import { placementOf as placementOfGroup } from '../../../src/facts/crm-mon.js';

const placementOf = (xml: string) => placementOfGroup(xml, 'ha-services');

const mon = (where: string[], failures = ''): string => `<pacemaker-result api-version="2.30" request="crm_mon --output-as=xml">
  <summary><current_dc present="true" name="arbitrator" with_quorum="true"/></summary>
  <nodes><node name="master" id="1" online="true" standby="false" maintenance="false"/><node name="slave" id="2" online="true" standby="false" maintenance="false"/></nodes>
  <resources>
    <group id="ha-services" number_resources="2" managed="true" disabled="false">
      <resource id="vip" resource_agent="ocf:heartbeat:IPaddr2" role="Started" active="${where[0] ? 'true' : 'false'}" failed="false" managed="true" nodes_running_on="1">${where[0] ? `<node name="${where[0]}" id="1" cached="true"/>` : ''}</resource>
      <resource id="svc-apache2" resource_agent="lsb:apache2" role="Started" active="${where[1] ? 'true' : 'false'}" failed="false" managed="true" nodes_running_on="1">${where[1] ? `<node name="${where[1]}" id="1" cached="true"/>` : ''}</resource>
    </group>
  </resources>
  ${failures}
</pacemaker-result>`;
const failed =
  '<failures><failure op_key="svc-apache2_start_0" node="master" exitstatus="error" exitreason="" exitcode="1" call="21" status="complete" task="start"/></failures>';

describe('placementOf (crm_mon XML)', () => {
  it('the group together on one node is running there', () => {
    expect(placementOf(mon(['master', 'master']))).toEqual({ node: 'master', running: true, stopped: [], failedOn: [], failures: [] });
  });
  it('a member stopped, or members apart, is not running; a failed start names its node', () => {
    const p = placementOf(mon(['master', ''], failed));
    expect(p).toMatchObject({ running: false, node: undefined, stopped: ['svc-apache2'], failedOn: ['master'] });
    expect(p.failures).toEqual(['svc-apache2_start_0 on master: error']);
    expect(placementOf(mon(['master', 'slave'])).running).toBe(false);
  });
  it('a failure of a resource outside the group does not count', () => {
    const other = '<failures><failure op_key="fence-master_monitor_60000" node="slave" exitstatus="error"/></failures>';
    expect(placementOf(mon(['slave', 'slave'], other)).failedOn).toEqual([]);
  });
});

describe('move bounds follow the op timeouts and the slowness factor', () => {
  const group = (start: string, stop: string): string =>
    `<resources><group id="ha-services">${['vip', 'svc'].map((id) => `<primitive id="${id}"><operations><op name="monitor" interval="5s" timeout="20s"/><op name="start" interval="0s" timeout="${start}"/><op name="stop" interval="0s" timeout="${stop}"/></operations></primitive>`).join('')}</group></resources>`;
  it('Pacemaker: every member stopped then started (their timeouts), plus 20 s × timeout_factor', () => {
    expect(pacemakerMoveBudgetMs(group('60s', '60s'), 1)).toBe(260_000);
    expect(pacemakerMoveBudgetMs(group('180s', '3min'), 3)).toBe(4 * 180_000 + 60_000); // the VM lab: op_timeout_factor 3 in the CIB
  });
  it('DRBD promote and demote count; an unreadable CIB falls back to the template defaults × op factor', () => {
    const drbd =
      '<primitive id="drbd-r0" type="drbd"><operations><op name="promote" timeout="90s"/><op name="demote" timeout="90s"/><op name="start" timeout="240s"/></operations></primitive>';
    expect(pacemakerMoveBudgetMs(group('60s', '60s').replace('<resources>', `<resources><clone id="c">${drbd}</clone>`), 1)).toBe(
      260_000 + 180_000,
    );
    expect(pacemakerMoveBudgetMs('', 2, 3)).toBe(2 * 60_000 * 3 + 40_000);
  });
  it('Heartbeat: deadtime + 20 s per haresources entry + 20 s, × timeout_factor', () => {
    const c = { timing: { deadtime: 10 } as never, floatingIps: [{}] as never, services: [{}] as never, drbd: [] };
    expect(heartbeatMoveBudgetMs(c, 1)).toBe(70_000);
    expect(heartbeatMoveBudgetMs(c, 3)).toBe(210_000);
  });
  it('durations in Pacemaker syntax', () => {
    expect([durationMs('60s'), durationMs('60'), durationMs('2min'), durationMs('1500ms'), durationMs('1h'), durationMs('x')]).toEqual([
      60_000,
      60_000,
      120_000,
      1500,
      3_600_000,
      undefined,
    ]);
  });
});

describe('moveVerdict: the move completes, or the service is kept where it runs, and the report says which', () => {
  it('moved', () =>
    expect(moveVerdict('move', 'master', 'slave', 'slave', true)).toEqual({ status: 'moved', message: 'move: master → slave' }));
  it('kept on the twin it ran on', () =>
    expect(moveVerdict('move back', 'slave', 'master', 'slave', false)).toEqual({
      status: 'kept',
      message: 'move back failed, service kept on slave',
    }));
  it('down is said loudly', () => expect(moveVerdict('move back', 'slave', 'master', undefined, false).status).toBe('down'));
  it('late arrival after the take-back still counts as moved', () =>
    expect(moveVerdict('move', 'master', 'slave', 'slave', false).status).toBe('moved'));
  it('the constraint commands', () => {
    expect(pacemakerMove.move('slave')).toBe('crm_resource --move -r ha-services -N slave');
    expect(pacemakerMove.clear).toBe('crm_resource --clear -r ha-services');
  });
});
