import { describe, expect, it } from 'vitest';
import { liveSections } from '../../../src/checks/drift/live.js';
import { qdeviceItems } from '../../../src/checks/drift/pacemaker-rules.js';
import {
  parseQdeviceStatus,
  parseQnetdClusters,
  QDEVICE_STATUS_COMMAND,
  QNETD_CLUSTERS_COMMAND,
  qdeviceProblem,
  qnetdProblem,
} from '../../../src/facts/qdevice.js';
import { example, fixture } from '../drift/helpers.js';

// Captured on the namespace lab (lab up --qdevice --index 3, corosync-qdevice/-qnetd 3.0.3,
// Debian 12), see test/unit/drift/fixtures/README.md.
const twins = [
  { name: 'master', nodeId: 1 },
  { name: 'slave', nodeId: 2 },
];

describe('facts: corosync-qdevice-tool -s', () => {
  it('connected, Fifty-Fifty split = ffsplit, the qnetd host and the cluster name', () => {
    const s = parseQdeviceStatus(fixture('qdevice-tool-connected.txt'));
    expect(s).toEqual({
      running: true,
      state: 'Connected',
      connected: true,
      algorithm: 'ffsplit',
      algorithmText: 'Fifty-Fifty split',
      clusterName: 'lab',
      qnetdHost: '10.77.3.13:5403',
      nodeId: 1,
    });
    expect(qdeviceProblem(s, 'ffsplit')).toBeUndefined();
    expect(qdeviceProblem(s, 'lms')).toBe('corosync-qdevice runs algorithm Fifty-Fifty split, the inventory says lms');
  });

  it('qnetd stopped: Connect failed; qdevice stopped: exit 3, not running', () => {
    const failed = parseQdeviceStatus(fixture('qdevice-tool-qnetd-down.txt'));
    expect([failed.running, failed.connected, failed.state]).toEqual([true, false, 'Connect failed']);
    expect(qdeviceProblem(failed, 'ffsplit')).toBe('corosync-qdevice is Connect failed, not Connected (qnetd 10.77.3.13:5403)');
    const down = parseQdeviceStatus(fixture('qdevice-tool-not-running.txt'), 3);
    expect(down).toEqual({ running: false, connected: false });
    expect(qdeviceProblem(down, 'ffsplit')).toMatch(/^corosync-qdevice does not run/);
    expect(QDEVICE_STATUS_COMMAND).toBe('corosync-qdevice-tool -s');
  });

  it('lms by its tool name', () => {
    expect(parseQdeviceStatus('Model:\t\t\tNet\nAlgorithm:\t\tLMS\nState:\t\t\tConnected\n').algorithm).toBe('lms');
  });
});

describe('facts: corosync-qnetd-tool -l', () => {
  it('the cluster, its algorithm and each connected node with its address and vote', () => {
    const s = parseQnetdClusters(fixture('qnetd-tool-l-lab.txt'));
    expect(s.running).toBe(true);
    expect(s.clusters).toEqual([
      {
        name: 'lab',
        algorithm: 'ffsplit',
        algorithmText: 'Fifty-Fifty split (KAP Tie-breaker)',
        nodes: [
          { nodeId: 1, address: '::ffff:10.77.3.11:59650', vote: 'No change (ACK)' },
          { nodeId: 2, address: '::ffff:10.77.3.12:60034', vote: 'No change (ACK)' },
        ],
      },
    ]);
    expect(qnetdProblem(s, 'lab', twins, 'ffsplit')).toBeUndefined();
    expect(qnetdProblem(s, 'lab-b', twins, 'ffsplit')).toBe('qnetd does not list cluster "lab-b" (it serves lab)');
    expect(QNETD_CLUSTERS_COMMAND).toBe('corosync-qnetd-tool -l');
  });

  it('two clusters on one qnetd (two labs sharing it)', () => {
    const two = `${fixture('qnetd-tool-l-lab.txt')}${fixture('qnetd-tool-l-lab.txt').replace('Cluster "lab"', 'Cluster "lab-b"')}`;
    const s = parseQnetdClusters(two);
    expect(s.clusters.map((c) => [c.name, c.nodes.map((n) => n.nodeId)])).toEqual([
      ['lab', [1, 2]],
      ['lab-b', [1, 2]],
    ]);
  });

  it("one twin's qdevice stopped: the cluster without it; qnetd stopped: not running", () => {
    const one = parseQnetdClusters(fixture('qnetd-tool-l-one-twin.txt'));
    expect(qnetdProblem(one, 'lab', twins, 'ffsplit')).toBe('qnetd lists cluster "lab" without slave');
    const down = parseQnetdClusters(fixture('qnetd-tool-l-not-running.txt'), 3);
    expect(down).toEqual({ running: false, clusters: [] });
    expect(qnetdProblem(down, 'lab', twins, 'ffsplit')).toMatch(/^corosync-qnetd does not run/);
    expect(parseQnetdClusters('').clusters).toEqual([]);
  });
});

describe('drift: qdevice state', () => {
  const c = example('lab', (y) => y.replace('  stack: pacemaker\n', '  stack: pacemaker\n  arbitrator: { mode: qdevice }\n'));
  const sec = (out: string, rc = 0) => ({ out, rc });

  it('asks qdevice-tool -s on the twins and qnetd-tool -l on the arbitrator, and no corosync on the arbitrator', () => {
    expect(liveSections(c, c.master).map(([s]) => s)).toContain('qdevice');
    expect(liveSections(c, c.arbitrator!).map(([s]) => s)).toEqual(['packages', 'qnetd']);
    const plain = example('lab');
    expect(liveSections(plain, plain.master).map(([s]) => s)).not.toContain('qdevice');
  });

  it('clean when both twins are connected and qnetd lists both', () => {
    const live = new Map([
      ['master', { qdevice: sec(fixture('qdevice-tool-connected.txt')) }],
      ['slave', { qdevice: sec(fixture('qdevice-tool-connected.txt').replace('Node ID:\t\t1', 'Node ID:\t\t2')) }],
      ['arbitrator', { qnetd: sec(fixture('qnetd-tool-l-lab.txt')) }],
    ]);
    expect(qdeviceItems(c, live)).toEqual([]);
  });

  it("slave's qdevice stopped: named once, on slave (qnetd's list without it is the same fact)", () => {
    const live = new Map([
      ['master', { qdevice: sec(fixture('qdevice-tool-connected.txt')) }],
      ['slave', { qdevice: sec(fixture('qdevice-tool-not-running.txt'), 3) }],
      ['arbitrator', { qnetd: sec(fixture('qnetd-tool-l-one-twin.txt')) }],
    ]);
    expect(qdeviceItems(c, live).map((i) => [i.host, i.subject, i.message])).toEqual([
      ['slave', 'qdevice', 'corosync-qdevice does not run (corosync-qdevice-tool -s cannot reach it)'],
    ]);
  });

  it('qnetd stopped: both twins Connect failed and qnetd not running', () => {
    const failed = sec(fixture('qdevice-tool-qnetd-down.txt'));
    const live = new Map([
      ['master', { qdevice: failed }],
      ['slave', { qdevice: failed }],
      ['arbitrator', { qnetd: sec(fixture('qnetd-tool-l-not-running.txt'), 3) }],
    ]);
    expect(qdeviceItems(c, live).map((i) => `${i.host} ${i.subject}`)).toEqual(['master qdevice', 'slave qdevice', 'arbitrator qnetd']);
  });
});
