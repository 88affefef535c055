import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Prober, serviceProbeTarget } from '../../../src/checks/failover/prober.js';
import { probeTarget } from '../../../src/checks/failover/runner.js';
import {
  answerProblem,
  commandVerdict,
  parseArbitratorProbe,
  parseServiceCommand,
  serviceCommandScript,
} from '../../../src/checks/smoke.js';
import { InputErrors } from '../../../src/core/errors.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { probedService } from '../../../src/inventory/model.js';
import { TWO_TWINS } from '../inventory/helpers.js';

// issue #21: a service's own health check: TCP, HTTP with the status that counts, or a
// command run where the service runs
const inventory = (services: string): string => `${TWO_TWINS}  - { name: gamma, address: 10.1.0.13, role: arbitrator }
services:
${services}`;
function problems(services: string): string[] {
  try {
    parseInventory(inventory(services), '/x/inv.yaml');
    return [];
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => `${e.details.field}: ${e.message}`);
    throw err;
  }
}

describe('services[].check in the inventory', () => {
  it('accepts TCP, HTTP with a status, and a command alone or beside a port', () => {
    const m = parseInventory(
      inventory(`  - { name: mariadb, check: { command: 'mysqladmin ping', expect: alive } }
  - { name: apache2, check: { port: 80, path: /health, status: 204, expect: ok, command: 'apache2ctl -t' } }
  - { name: nfs-kernel-server, check: { port: 2049 } }
`),
      '/x/inv.yaml',
    );
    expect(m.services.map((s) => s.check)).toEqual([
      { command: 'mysqladmin ping', expect: 'alive' },
      { port: 80, path: '/health', status: 204, expect: 'ok', command: 'apache2ctl -t' },
      { port: 2049 },
    ]);
    // the probed service is the first with a port: a command-only check is smoke's, not the prober's
    expect(probedService(m)?.name).toBe('apache2');
    expect(probeTarget(m)).toEqual({ address: '10.1.0.100', port: 80, path: '/health', expect: 'ok', status: 204 });
    expect(probeTarget(m, '/hactl-marker')).toEqual({ address: '10.1.0.100', port: 80, path: '/hactl-marker' });
  });
  it('refuses a check with nothing to probe, a path without a port, a status without a path; each at its field', () => {
    expect(problems('  - { name: a, check: { expect: x } }\n')).toEqual([
      'services[0].check: a service check needs a port (TCP, or HTTP with a path) or a command',
    ]);
    expect(problems("  - { name: a, check: { command: 'true', path: / } }\n")).toEqual([
      'services[0].check.path: an HTTP path needs the port to send it to',
    ]);
    expect(problems('  - { name: a, check: { port: 80, status: 200 } }\n')).toEqual([
      'services[0].check.status: an HTTP status needs a path: without one the check is a plain TCP connect',
    ]);
    expect(problems('  - { name: a, check: { port: 80, path: /, status: 99 } }\n')[0]).toMatch(/^services\[0\]\.check\.status: /);
  });
});

describe('judging an answer', () => {
  it('the status that counts (or any below 500), then the text', () => {
    expect(answerProblem({ port: 80, path: '/' }, { ok: true, status: 404, body: '' })).toBeUndefined();
    expect(answerProblem({ port: 80, path: '/' }, { ok: false, status: 503, body: '' })).toBe('HTTP 503');
    expect(answerProblem({ port: 80, path: '/', status: 200 }, { ok: true, status: 301 })).toBe('HTTP 301, not 200');
    expect(answerProblem({ port: 80, path: '/', expect: 'up' }, { ok: true, status: 200, body: 'down' })).toBe(
      'HTTP 200, but the answer lacks "up"',
    );
    expect(answerProblem({ port: 2049 }, { ok: true })).toBeUndefined();
    expect(answerProblem({ port: 2049 }, { ok: false, error: 'connect ECONNREFUSED' })).toBe('connect ECONNREFUSED');
  });
  it("reads the arbitrator's curl: the body, then the status on its own line", () => {
    expect(parseArbitratorProbe('<h1>ok</h1>\n200', '/')).toEqual({ ok: true, status: 200, body: '<h1>ok</h1>' });
    expect(parseArbitratorProbe('\n000', '/')).toEqual({ ok: false, error: 'no HTTP answer (000)' });
    expect(parseArbitratorProbe('tcp-ok\n', undefined)).toEqual({ ok: true });
  });
  it('the failover prober counts a probe with another status as failed', async () => {
    const sent: number[] = [301, 200];
    const p = new Prober(serviceProbeTarget('10.1.0.100', undefined), { intervalMs: 5 });
    expect(p.target).toEqual({ address: '10.1.0.100', port: 22 });
    const q = new Prober(
      { address: '10.1.0.100', port: 80, path: '/', status: 200 },
      { intervalMs: 5, send: async () => ({ ok: true, ms: 1, status: sent.shift() ?? 200, body: '' }) },
    );
    q.start();
    await new Promise((r) => setTimeout(r, 30));
    const records = await q.stop();
    expect(records[0]).toMatchObject({ ok: false, status: 301, error: 'HTTP 301, not 200' });
    expect(records[1]).toMatchObject({ ok: true, status: 200 });
  });
});

describe("a service's own command", () => {
  it('runs on the holder only, as one quoted word to sh -c, and reports its exit code and output', () => {
    const hostile = 'echo up; echo $((6*7)); exit 3 # \'"`';
    const here = spawnSync('sh', ['-c', serviceCommandScript(hostile, undefined, true)], { encoding: 'utf8' });
    expect(parseServiceCommand(here.stdout)).toEqual({ rc: 3, output: 'up\n42' });
    const elsewhere = spawnSync('sh', ['-c', serviceCommandScript(hostile, undefined, false)], { encoding: 'utf8' });
    expect(parseServiceCommand(elsewhere.stdout)).toEqual({ output: '' });
    expect(serviceCommandScript('true', '10.1.0.100', false)).toContain("grep -qF -- ' 10.1.0.100/'");
  });
  it('passes on exit 0 (and the text, without a port); names the twin and the last line', () => {
    const check = { command: 'mysqladmin ping', expect: 'alive' };
    expect(commandVerdict('mariadb', check, { node: 'alpha', rc: 0, output: 'mysqld is alive' })).toEqual({
      check: 'service mariadb (command)',
      ok: true,
      detail: 'exit 0 on alpha: mysqld is alive',
    });
    expect(commandVerdict('mariadb', check, { node: 'alpha', rc: 1, output: 'connect failed\nmore' }).detail).toBe('exit 1 on alpha: more');
    expect(commandVerdict('mariadb', check, { node: 'beta', rc: 0, output: 'hmm' }).detail).toBe(
      'exit 0 on beta, but its output lacks "alive": hmm',
    );
    expect(commandVerdict('mariadb', check, undefined)).toMatchObject({
      ok: false,
      detail: 'no twin holds the floating IP: the command did not run',
    });
  });
});
