import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ipOut, labMissing, ROOT } from './helpers.js';

// The CI version of `npm run bench` (bench/run.ts --smoke), so the bench cannot rot: it
// builds the bench, installs ansible-core if missing, makes 5 light lab nodes, and times
// `hactl drift -i INV --playbook bench/light.ts` against `ansible-playbook --check --diff` and the
// floor of 5 parallel OpenSSH handshakes; the converge play gets a syntax check. The
// figures are not judged here (a loaded CI machine proves nothing): only that the whole
// path runs and writes its table and JSON.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

const OUT = mkdtempSync(join(tmpdir(), 'hactl-bench-smoke-'));

describe.skipIf(Boolean(missing))(`bench smoke${missing ? ` (skipped: ${missing})` : ''}`, () => {
  afterAll(() => {
    rmSync(OUT, { recursive: true, force: true });
  });

  it('builds and runs the bench end to end on 5 light nodes: table, JSON, both tools agree on the drift', () => {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'bench/tsconfig.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const index = process.env.HACTL_BENCH_LAB_INDEX ?? '6';
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/bench/run.js'), '--smoke', '--out', OUT, '--ansible-package', 'ansible-core', '--indexes', index],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 600_000,
      },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/drift 5 light nodes \(check mode\)/);
    expect(r.stdout).toMatch(/hactl \/ ansible --check/);

    const files = readdirSync(OUT).filter((f) => f.endsWith('-smoke.json'));
    expect(files).toHaveLength(1);
    const res = JSON.parse(readFileSync(join(OUT, files[0]!), 'utf8'));
    expect(res.mode).toBe('smoke');
    expect(res.machine.cores).toBeGreaterThan(0);
    expect(res.machine.loadBefore).toHaveLength(3);
    // quietness sampled between the runs (the drift pair and the end), and said in the table
    expect(res.machine.loadSamples.map((x: any) => x.before)).toEqual(['drift 5 nodes, pair 1', 'the end']);
    for (const x of res.machine.loadSamples) {
      expect(x.othersBusy).toBeGreaterThanOrEqual(0);
      expect(x.othersBusy).toBeLessThanOrEqual(1);
    }
    expect(typeof res.machine.quiet).toBe('boolean');
    expect(r.stdout).toMatch(
      res.machine.quiet ? /^quiet: others used at most \d+% of the CPU between runs \(2 samples\)$/m : /^NOT QUIET: /m,
    );
    expect(res.versions.ansible).toMatch(/ansible-playbook/);
    expect(res.drift).toHaveLength(1);
    const d = res.drift[0];
    expect(d.nodes).toBe(5);
    // b001 is drifted (every 10th node from the first): both tools had to find exactly it
    expect(d.driftedHosts).toBe(1);
    for (const k of ['hactl', 'ansible', 'handshake']) {
      expect(d[k]).toHaveLength(1);
      expect(d[k][0]).toBeGreaterThan(0);
    }
    expect(d.hactlRssKiB[0]).toBeGreaterThan(10_000);
    expect(res.targets.map((t: { what: string }) => t.what)).toEqual([
      'drift 5 nodes: hactl / ansible --check',
      'drift 5 nodes: hactl / 5 ssh handshakes',
    ]);
    expect(res.notes.join('\n')).toMatch(/syntax-check/);
    // the labs are gone
    expect(ipOut('netns', 'list')).not.toMatch(new RegExp(`hactl-l${index}-b00`));
  });
});
