import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdMissing, startSshd, type TestSshd } from '../helpers/sshd.js';

// The real CLI (`node bin/hactl`) running a user's TypeScript playbook over real SSH.
const ROOT = resolve(import.meta.dirname, '../..');
const missing = sshdMissing() ?? (existsSync(join(ROOT, 'dist/src/cli/main.js')) ? undefined : 'hactl is not built (npm run build)');
if (missing && process.env.CI === 'true') throw new Error(`CI needs the CLI tests: ${missing}`);

const hactl = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/hactl'), ...args], { encoding: 'utf8', cwd: ROOT });

describe.skipIf(Boolean(missing))(`hactl run / plan with a TypeScript playbook${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let sshd: TestSshd;
  let dir: string;
  let inv: string;
  let book: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'hactl-cli-'));
    // the nodes are this machine: pending records and the run lock stay in the test's dir (src/runtime/pending.ts)
    process.env.HACTL_NODE_STATE_DIR = join(dir, 'node-state');
    process.env.HACTL_LOCK_DIR = join(dir, 'locks');
    inv = join(dir, 'inventory.yaml');
    writeFileSync(
      inv,
      `cluster: { name: t, stack: pacemaker, network: 127.0.0.0/8, floating_ips: [127.0.0.100/8] }
ssh: { user: root, port: ${sshd.port}, identity: ${sshd.clientKey}, known_hosts: ${sshd.knownHosts}, config: /nonexistent }
nodes:
  - { name: one, address: 127.0.0.1, role: master }
  - { name: two, address: 127.0.0.2, role: slave, ssh: { host: 127.0.0.1 } }
`,
    );
    writeFileSync(join(dir, 'motd.hbs'), 'node {{node.name}} of {{cluster.name}} says {{vars.greeting}}\n');
    book = join(dir, 'site.ts');
    writeFileSync(
      book,
      `import { definePlaybook, type HostContext } from 'hactl';
export default definePlaybook('site', async ({ hosts, options }) => {
  await hosts.all(async (h: HostContext) => {
    await h.template('motd.hbs', '${dir}/motd-' + h.name, { vars: { vars: { greeting: String(options.greeting ?? 'hi') } } });
  });
});
`,
    );
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plan shows a diff and touches nothing; run applies; run again changes nothing', () => {
    const plan = hactl(['plan', '-i', inv, book, '--set', 'greeting=hello']);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('+node one of t says hello');
    expect(plan.stdout).toMatch(/would change/);
    expect(existsSync(join(dir, 'motd-one'))).toBe(false);

    const run = hactl(['run', '-i', inv, book, '--set', 'greeting=hello', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.ok).toBe(true);
    expect(summary.changed).toBe(2);
    expect(readFileSync(join(dir, 'motd-two'), 'utf8')).toBe('node two of t says hello\n');

    const again = JSON.parse(hactl(['run', '-i', inv, book, '--set', 'greeting=hello', '--json']).stdout);
    expect(again.changed).toBe(0);
  });

  it('--limit runs on the named node only; an unknown name is bad input (exit 2)', () => {
    const r = JSON.parse(hactl(['run', '-i', inv, book, '--limit', 'one', '--set', 'greeting=limit', '--json']).stdout);
    expect(r.hosts.map((h: { host: string }) => h.host)).toEqual(['one']);
    const bad = hactl(['run', '-i', inv, book, '--limit', 'nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--limit selects no node with "nope"/);
  });

  it("drift --playbook: your playbook's desired state, read-only, exit 0 clean / 2 drift with the host and a diff", () => {
    expect(hactl(['run', '-i', inv, book]).status).toBe(0);
    const clean = hactl(['drift', '-i', inv, '--playbook', book, '--json']);
    expect(clean.status, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout).items).toEqual([]);
    writeFileSync(join(dir, 'motd-one'), 'edited by hand\n');
    const drifted = hactl(['drift', '-i', inv, '--playbook', book, '--json']);
    expect(drifted.status, drifted.stderr).toBe(2);
    const items = JSON.parse(drifted.stdout).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'files', host: 'one', subject: join(dir, 'motd-one') });
    expect(items[0].diff).toContain('-edited by hand');
    expect(readFileSync(join(dir, 'motd-one'), 'utf8')).toBe('edited by hand\n'); // nothing changed
  });

  it('a bad inventory is one clear message with file:line:col and exit 2, no stack trace', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(inv, 'utf8').replace('address: 127.0.0.2', 'adress: 127.0.0.2'));
    const r = hactl(['run', '-i', broken, book]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:5:\d+/);
    expect(r.stderr).toMatch(/did you mean `address`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a host-key mismatch fails that host (exit 1) naming the fingerprint', () => {
    const kh = join(dir, 'kh-wrong');
    writeFileSync(kh, `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm1fake0000000000000000000000000000000000000\n`);
    const inv2 = join(dir, 'inv2.yaml');
    writeFileSync(inv2, readFileSync(inv, 'utf8').replace(sshd.knownHosts, kh));
    const r = hactl(['run', '-i', inv2, book]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/host key for 127.0.0.1 has CHANGED \(now SHA256:/);
  });

  it('--help lists the commands and teaches with examples', () => {
    const r = hactl(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['inventory', 'run', 'plan', 'bootstrap', 'smoke', 'lab']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(hactl(['run', '--help']).stdout).toMatch(/Examples:/);
  });
});
