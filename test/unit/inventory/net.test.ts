import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../src/inventory/index.js';
import { formatIpv4, inNetwork, isReservedInNetwork, parseCidr, parseIpv4 } from '../../../src/inventory/net.js';
import { levenshtein, suggest } from '../../../src/inventory/suggest.js';

describe('IPv4 helpers', () => {
  it('parses and formats addresses', () => {
    expect(parseIpv4('10.77.0.11')).toBe(0x0a4d000b);
    expect(formatIpv4(0x0a4d000b)).toBe('10.77.0.11');
    for (const bad of ['10.77.0.256', '10.77.0', '010.1.1.1', 'a.b.c.d', '']) expect(parseIpv4(bad)).toBeUndefined();
  });

  it('checks membership in a network', () => {
    const net = parseCidr('10.77.0.0/24')!;
    expect(net).toMatchObject({ prefix: 24, size: 256 });
    expect(inNetwork('10.77.0.200', net)).toBe(true);
    expect(inNetwork('10.77.1.1', net)).toBe(false);
    expect(isReservedInNetwork('10.77.0.0', net)).toBe(true);
    expect(isReservedInNetwork('10.77.0.255', net)).toBe(true);
    expect(isReservedInNetwork('10.77.0.1', net)).toBe(false);
    expect(parseCidr('10.77.0.0/33')).toBeUndefined();
    expect(parseCidr('10.77.0.9/30')!.base).toBe(parseIpv4('10.77.0.8'));
  });
});

describe('suggestions and paths', () => {
  it('computes edit distance', () => {
    expect(levenshtein('adress', 'address')).toBe(1);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
  });

  it('suggests only plausible typos', () => {
    expect(suggest('adress', ['name', 'address', 'role'])).toBe('address');
    expect(suggest('Stack', ['stack'])).toBe('stack');
    expect(suggest('tcp', ['http', 'connect'])).toBeUndefined();
    expect(suggest('completely', ['name', 'address'])).toBeUndefined();
  });

  it('formats field paths', () => {
    expect(formatPath(['nodes', 1, 'address'])).toBe('nodes[1].address');
    expect(formatPath(['vars', 'a.b'])).toBe('vars["a.b"]');
    expect(formatPath([])).toBe('(top level)');
  });
});
