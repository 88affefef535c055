import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { whichLab } from '../../../src/lab/dispatch.js';

describe('whichLab: the lab a `hactl lab …` command means', () => {
  const root = mkdtempSync(join(tmpdir(), 'hactl-which-'));
  const ns = join(root, 'lab');
  const vm = join(root, 'vmlab');
  const env = { lab: process.env.HACTL_LAB_DIR, vm: process.env.HACTL_VMLAB_DIR };
  process.env.HACTL_LAB_DIR = ns;
  process.env.HACTL_VMLAB_DIR = vm;
  afterAll(() => {
    if (env.lab === undefined) delete process.env.HACTL_LAB_DIR;
    else process.env.HACTL_LAB_DIR = env.lab;
    if (env.vm === undefined) delete process.env.HACTL_VMLAB_DIR;
    else process.env.HACTL_VMLAB_DIR = env.vm;
    rmSync(root, { recursive: true, force: true });
  });
  const up = (dir: string, kind?: 'vm') => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, ...(kind ? { kind } : {}), stateDir: dir, nodes: [] }));
  };
  beforeEach(() => {
    rmSync(ns, { recursive: true, force: true });
    rmSync(vm, { recursive: true, force: true });
  });

  it('with only a VM lab up, plain commands find it (lab up --vm, then lab poweroff master)', () => {
    up(vm, 'vm');
    expect(whichLab({})).toEqual({ stateDir: vm, vm: true });
  });
  it('a namespace lab in its default dir wins; --force, --index and --state-dir never switch', () => {
    up(vm, 'vm');
    expect(whichLab({ force: true })).toEqual({ stateDir: ns, vm: false });
    expect(whichLab({ index: 1 })).toEqual({ stateDir: ns, vm: false });
    expect(whichLab({ stateDir: join(root, 'other') })).toEqual({ stateDir: join(root, 'other'), vm: false });
    up(ns);
    expect(whichLab({})).toEqual({ stateDir: ns, vm: false });
  });
  it('no lab at all: the namespace lab default', () => {
    expect(whichLab({})).toEqual({ stateDir: ns, vm: false });
    expect(whichLab({ vm: true })).toEqual({ stateDir: vm, vm: true });
  });
});
