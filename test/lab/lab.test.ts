import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { loadInventory } from '../../src/inventory/index.js';
import { assignAddresses, HOST_PACKAGES, macFor } from '../../src/lab/constants.js';
import { labExec, labStatus } from '../../src/lab/index.js';
import { inventoryText } from '../../src/lab/inventory.js';
import { labNet, MAX_LAB_INDEX, resolveLabIndex } from '../../src/lab/net.js';
import { labPaths } from '../../src/lab/ns/paths.js';
import type { LabNode, LabState } from '../../src/lab/ns/state.js';
import { ALL_HOST_PACKAGES, VM_HOST_PACKAGES } from '../../src/lab/vm/constants.js';
import { resolveTarget, SshConnection } from '../../src/transport/ssh.js';
import { eventually, hactl, ipOut, labAddresses, labMissing, pingFrom, ROOT, running, ssh, TEST_LAB_INDEX } from './helpers.js';

// The lab needs root and Linux namespaces. Elsewhere these tests skip; in CI they must run.
const missing = labMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI needs the lab tests: ${missing}`);

// lab 0 as in CI; HACTL_LAB_INDEX=N runs the same tests on lab N (beside someone's lab 0)
const INDEX = TEST_LAB_INDEX;
const STATE = INDEX === 0 ? '/tmp/hactl-lab-test' : `/tmp/hactl-lab-idx${INDEX}-test`;
// the second lab of the side-by-side test
const OTHER = INDEX === MAX_LAB_INDEX ? INDEX - 1 : INDEX + 1;
const OTHER_STATE = `/tmp/hactl-lab-idx${OTHER}-pair`;
const NODES = ['master', 'slave', 'arbitrator'];
// --recreate only over our own leftovers: a lab of the same index from another state dir
// (someone else's) makes `lab up` refuse, and the test fail, instead of being removed
const recreateOwn = (dir: string): string[] => (existsSync(join(dir, 'state.json')) ? ['--recreate'] : []);

describe('lab files', () => {
  it('lab-assets/host-packages.txt lists HOST_PACKAGES + VM_HOST_PACKAGES (the CI installs from it)', () => {
    const listed = readFileSync(join(ROOT, 'lab-assets/host-packages.txt'), 'utf8').split('\n').filter(Boolean);
    expect(listed).toEqual([...ALL_HOST_PACKAGES]);
    expect(ALL_HOST_PACKAGES).toEqual([...HOST_PACKAGES, ...VM_HOST_PACKAGES]);
  });

  it('gives master/slave/arbitrator fixed addresses and other nodes the next free ones', () => {
    const a = assignAddresses(['web', 'master', 'slave', 'arbitrator', 'db'], []);
    expect(Object.fromEntries(a)).toEqual({
      master: '10.77.0.11',
      slave: '10.77.0.12',
      arbitrator: '10.77.0.13',
      web: '10.77.0.14',
      db: '10.77.0.15',
    });
    expect(assignAddresses(['x'], ['10.77.0.14']).get('x')).toBe('10.77.0.15');
  });

  it('writes the inventory format with paths relative to the inventory', () => {
    const paths = labPaths('/tmp/somewhere');
    const node = (name: string, address: string, role: LabNode['role']) => ({ name, address, role }) as LabNode;
    const text = inventoryText(paths, paths.inventory, 'heartbeat', [
      node('master', '10.77.0.11', 'master'),
      node('web', '10.77.0.14', 'service'),
    ]);
    const inv = parse(text);
    expect(text.startsWith('# written by `hactl lab up`')).toBe(true);
    expect(inv.cluster).toMatchObject({ name: 'lab', stack: 'heartbeat', network: '10.77.0.0/24', floating_ips: ['10.77.0.100/24'] });
    expect(inv.ssh).toEqual({ user: 'root', identity: './id_ed25519', config: './ssh_config', known_hosts: './known_hosts' });
    expect(inv.nodes[1]).toEqual({ name: 'web', address: '10.77.0.14', role: 'service' });
    const elsewhere = parse(inventoryText(paths, '/etc/inv.yaml', 'pacemaker', []));
    expect(elsewhere.ssh.identity).toBe('/tmp/somewhere/id_ed25519');
  });

  it('keeps lab 0 on the historical names; lab N gets its own names, network and MACs', () => {
    expect(labNet(0)).toMatchObject({
      netns: 'hactl-lab',
      hostLink: 'hactl-host',
      network: '10.77.0.0/24',
      bridgeAddress: '10.77.0.1',
      hostAddress: '10.77.0.2',
      floatingIp: '10.77.0.100/24',
      repoUrl: 'http://10.77.0.1:8080',
    });
    expect(labNet(0).nodeNetns('master')).toBe('hactl-lab-master');
    const l3 = labNet(3);
    expect(l3).toMatchObject({ netns: 'hactl-l3', hostLink: 'hactl-host3', network: '10.77.3.0/24', floatingIp: '10.77.3.100/24' });
    expect(l3.nodeNetns('slave')).toBe('hactl-l3-slave');
    expect(assignAddresses(['master', 'web'], [], l3).get('web')).toBe('10.77.3.14');
    expect(macFor('10.77.0.11')).toBe('02:77:00:00:00:0b');
    expect(macFor('10.77.3.11')).toBe('02:77:03:00:00:0b');
    expect(resolveLabIndex('7')).toBe(7);
    expect(() => resolveLabIndex('10')).toThrow(/0\.\.9/);
    expect(() => resolveLabIndex('x')).toThrow(/bad lab index/);
  });
});

describe('lab without root', () => {
  it('says so in one line and exits 2', () => {
    const args = [join(ROOT, 'bin/hactl'), 'lab', 'up', '--state-dir', '/tmp/hactl-lab-nonroot'];
    const r =
      process.getuid?.() === 0
        ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args], { encoding: 'utf8' })
        : spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/needs root/);
  });
});

describe.skipIf(Boolean(missing))(`hactl lab (real nodes in namespaces)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const readState = (): LabState => JSON.parse(readFileSync(join(STATE, 'state.json'), 'utf8')) as LabState;

  beforeAll(() => {
    const t0 = Date.now();
    const r = hactl(['lab', 'up', ...recreateOwn(STATE), '--index', String(INDEX), '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    console.log(`lab up: ${((Date.now() - t0) / 1000).toFixed(1)}s\n${r.stderr}`);
  });

  afterAll(() => {
    if (existsSync(join(STATE, 'state.json'))) hactl(['lab', 'down', '--state-dir', STATE]);
  });

  it('every node answers ssh with its own name, host keys checked strictly', () => {
    expect(readFileSync(join(STATE, 'ssh_config'), 'utf8')).toMatch(/StrictHostKeyChecking yes/);
    for (const n of NODES) {
      const r = ssh(STATE, n, 'uname -n');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(n);
    }
  });

  it('writes an inventory of the nodes', () => {
    const lab = labAddresses(STATE);
    const inv = parse(readFileSync(join(STATE, 'inventory.yaml'), 'utf8'));
    expect(inv.nodes.map((n: { name: string }) => n.name)).toEqual(NODES);
    expect(inv.nodes[0]).toEqual({ name: 'master', address: `10.77.${INDEX}.11`, role: 'master' });
    expect(inv.cluster).toMatchObject({ network: lab.network, floating_ips: [`${lab.vip}/24`] });
  });

  it('installs packages on a node from the lab repo over ssh', () => {
    const r = ssh(STATE, 'slave', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q tree && tree --version');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tree v/);
  });

  it('lab exec runs a command inside the node', () => {
    const r = hactl(['lab', 'exec', 'arbitrator', '--state-dir', STATE, '--', 'sh', '-c', 'cat /etc/hostname; exit 3']);
    expect(r.stdout.trim()).toBe('arbitrator');
    expect(r.status).toBe(3);
  });

  it('offers the same through the programmatic API', async () => {
    const status = await labStatus({ stateDir: STATE });
    expect(status.up).toBe(true);
    expect(status.repo?.running).toBe(true);
    expect(status.nodes.map((n) => [n.name, n.running])).toEqual(NODES.map((n) => [n, true]));
    const r = await labExec('slave', ['cat', '/etc/hostname'], { stateDir: STATE });
    expect(r).toMatchObject({ code: 0, stdout: 'slave\n' });
  });

  // issue #25: an encrypted key held by a real ssh-agent, and a node reached only through a
  // ProxyJump bastion (the arbitrator); both through the lab's own inventory, copied
  describe('ssh the way OpenSSH resolves it', () => {
    const KEY = join(STATE, 'locked_key');
    const SOCK = join(STATE, 'agent.sock');
    let agent: ChildProcess | undefined;
    const inventoryWith = (file: string, ssh: Record<string, string>): string => {
      const doc = parseDocument(readFileSync(join(STATE, 'inventory.yaml'), 'utf8'));
      for (const [k, v] of Object.entries(ssh)) doc.setIn(['ssh', k], v);
      writeFileSync(join(STATE, file), doc.toString());
      return join(STATE, file);
    };
    afterAll(() => agent?.kill());

    it('an encrypted key loaded into ssh-agent reaches the nodes; without the agent it is skipped, and the message says so', async () => {
      const t0 = Date.now();
      rmSync(KEY, { force: true });
      rmSync(`${KEY}.pub`, { force: true });
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'lab pass', '-C', 'hactl-lab-agent', '-f', KEY]);
      const pub = readFileSync(`${KEY}.pub`, 'utf8').trim();
      for (const n of NODES) expect(ssh(STATE, n, `echo '${pub}' >> /root/.ssh/authorized_keys`).status).toBe(0);
      rmSync(SOCK, { force: true });
      agent = spawn('ssh-agent', ['-D', '-a', SOCK], { stdio: 'ignore' });
      expect(await eventually(() => existsSync(SOCK), 5000)).toBe(true);
      const askpass = join(STATE, 'askpass');
      writeFileSync(askpass, "#!/bin/sh\necho 'lab pass'\n", { mode: 0o700 });
      const add = spawnSync('ssh-add', [KEY], {
        encoding: 'utf8',
        env: { ...process.env, SSH_AUTH_SOCK: SOCK, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      });
      expect(add.status, add.stderr).toBe(0);
      const inv = inventoryWith('agent-inventory.yaml', { identity: KEY });
      const ok = hactl(['history', '-i', inv], 120_000, { SSH_AUTH_SOCK: SOCK });
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/no generations yet/);
      const env = { ...process.env };
      delete env.SSH_AUTH_SOCK;
      const refused = spawnSync(process.execPath, [join(ROOT, 'bin/hactl'), 'history', '-i', inv], {
        encoding: 'utf8',
        env,
        timeout: 120_000,
      });
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toContain(`authentication failed for root@10.77.${INDEX}.11:22`);
      expect(refused.stdout + refused.stderr).toContain(
        `${KEY} (encrypted, and no ssh-agent (SSH_AUTH_SOCK) nor terminal to ask its passphrase)`,
      );
      console.log(`ssh-agent scenario: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });

    it("a node that refuses direct SSH is reached through a ProxyJump bastion; its sshd sees the bastion's address", async () => {
      const t0 = Date.now();
      const lab = labAddresses(STATE);
      const [master, bastion] = [lab.nodes.master!, lab.nodes.arbitrator!];
      // only inside master's namespace: its sshd lets root in from the bastion alone
      const restrict = `echo 'AllowUsers root@${bastion}' > /etc/ssh/sshd_config.d/hactl-test-bastion.conf && kill -HUP $(cat /run/sshd.pid)`;
      const open = 'rm -f /etc/ssh/sshd_config.d/hactl-test-bastion.conf && kill -HUP $(cat /run/sshd.pid)';
      writeFileSync(join(STATE, 'jump_config'), `Include ${join(STATE, 'ssh_config')}\n\nHost master ${master}\n  ProxyJump arbitrator\n`);
      const inv = inventoryWith('jump-inventory.yaml', { config: './jump_config' });
      expect(hactl(['lab', 'exec', 'master', '--state-dir', STATE, '--', 'sh', '-c', restrict]).status).toBe(0);
      try {
        expect(await eventually(() => ssh(STATE, 'master', 'true').status !== 0, 5000), 'direct ssh to master still works').toBe(true);
        const check = hactl(['inventory', 'check', '-i', inv]);
        expect(check.status, check.stderr).toBe(0);
        expect(check.stdout).toMatch(new RegExp(`master .* root@${master}:22 via root@${bastion}:22\\n`));
        expect(check.stdout).toMatch(new RegExp(`slave .* root@${lab.nodes.slave}:22\\n`));
        const history = hactl(['history', '-i', inv], 120_000);
        expect(history.status, history.stdout + history.stderr).toBe(0);
        // the same connection code, asked what the target's sshd saw
        const model = await loadInventory(inv);
        const c = await SshConnection.open(await resolveTarget(model.nodes.find((n) => n.name === 'master')!));
        try {
          expect((await c.exec('echo "$SSH_CONNECTION"')).stdout).toMatch(
            new RegExp(`^${bastion.replace(/\./g, '\\.')} \\d+ ${master.replace(/\./g, '\\.')} 22\\n$`),
          );
        } finally {
          await c.close();
        }
        // and the inventory without the jump fails on master alone, naming where it went
        const direct = hactl(['history', '-i', join(STATE, 'inventory.yaml')], 120_000);
        expect(direct.status).toBe(1);
        expect(direct.stdout + direct.stderr).toMatch(new RegExp(`master.*authentication failed for root@${master}:22`));
      } finally {
        expect(hactl(['lab', 'exec', 'master', '--state-dir', STATE, '--', 'sh', '-c', open]).status).toBe(0);
      }
      expect(await eventually(() => ssh(STATE, 'master', 'true').status === 0, 5000)).toBe(true);
      console.log(`ProxyJump scenario: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });
  });

  it('cut isolates a node, uncut plugs it back', async () => {
    const master = labAddresses(STATE).nodes.master ?? '';
    expect(hactl(['lab', 'cut', 'master', '--state-dir', STATE]).status).toBe(0);
    expect(pingFrom(STATE, 'slave', master)).not.toBe(0);
    expect(hactl(['lab', 'uncut', 'master', '--state-dir', STATE]).status).toBe(0);
    expect(await eventually(() => pingFrom(STATE, 'slave', master) === 0, 5000)).toBe(true);
  });

  it('poweroff makes a node unreachable; boot brings it back with its disk', () => {
    expect(ssh(STATE, 'master', 'echo kept > /root/before-poweroff && sync').status).toBe(0);
    expect(hactl(['lab', 'poweroff', 'master', '--state-dir', STATE]).status).toBe(0);
    expect(pingFrom(STATE, 'slave', labAddresses(STATE).nodes.master ?? '')).not.toBe(0);
    expect(ssh(STATE, 'master', 'true').status).not.toBe(0);
    const status = JSON.parse(hactl(['lab', 'status', '--json', '--state-dir', STATE]).stdout);
    expect(status.nodes.find((n: { name: string }) => n.name === 'master').running).toBe(false);
    const r = hactl(['lab', 'boot', 'master', '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    const back = ssh(STATE, 'master', 'uname -n; cat /root/before-poweroff');
    expect(back.stdout.split('\n').slice(0, 2)).toEqual(['master', 'kept']);
  });

  it('--add starts one more node and leaves the inventory alone', () => {
    const before = readFileSync(join(STATE, 'inventory.yaml'), 'utf8');
    const slavePid = readState().nodes.find((n) => n.name === 'slave')?.init?.pid;
    const r = hactl(['lab', 'up', '--add', 'web1', '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(labAddresses(STATE).address(14));
    expect(ssh(STATE, 'web1', 'uname -n').stdout.trim()).toBe('web1');
    expect(readFileSync(join(STATE, 'inventory.yaml'), 'utf8')).toBe(before);
    expect(readState().nodes.find((n) => n.name === 'slave')?.init?.pid).toBe(slavePid);
  });

  it('runs a second lab (another index) beside it; each node answers as itself', () => {
    const t0 = Date.now();
    const up = hactl(['lab', 'up', ...recreateOwn(OTHER_STATE), '--index', String(OTHER), '--state-dir', OTHER_STATE]);
    try {
      expect(up.status, up.stderr).toBe(0);
      console.log(`second lab (index ${OTHER}) up: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      const [a, b] = [labAddresses(STATE), labAddresses(OTHER_STATE)];
      expect(b.network).toBe(`10.77.${OTHER}.0/24`);
      expect(b.nodes.master).not.toBe(a.nodes.master);
      for (const [dir, lab] of [
        [STATE, a],
        [OTHER_STATE, b],
      ] as const) {
        for (const n of NODES) {
          const r = ssh(dir, n, 'uname -n; hostname -I');
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout.split(/\s+/).slice(0, 2)).toEqual([n, lab.nodes[n]]);
        }
      }
      // its nodes use its own repo server, not lab ${INDEX}'s
      const apt = ssh(OTHER_STATE, 'slave', 'apt-get update -q 2>&1');
      expect(apt.stdout).toContain(b.bridge);
      expect(apt.status, apt.stdout).toBe(0);
    } finally {
      expect(hactl(['lab', 'down', '--state-dir', OTHER_STATE]).status).toBe(0);
    }
    expect(ssh(STATE, 'master', 'uname -n').stdout.trim()).toBe('master');
  });

  it('refuses a second lab up without --recreate (exit 2)', () => {
    const r = hactl(['lab', 'up', '--state-dir', STATE]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already exists/);
  });

  it('lab down leaves no netns, link, mount or process behind', () => {
    const pids = readState().processes.map((p) => p.pid);
    const lab = labAddresses(STATE);
    expect(pids.length).toBeGreaterThan(0);
    const t0 = Date.now();
    const r = hactl(['lab', 'down', '--state-dir', STATE]);
    expect(r.status, r.stderr).toBe(0);
    console.log(`lab down: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    // only this lab's names: other labs (other indexes) may run on this machine
    const netns = ipOut('netns', 'list')
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(netns.filter((n) => lab.netns.includes(n ?? ''))).toEqual([]);
    expect(ipOut('-o', 'link')).not.toMatch(new RegExp(`: ${lab.hostLink}[@:]`));
    const mounts = readFileSync('/proc/mounts', 'utf8');
    expect(mounts).not.toContain(STATE);
    expect(mounts).not.toMatch(/^hactl-/m);
    expect(pids.filter(running)).toEqual([]);
    expect(existsSync(join(STATE, 'state.json'))).toBe(false);
  });
});
