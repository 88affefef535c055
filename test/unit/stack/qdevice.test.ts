import { describe, expect, it } from 'vitest';
import { renderFile } from '../../../src/render/render.js';
import { corosyncView, members, quorumDevice } from '../../../src/stack/corosync.js';
import { driverOf } from '../../../src/stack/driver.js';
import { example } from '../drift/helpers.js';

/** The lab inventory with `cluster.arbitrator` as given. */
const lab = (arbitrator: string) =>
  example('lab', (y) => y.replace('  stack: pacemaker\n', `  stack: pacemaker\n  arbitrator: ${arbitrator}\n`));

describe('QDevice arbitrator (cluster.arbitrator.mode: qdevice)', () => {
  it('corosync.conf: only the twins in the nodelist, a net quorum device on the arbitrator, no two_node', async () => {
    const m = lab('{ mode: qdevice }');
    expect(members(m).map((n) => n.role)).toEqual(['master', 'slave']);
    const conf = await renderFile('corosync/corosync.conf.hbs', corosyncView(m));
    expect(conf).not.toContain(`name: ${m.arbitrator!.name}\n`);
    expect(conf).not.toContain('two_node');
    expect(conf).toContain(
      [
        '    device {',
        '        votes: 1',
        '        model: net',
        '        net {',
        '            tls: on',
        `            host: ${m.arbitrator!.address}`,
        '            algorithm: ffsplit',
        '        }',
        '    }',
      ].join('\n'),
    );
  });

  it('lms: no votes key (corosync-qdevice computes it)', async () => {
    const m = lab('{ mode: qdevice, algorithm: lms }');
    expect(quorumDevice(m)).toEqual({ model: 'net', net: { tls: 'on', host: m.arbitrator!.address, algorithm: 'lms' } });
    const conf = await renderFile('corosync/corosync.conf.hbs', corosyncView(m));
    expect(conf).toContain('algorithm: lms');
    expect(conf).not.toContain('votes:');
  });

  it('the member arbitrator is unchanged: a nodelist member, no device', async () => {
    const m = lab('{ mode: member }');
    expect(quorumDevice(m)).toBeUndefined();
    expect(members(m)).toContain(m.arbitrator);
    expect(await renderFile('corosync/corosync.conf.hbs', corosyncView(m))).not.toContain('device {');
  });

  it('packages: corosync-qnetd alone on the arbitrator, corosync-qdevice on the twins', () => {
    const m = lab('{ mode: qdevice }');
    expect(driverOf(m).packages(m, m.arbitrator!)).toEqual(['corosync-qnetd']);
    expect(driverOf(m).packages(m, m.master)).toEqual(expect.arrayContaining(['corosync', 'pacemaker', 'corosync-qdevice']));
    expect(
      driverOf(m)
        .runsStack(m)
        .map((n) => n.role),
    ).toEqual(['master', 'slave']);
  });
});

describe('lab up --qdevice', () => {
  it('writes an inventory whose arbitrator is a QNetd arbitrator (ffsplit)', async () => {
    const { inventoryText } = await import('../../../src/lab/inventory.js');
    const { parseInventory } = await import('../../../src/inventory/index.js');
    const files = { identity: '/tmp/qdev-x/id', sshConfig: '/tmp/qdev-x/ssh_config', knownHosts: '/tmp/qdev-x/known_hosts' };
    const nodes = [
      { name: 'alpha', address: '10.77.0.11', role: 'master' as const },
      { name: 'beta', address: '10.77.0.12', role: 'slave' as const },
      { name: 'gamma', address: '10.77.0.13', role: 'arbitrator' as const },
    ];
    const text = inventoryText(files, '/tmp/qdev-x/inventory.yaml', 'pacemaker', nodes, undefined, { qdevice: true });
    expect(text).toContain('arbitrator: { mode: qdevice, algorithm: ffsplit }');
    expect(parseInventory(text, '/tmp/qdev-x/inventory.yaml').qdevice).toEqual({ algorithm: 'ffsplit' });
  });
});
