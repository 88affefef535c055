import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXml } from '../../../src/core/xml.js';
import { fenceAnswer, parseFenceRequest } from '../../../src/lab/fence/protocol.js';

// The lab fence agent (lab-assets/fence_lab, bash) against a fake fence device on
// 127.0.0.1 that speaks the lab's protocol: Pacemaker's stdin protocol, the command line,
// and cluster-glue's external plugin calls (Heartbeat).
const AGENT = resolve('lab-assets/fence_lab');
const KEY = 'test-key-123';
const power = new Map([
  ['master', true],
  ['slave', false],
]);
const seen: string[] = [];
let server: Server;
let port = 0;
let dir = '';

beforeAll(async () => {
  server = createServer((s) => {
    s.setEncoding('utf8');
    s.on('error', () => undefined); // an agent that gave up (timeout) may be gone before the answer: EPIPE is not a test failure
    s.once('data', (line: string) => {
      const r = parseFenceRequest(line);
      if (typeof r === 'string') return void s.end(fenceAnswer(false, r));
      if (r.key !== KEY) return void s.end(fenceAnswer(false, 'wrong key'));
      seen.push(`${r.action} ${r.node ?? ''}`.trim());
      if (r.action === 'list') return void s.end(fenceAnswer(true, [...power.keys()].join(' ')));
      if (r.action === 'monitor') return void s.end(fenceAnswer(true, 'device ok'));
      if (!power.has(r.node!)) return void s.end(fenceAnswer(false, `no lab node "${r.node}"`));
      if (r.action === 'off' || r.action === 'reboot') power.set(r.node!, false);
      if (r.action === 'on') power.set(r.node!, true);
      s.end(fenceAnswer(true, power.get(r.node!) ? 'on' : 'off'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'fence-lab-'));
  writeFileSync(join(dir, 'key'), KEY + '\n');
});
afterAll(() => server.close());

/** Runs the agent (async: the fake device answers from this same process). */
function agent(args: string[], stdin = '', env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn('bash', [AGENT, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => done({ code: code ?? 1, out, err }));
    // on the command line the agent reads no stdin and may exit before it is written (EPIPE)
    p.stdin.on('error', () => undefined);
    p.stdin.end(stdin);
  });
}
const params = () => `ipaddr=127.0.0.1\nipport=${port}\nkey_file=${join(dir, 'key')}\n`;

describe('fence_lab, the lab fence agent', () => {
  it('prints fence-agents metadata as XML', async () => {
    const r = await agent([], 'action=metadata\n');
    expect(r.code).toBe(0);
    const xml = parseXml(r.out.replace(/^<\?xml[^>]*>\s*/, ''));
    expect(xml.name).toBe('resource-agent');
    expect(xml.attrs.name).toBe('fence_lab');
    expect(r.out).toMatch(/<parameter name="plug"/);
    expect(r.out).toMatch(/<action name="reboot" \/>/);
  });

  it('speaks the stdin protocol: off, status (exit 2 = off), on, monitor, list', async () => {
    expect((await agent([], `action=off\nplug=master\n${params()}`)).code).toBe(0);
    const st = await agent([], `action=status\nport=master\n${params()}`);
    expect([st.code, st.out.trim()]).toEqual([2, 'Status: OFF']);
    expect((await agent([], `action=on\nnodename=master\n${params()}`)).code).toBe(0);
    expect((await agent([], `action=status\nplug=master\n${params()}`)).code).toBe(0);
    expect((await agent([], `action=monitor\n${params()}`)).code).toBe(0);
    expect((await agent([], `action=list\n${params()}`)).out).toBe('master,master\nslave,slave\n');
  });

  it('fails clearly: unknown node, wrong key, no device', async () => {
    const unknown = await agent([], `action=off\nplug=nosuch\n${params()}`);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no lab node "nosuch"/);
    writeFileSync(join(dir, 'bad'), 'nope\n');
    const bad = await agent([], `action=off\nplug=slave\nipaddr=127.0.0.1\nipport=${port}\nkey_file=${join(dir, 'bad')}\n`);
    expect(bad.err).toMatch(/wrong key/);
    const none = await agent(['-o', 'monitor', '-a', '127.0.0.1', '-u', '1', '-k', join(dir, 'key')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no answer from 127.0.0.1:1/);
  });

  it('works from the command line and as a cluster-glue external plugin', async () => {
    const cli = await agent(['-o', 'reboot', '-n', 'slave', '-a', '127.0.0.1', '-u', String(port), '-k', join(dir, 'key')]);
    expect([cli.code, cli.out.trim()]).toEqual([0, 'Success: reboot slave']);
    const env = { ipaddr: '127.0.0.1', ipport: String(port) };
    expect((await agent(['getconfignames'])).out.trim()).toBe('ipaddr ipport');
    // key_file is not a plugin parameter (Heartbeat passes ipaddr ipport): the environment still wins over the default
    const hosts = await agent(['gethosts'], '', { ...env, key_file: join(dir, 'key') });
    expect(hosts.out.split('\n').filter(Boolean)).toEqual(['master', 'slave']);
    expect((await agent(['reset', 'master'], '', { ...env, key_file: join(dir, 'key') })).code).toBe(0);
    expect(seen).toContain('reboot master');
  });
});

describe('fence protocol', () => {
  it('parses requests and refuses bad ones', () => {
    expect(parseFenceRequest('k off master\n')).toEqual({ key: 'k', action: 'off', node: 'master' });
    expect(parseFenceRequest('k list')).toEqual({ key: 'k', action: 'list', node: undefined });
    expect(parseFenceRequest('k off')).toBe('off needs a node name');
    expect(parseFenceRequest('k halt master')).toMatch(/unknown action "halt"/);
    expect(parseFenceRequest('k off ../x')).toBe('bad node name "../x"');
    expect(fenceAnswer(false, 'no\nway')).toBe('ERR no way\n');
  });
});
