import { describe, expect, it } from 'vitest';
import { LAB_PACKAGES, QDEVICE_LAB_PACKAGES } from '../../../src/lab/constants.js';
import { VM_IMAGE_PACKAGES, VM_SERVICE_PACKAGES } from '../../../src/lab/vm/constants.js';

describe('lab package lists', () => {
  it('the namespace lab serves the QNetd packages (lab up --qdevice); the VM image never bakes them in', () => {
    expect(LAB_PACKAGES).toEqual(expect.arrayContaining(['corosync-qnetd', 'corosync-qdevice']));
    // an enabled corosync-qdevice.service (Requires=corosync) would start corosync at boot, before bootstrap
    for (const p of QDEVICE_LAB_PACKAGES) expect(VM_IMAGE_PACKAGES).not.toContain(p);
    expect(VM_IMAGE_PACKAGES).toEqual([...LAB_PACKAGES.filter((p) => !QDEVICE_LAB_PACKAGES.includes(p)), 'sbd', ...VM_SERVICE_PACKAGES]);
  });
});
