/**
 * LVS real servers for the VM lab tests: small network namespaces the test makes on the
 * VM lab's bridge, each with an HTTP server that answers with its own name. Set up for
 * direct routing ("gate"), as an LVS howto's real servers: the virtual IP on lo, and
 * arp_ignore/arp_announce so only the director answers ARP for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { VM_NET } from '../../src/lab/vm/constants.js';

export interface RealServer {
  name: string;
  netns: string;
  address: string;
  pid?: number;
}

const ip = (...args: string[]): void => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
};
const inNs = (netns: string, ...cmd: string[]): void => {
  const r = spawnSync('ip', ['netns', 'exec', netns, ...cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${netns}: ${cmd.join(' ')}: ${r.stderr.trim()}`);
};

/** The real servers' names and addresses: rs1 = .21, rs2 = .22, … */
export function realServers(count: number): RealServer[] {
  return Array.from({ length: count }, (_, i) => ({ name: `rs${i + 1}`, netns: `hactl-vmrs${i + 1}`, address: VM_NET.address(21 + i) }));
}

/** Creates each real server's netns, plugged into the VM lab bridge, with `vip` on lo, and starts its HTTP server. */
export function startRealServers(servers: RealServer[], vip: string): void {
  removeRealServers(servers);
  for (const rs of servers) {
    const bridgeEnd = `v${rs.name}`;
    ip('netns', 'add', rs.netns);
    ip('-n', VM_NET.netns, 'link', 'add', bridgeEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', rs.netns);
    ip('-n', VM_NET.netns, 'link', 'set', bridgeEnd, 'master', 'br0', 'up');
    for (const [k, v] of [
      ['all/arp_ignore', '1'],
      ['all/arp_announce', '2'],
      ['eth0/arp_ignore', '1'],
      ['eth0/arp_announce', '2'],
    ]) {
      inNs(rs.netns, 'sysctl', '-qw', `net.ipv4.conf.${k.replace('/', '.')}=${v}`);
    }
    ip('-n', rs.netns, 'addr', 'add', `${rs.address}/${VM_NET.prefix}`, 'dev', 'eth0');
    ip('-n', rs.netns, 'link', 'set', 'eth0', 'up');
    ip('-n', rs.netns, 'link', 'set', 'lo', 'up');
    ip('-n', rs.netns, 'addr', 'add', `${vip}/32`, 'dev', 'lo');
    startHttp(rs);
  }
}

/** (Re)starts a real server's HTTP server on port 80: it answers "real server NAME". */
export function startHttp(rs: RealServer): void {
  const server = `require('http').createServer((q, s) => s.end('real server ${rs.name}\\n')).listen(80)`;
  const child = spawn('ip', ['netns', 'exec', rs.netns, process.execPath, '-e', server], { detached: true, stdio: 'ignore' });
  child.unref();
  rs.pid = child.pid;
}

/** Stops a real server's HTTP server (the real server "fails"); its netns stays. */
export function stopHttp(rs: RealServer): void {
  if (rs.pid) {
    try {
      process.kill(rs.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rs.pid = undefined;
}

/** Removes the real servers: their HTTP servers, then their netns (the veth pair goes with it). */
export function removeRealServers(servers: RealServer[]): void {
  for (const rs of servers) {
    stopHttp(rs);
    spawnSync('ip', ['netns', 'pids', rs.netns], { encoding: 'utf8' })
      .stdout?.split('\n')
      .filter(Boolean)
      .forEach((p) => {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // gone
        }
      });
    spawnSync('ip', ['netns', 'del', rs.netns]);
  }
}

/**
 * A client of an LVS virtual service that keeps asking while the test blocks on a hactl
 * command (a failover): a detached Node process on this machine, one HTTP GET every 200 ms
 * (1 s timeout), one line per answer into `log`: `TIME NAME` (the real server that answered)
 * or `TIME -` (no answer). {@link stopProber} ends it and reads the log.
 */
export function startProber(vip: string, log: string): number {
  const script = `
    const http = require('http'), fs = require('fs');
    const one = () => { const t = Date.now() / 1000; let done = false;
      const end = (who) => { if (!done) { done = true; fs.appendFileSync(${JSON.stringify(log)}, t.toFixed(3) + ' ' + who + '\\n'); } };
      const q = http.get({ host: ${JSON.stringify(vip)}, port: 80, path: '/', timeout: 1000, agent: false }, (s) => {
        let b = ''; s.on('data', (d) => (b += d)); s.on('end', () => end((/real server (\\S+)/.exec(b) || [])[1] || '-'));
      });
      q.on('timeout', () => q.destroy()); q.on('error', () => end('-')); };
    setInterval(one, 200);`;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid ?? 0;
}

/** Stops a {@link startProber} client; returns its answers and the longest time without one (s). */
export function stopProber(pid: number, log: string): { answers: Array<{ at: number; who: string }>; longestGap: number } {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  const answers = (existsSync(log) ? readFileSync(log, 'utf8') : '')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [at, who] = l.split(' ');
      return { at: Number(at), who: who ?? '-' };
    });
  let longestGap = 0;
  let last: number | undefined;
  for (const a of answers) {
    if (a.who === '-') continue;
    if (last !== undefined) longestGap = Math.max(longestGap, a.at - last);
    last = a.at;
  }
  return { answers, longestGap };
}
