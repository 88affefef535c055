import { describe, expect, it } from 'vitest';
import { type DrbdDiskSpec, drbdDiskCommand, parseDrbdDisk, parseDrbdState, parseGi } from '../../../src/facts/drbd-disk.js';
import { metadataDecision, syncDecision } from '../../../src/stack/drbd-safety.js';

// Every destructive DRBD decision from DRBD's and the disk's own state. The inputs are the
// text the tools print (DRBD 8.4 kernel with drbd-utils 9 as on Debian 12, and DRBD 9's
// `drbdadm status`), as the facts read them in one round trip.
const R0: DrbdDiskSpec = { name: 'r0', disk: '/dev/vdb', metaDisk: 'internal', minor: 0 };
const R1: DrbdDiskSpec = { name: 'r1', disk: '/dev/vdc', metaDisk: 'internal', minor: 1 };

const disks = (r0: string, r1: string, rc1 = 0): string => `@@disk r0\n${r0}@@rc 0\n@@disk r1\n${r1}@@rc ${rc1}\n`;

describe('DRBD disk facts (wipefs)', () => {
  it('lists signatures, and DRBD metadata apart from them', () => {
    const f = parseDrbdDisk(disks('ext4\ndrbd\n', ''), [R0, R1]);
    expect(f).toEqual([
      { resource: 'r0', disk: '/dev/vdb', metadata: true, signatures: ['ext4'] },
      { resource: 'r1', disk: '/dev/vdc', metadata: false, signatures: [] },
    ]);
  });
  it('a disk wipefs cannot read is never taken for blank', () => {
    const f = parseDrbdDisk(disks('', 'wipefs: error: /dev/vdc: probing initialization failed: No such file or directory\n', 1), [R0, R1]);
    expect(f[1]!.signatures).toEqual(['unreadable (wipefs: error: /dev/vdc: probing initialization failed: No such file or directory)']);
    expect(metadataDecision('slave', f[1]!).action).toBe('refuse');
  });
  it('probes an external meta-disk for the metadata and the data disk for the rest', () => {
    const ext: DrbdDiskSpec = { name: 'r2', disk: '/dev/vdd', metaDisk: '/dev/vde[0]', minor: 2 };
    expect(drbdDiskCommand([ext])).toContain('wipefs --noheadings --output TYPE -- /dev/vde 2>&1');
    const f = parseDrbdDisk('@@disk r2\nxfs\n@@rc 0\n@@meta r2\ndrbd\n@@rc 0\n', [ext]);
    expect(f[0]).toEqual({ resource: 'r2', disk: '/dev/vdd', metadata: true, signatures: ['xfs'] });
  });
});

describe('create-md decision', () => {
  it('blank disk: create', () => {
    expect(metadataDecision('master', { resource: 'r0', disk: '/dev/vdb', metadata: false, signatures: [] })).toEqual({
      action: 'create',
      destructive: false,
      say: 'master: /dev/vdb is blank: creating DRBD metadata for r0',
    });
  });
  it('existing metadata (a reinstalled root on a kept disk): keep, whatever the markers say', () => {
    const d = metadataDecision('slave', { resource: 'r0', disk: '/dev/vdb', metadata: true, signatures: ['ext4'] });
    expect(d).toEqual({ action: 'keep', say: 'slave: /dev/vdb has DRBD metadata for r0 (with ext4 on it): kept, no create-md' });
  });
  it('a filesystem and no metadata: refused, naming node, disk and what is there', () => {
    const d = metadataDecision('master', { resource: 'r1', disk: '/dev/vdc', metadata: false, signatures: ['ext4'] });
    expect(d.action).toBe('refuse');
    expect(d.say).toBe('master: /dev/vdc (DRBD r1) holds ext4 and no DRBD metadata: refusing to create metadata over it');
    expect(d.action === 'refuse' && d.hint).toMatch(/initialize: wipe/);
  });
  it('initialize: wipe lets it go, marked destructive', () => {
    const d = metadataDecision('master', { resource: 'r1', disk: '/dev/vdc', metadata: false, signatures: ['LVM2_member'] }, 'wipe');
    expect(d).toMatchObject({ action: 'create', destructive: true });
  });
});

// /proc/drbd of the 8.4 module, as Debian 12's kernel prints it
const proc84 = (cs: string, ro: string, ds: string): string =>
  `version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420 \n 0: cs:${cs} ro:${ro} ds:${ds} C r-----\n    ns:0 nr:0 dw:0 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:262132\n`;
// drbd-utils 9 talking to an 8.4 kernel: `drbdadm status` is not supported there
const state84 = (gi: string, proc: string): string =>
  `@@gi r0\n${gi}\n@@rc 0\n@@state\n'status' not supported for kernel module version 8.4\n@@proc\n${proc}`;
const JUST = '0000000000000004:0000000000000000:0000000000000000:0000000000000000:0:0:0:0:0:0:0:0:0';
const DATA = 'B8C1F0E9D5A3C2F1:0000000000000000:6E3F1A2B3C4D5E6F:0000000000000000:1:1:0:1:0:0:0:0:0';

// captured on the VM lab (Debian 12: DRBD 8.4.11 module, drbd-utils 9.22) after bootstrap
const VM_WIPEFS = '@@disk r0\ndrbd\n@@rc 0\n@@disk r1\n@@rc 0\n';
const VM_STATE = `@@gi r0
5310A3A26589CB68:0000000000000000:8F931E234E02C165:0000000000000004:1:1:0:1:0:0:0
@@rc 0
@@state
r0 role:Secondary
  disk:UpToDate
  peer role:Secondary
    replication:Established peer-disk:UpToDate

@@proc
version: 8.4.11 (api:1/proto:86-101)
srcversion: B536C32A3EADA868561EFD9 
 0: cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----
    ns:4432 nr:0 dw:266621 dr:4444 al:11 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
`;

describe('real output of the VM lab', () => {
  it('a bootstrapped twin: metadata kept (libblkid reports only DRBD on an internal-metadata disk), no sync forced', () => {
    const [disk] = parseDrbdDisk(VM_WIPEFS, [R0, R1]);
    expect(metadataDecision('master', disk!)).toEqual({
      action: 'keep',
      say: 'master: /dev/vdb has DRBD metadata for r0: kept, no create-md',
    });
    const [st] = parseDrbdState(VM_STATE, [R0]);
    expect(st).toMatchObject({
      gi: { current: '5310A3A26589CB68', history: ['8F931E234E02C165', '0000000000000004'] },
      state: { role: 'Secondary', disks: ['UpToDate'] },
    });
    expect(syncDecision('r0', { node: 'master', fact: st! }, { node: 'slave', fact: st! }).action).toBe('none');
  });
});

describe('DRBD state facts', () => {
  it('reads the GI line', () => {
    expect(parseGi(DATA)).toEqual({
      current: 'B8C1F0E9D5A3C2F1',
      bitmap: '0000000000000000',
      history: ['6E3F1A2B3C4D5E6F', '0000000000000000'],
    });
    expect(parseGi('No valid meta data found')).toBeUndefined();
  });
  it("8.4: GI and /proc/drbd; no metadata is DRBD's own words", () => {
    const [f] = parseDrbdState(state84(JUST, proc84('Connected', 'Secondary/Secondary', 'Inconsistent/Inconsistent')), [R0]);
    expect(f).toMatchObject({ resource: 'r0', gi: { current: '0000000000000004' }, state: { role: 'Secondary', disks: ['Inconsistent'] } });
    const [g] = parseDrbdState('@@gi r0\nNo valid meta data found\n@@rc 255\n@@state\nno-drbd-module\n', [R0]);
    expect(g).toEqual({ resource: 'r0', giError: 'No valid meta data found' });
  });
  it('DRBD 9: drbdadm status', () => {
    const out = `@@gi r0\n${JUST}\n@@rc 0\n@@state\nr0 role:Secondary\n  disk:Inconsistent\n  slave role:Secondary\n    replication:Established peer-disk:Inconsistent\n\n@@proc\nversion: 9.2.4\n`;
    const [f] = parseDrbdState(out, [R0]);
    expect(f!.state).toMatchObject({
      role: 'Secondary',
      disks: ['Inconsistent'],
      peers: [{ name: 'slave', connection: 'Connected', peerDisk: 'Inconsistent' }],
    });
  });
});

describe('initial sync decision', () => {
  const at = (gi: string, cs: string, ro: string, ds: string) => parseDrbdState(state84(gi, proc84(cs, ro, ds)), [R0])[0]!;
  it('a brand-new pair, connected: initial sync from the master', () => {
    const m = at(JUST, 'Connected', 'Secondary/Secondary', 'Inconsistent/Inconsistent');
    const s = at(JUST, 'Connected', 'Secondary/Secondary', 'Inconsistent/Inconsistent');
    expect(syncDecision('r0', { node: 'master', fact: m }, { node: 'slave', fact: s }).action).toBe('initial-sync');
  });
  it('a pair with data (markers gone after a reinstall): nothing to do', () => {
    const m = at(DATA, 'Connected', 'Secondary/Secondary', 'UpToDate/UpToDate');
    const s = at(DATA, 'Connected', 'Secondary/Secondary', 'UpToDate/UpToDate');
    const d = syncDecision('r0', { node: 'master', fact: m }, { node: 'slave', fact: s });
    expect(d.action).toBe('none');
    expect(d.say).toMatch(/^DRBD r0: master and slave UpToDate, no initial sync/);
  });
  it('a replaced twin (fresh metadata) next to a survivor with data: DRBD syncs it, never the other way', () => {
    const m = at(DATA, 'SyncSource', 'Secondary/Secondary', 'UpToDate/Inconsistent');
    const s = at(JUST, 'SyncTarget', 'Secondary/Secondary', 'Inconsistent/UpToDate');
    expect(syncDecision('r0', { node: 'master', fact: m }, { node: 'slave', fact: s }).action).toBe('none');
  });
  it('the survivor with data is the slave: the master never forces itself primary over it', () => {
    const m = at(JUST, 'Connected', 'Secondary/Secondary', 'Inconsistent/UpToDate');
    const s = at(DATA, 'Connected', 'Secondary/Secondary', 'UpToDate/Inconsistent');
    const d = syncDecision('r0', { node: 'master', fact: m }, { node: 'slave', fact: s });
    expect(d).toMatchObject({ action: 'none', say: expect.stringMatching(/^DRBD r0: slave UpToDate/) });
  });
  it('fresh but not connected: refused, with what each side has', () => {
    const m = at(JUST, 'WFConnection', 'Secondary/Unknown', 'Inconsistent/DUnknown');
    const s = at(JUST, 'WFConnection', 'Secondary/Unknown', 'Inconsistent/DUnknown');
    const d = syncDecision('r0', { node: 'master', fact: m }, { node: 'slave', fact: s });
    expect(d.action).toBe('refuse');
    expect(d.say).toBe(
      'DRBD r0: refusing the initial sync (it overwrites slave) — master: Secondary, disk Inconsistent, WFConnection, ' +
        'just-created metadata; slave: Secondary, disk Inconsistent, WFConnection, just-created metadata',
    );
    expect(d.action === 'refuse' && d.hint).toMatch(/not connected/);
  });
  it('both Inconsistent with data generations (an interrupted sync, a split): refused, never forced', () => {
    const m = at(DATA, 'Connected', 'Secondary/Secondary', 'Inconsistent/Inconsistent');
    const s = at(JUST, 'Connected', 'Secondary/Secondary', 'Inconsistent/Inconsistent');
    const d = syncDecision('r0', { node: 'master', fact: m }, { node: 'slave', fact: s });
    expect(d.action).toBe('refuse');
    expect(d.action === 'refuse' && d.hint).toMatch(/find the twin with the good data/);
  });
});
