import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { clusterProperties } from '../../../src/stack/pacemaker.js';
import { sbdHeaderScript, sbdHeadersPresent, stonithWatchdogTimeout } from '../../../src/stack/sbd.js';

describe('SBD (src/stack/sbd.ts)', async () => {
  const disk = await loadInventory('test/fixtures/inventory/good-sbd.yaml');
  const diskless = await loadInventory('test/fixtures/inventory/good-sbd-diskless.yaml');

  it('stonith-watchdog-timeout: 2 × watchdog_timeout diskless, 0 with disks, none without SBD', () => {
    expect(stonithWatchdogTimeout(diskless)).toBe(10);
    expect(stonithWatchdogTimeout(disk)).toBe(0);
    expect(stonithWatchdogTimeout({ stonith: { enabled: true, agent: 'fence_lab' } })).toBeUndefined();
  });

  it('stonith-watchdog-timeout is withheld while sbd does not run (Pacemaker would shut down); 0 is harmless', () => {
    expect(clusterProperties(diskless).crm_config['stonith-watchdog-timeout']).toBe('10s');
    expect(clusterProperties(diskless, { sbdInactive: true }).crm_config).not.toHaveProperty('stonith-watchdog-timeout');
    expect(clusterProperties(disk, { sbdInactive: true }).crm_config['stonith-watchdog-timeout']).toBe('0s');
  });

  it('headers: created only where `sbd dump` finds none, never overwritten', () => {
    const script = sbdHeaderScript(disk.stonith.sbd!);
    const lines = script.trim().split('\n').slice(1);
    expect(lines).toHaveLength(2);
    for (const [i, d] of disk.stonith.sbd!.devices.entries()) {
      expect(lines[i]).toBe(`if ! sbd -d ${d} dump >/dev/null 2>&1; then sbd -d ${d} -1 10 -4 20 create && echo 'created ${d}'; fi`);
    }
    expect(sbdHeadersPresent(disk.stonith.sbd!)).toBe(
      'sbd -d /dev/disk/by-id/scsi-sbd1 dump >/dev/null 2>&1 && sbd -d /dev/disk/by-id/scsi-sbd2 dump >/dev/null 2>&1',
    );
  });
});
