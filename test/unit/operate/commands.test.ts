import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import type { ClusterModel, NodeModel } from '../../../src/inventory/model.js';
import {
  actionName,
  checkAction,
  heartbeatCommands,
  moveTarget,
  pacemakerCommands,
  refusesUnhealthy,
  unsupported,
} from '../../../src/operate/commands.js';

const node = (name: string, role: NodeModel['role']): NodeModel => ({
  name,
  role,
  address: '10.77.0.1',
  nodeId: 1,
  ssh: {} as NodeModel['ssh'],
  connect: name,
  vars: {},
});
const master = node('master', 'master');
const slave = node('slave', 'slave');
const arb = node('arbitrator', 'arbitrator');
const c = (stack: 'pacemaker' | 'heartbeat' = 'pacemaker'): ClusterModel =>
  ({ name: 'lab', stack, nodes: [master, slave, arb], master, slave, arbitrator: arb }) as unknown as ClusterModel;

describe('day-two commands as data', () => {
  it('Pacemaker 2.1 tools', () => {
    expect(pacemakerCommands.standby('master')).toBe('crm_standby -N master -v on');
    expect(pacemakerCommands.unstandby('master')).toBe('crm_standby -N master -D');
    expect(pacemakerCommands.maintenance(true)).toBe('crm_attribute -t crm_config -n maintenance-mode -v true');
    expect(pacemakerCommands.maintenance(false)).toBe('crm_attribute -t crm_config -n maintenance-mode -D');
    expect(pacemakerCommands.maintenance(true, 'slave')).toBe('crm_attribute -N slave -n maintenance -v true');
    expect(pacemakerCommands.maintenance(false, 'slave')).toBe('crm_attribute -N slave -n maintenance -D');
    expect(pacemakerCommands.clear('vip')).toBe('crm_resource --clear -r vip');
    expect(pacemakerCommands.settle(59.6)).toBe('crm_resource --wait --timeout=60s');
    expect(pacemakerCommands.standby("a'b")).toBe("crm_standby -N 'a'\\''b' -v on");
  });
  it('Heartbeat: hb_standby / hb_takeover from either install path', () => {
    expect(heartbeatCommands.standby).toMatch(/\/usr\/share\/heartbeat .*hb_standby all/);
    expect(heartbeatCommands.takeover).toMatch(/hb_takeover all/);
  });
  it('names and which actions refuse an unhealthy cluster', () => {
    expect(actionName({ kind: 'maintenance', on: false })).toBe('maintenance off');
    expect(
      [{ kind: 'standby', node: 'm' }, { kind: 'move' }, { kind: 'maintenance', on: true }].every((a) => refusesUnhealthy(a as never)),
    ).toBe(true);
    expect(
      [{ kind: 'unstandby', node: 'm', moveBack: true }, { kind: 'clear' }, { kind: 'maintenance', on: false }].some((a) =>
        refusesUnhealthy(a as never),
      ),
    ).toBe(false);
  });
});

describe('checkAction', () => {
  it('returns the node; an unknown node is bad input naming the nodes', () => {
    expect(checkAction(c(), { kind: 'standby', node: 'master' })?.name).toBe('master');
    expect(() => checkAction(c(), { kind: 'standby', node: 'nope' })).toThrow(/no node "nope".*|nodes: master, slave, arbitrator/);
  });
  it('move --to must be a twin; Heartbeat runs on the twins only', () => {
    expect(() => checkAction(c(), { kind: 'move', to: 'arbitrator' })).toThrow(InputError);
    expect(checkAction(c(), { kind: 'standby', node: 'arbitrator' })?.name).toBe('arbitrator');
    expect(() => checkAction(c('heartbeat'), { kind: 'standby', node: 'arbitrator' })).toThrow(
      /the cluster stack runs on master, slave only \(heartbeat\)/,
    );
  });
  it('Heartbeat has no maintenance mode: refused with the reason', () => {
    expect(unsupported(c('heartbeat'), { kind: 'maintenance', on: true })).toMatch(/does not monitor resources/);
    expect(() => checkAction(c('heartbeat'), { kind: 'maintenance', on: true })).toThrow(
      /maintenance on: not possible on cluster lab: Heartbeat R1 has no maintenance mode/,
    );
    expect(unsupported(c('heartbeat'), { kind: 'clear' })).toBeUndefined();
  });
  it('a move goes to --to, else to the twin not holding the service', () => {
    expect(moveTarget(c(), undefined, 'master').name).toBe('slave');
    expect(moveTarget(c(), undefined, 'slave').name).toBe('master');
    expect(moveTarget(c(), 'master', 'master').name).toBe('master');
  });
});
