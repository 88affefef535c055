import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drbdHandshakeWait } from '../../../playbooks/drbd.js';

// A kept pair brought up by the same run is Consistent on both sides until the twins meet;
// deciding before that refused a healthy pair (seen on the VM lab after the stack was
// stopped on both twins). The wait runs against a stand-in drbdadm whose answers change.
describe('DRBD state: the decision waits for the pair to meet, or for an UpToDate disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-drbd-wait-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // `drbdadm cstate R` prints the n-th line of $dir/R.cstate on its n-th call (the last one after)
  writeFileSync(
    join(dir, 'drbdadm'),
    `#!/bin/sh\nf="${dir}/$2.$1"; n=$(cat "$f.n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$f.n"\n` +
      'l=$(wc -l < "$f"); [ $n -gt $l ] && n=$l; sed -n "${n}p" "$f"\n',
  );
  chmodSync(join(dir, 'drbdadm'), 0o755);
  const run = (cstates: string[], dstates: string[]): { seconds: number; cstateCalls: number } => {
    writeFileSync(join(dir, 'r0.cstate'), `${cstates.join('\n')}\n`);
    writeFileSync(join(dir, 'r0.dstate'), `${dstates.join('\n')}\n`);
    rmSync(join(dir, 'r0.cstate.n'), { force: true });
    rmSync(join(dir, 'r0.dstate.n'), { force: true });
    const t0 = Date.now();
    const r = spawnSync('sh', ['-c', drbdHandshakeWait(['r0'])], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(r.status).toBe(0);
    const calls = Number(spawnSync('cat', [join(dir, 'r0.cstate.n')], { encoding: 'utf8' }).stdout.trim());
    return { seconds: (Date.now() - t0) / 1000, cstateCalls: calls };
  };

  it('a twin that is UpToDate on its own does not wait', () => {
    expect(run(['WFConnection'], ['UpToDate/DUnknown']).cstateCalls).toBe(1);
  });

  it('both Consistent and still Connecting: waits until they meet (a resync counts as met)', () => {
    const r = run(['WFConnection', 'WFConnection', 'SyncTarget'], ['Consistent/DUnknown', 'Consistent/DUnknown', 'Inconsistent/UpToDate']);
    expect(r.cstateCalls).toBe(3);
    expect(r.seconds).toBeGreaterThanOrEqual(1.5);
  });

  it('a fresh pair (Inconsistent) waits for Connected', () => {
    expect(run(['Connecting', 'Connected'], ['Inconsistent/DUnknown', 'Inconsistent/Inconsistent']).cstateCalls).toBe(2);
  });
});
