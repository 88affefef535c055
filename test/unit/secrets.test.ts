import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderFile } from '../../src/render/render.js';
import { authkeysView } from '../../src/stack/heartbeat.js';
import { loadOrCreateSecret } from '../../src/stack/secrets.js';

describe('cluster secrets', () => {
  it('are generated once (0600 in a 0700 dir), then reused, and print as ***', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hactl-sec-')), 'secrets');
    const a = loadOrCreateSecret(dir, 'heartbeat-authkey', 32);
    const b = loadOrCreateSecret(dir, 'heartbeat-authkey', 32);
    expect(a.reveal()).toMatch(/^[0-9a-f]{64}$/);
    expect(b.reveal()).toBe(a.reveal());
    expect(String(a)).toBe('***');
    expect(statSync(join(dir, 'heartbeat-authkey')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dir, 'heartbeat-authkey'), 'utf8').trim()).toBe(a.reveal());
  });
  it('an empty authkeys secret is refused with a clear error, not pushed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hactl-sec-'));
    writeFileSync(join(dir, 'heartbeat-authkey'), '\n');
    expect(() => loadOrCreateSecret(dir, 'heartbeat-authkey', 32)).toThrow(/heartbeat-authkey is empty or too short/);
  });
  it('authkeys cannot be rendered without its secret', () => {
    expect(() => renderFile('heartbeat/authkeys.hbs', authkeysView(undefined as never))).toThrow(/helper `secret` was given an undefined value/);
  });
});
