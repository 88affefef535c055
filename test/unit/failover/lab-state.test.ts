import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labStateDirFor } from '../../../src/lab/faults.js';
import { testCluster } from '../../helpers/model.js';

describe('labStateDirFor: which lab an inventory belongs to (its fault primitives)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-labstate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nodes = [
    { name: 'master', address: '10.78.0.11' },
    { name: 'slave', address: '10.78.0.12' },
    { name: 'arbitrator', address: '10.78.0.13' },
  ];
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ inventory: join(dir, 'inventory.yaml'), nodes }));
  const at = (file: string, n = nodes) => testCluster(n, { source: join(dir, file) });

  it('the inventory `lab up` wrote', () => {
    expect(labStateDirFor(at('inventory.yaml'))).toBe(dir);
  });
  it('a copy beside it with the same nodes (LVS or guests added)', () => {
    expect(labStateDirFor(at('heartbeat.yaml'))).toBe(dir);
  });
  it('not a copy whose nodes differ from the lab, nor an inventory elsewhere', () => {
    expect(labStateDirFor(at('other.yaml', [nodes[0]!, { name: 'slave', address: '192.0.2.12' }]))).toBeUndefined();
    expect(labStateDirFor(at('other.yaml', [...nodes, { name: 'web1', address: '10.78.0.14' }]))).toBeUndefined();
    expect(labStateDirFor(testCluster(nodes, { source: join(tmpdir(), 'nowhere', 'inventory.yaml') }))).toBeUndefined();
  });
});
