import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileFact } from '../../../src/facts/file.js';
import type { ServiceFact } from '../../../src/facts/service.js';
import { planApt } from '../../../src/tasks/apt.js';
import { planCommand } from '../../../src/tasks/command.js';
import { planFile } from '../../../src/tasks/file.js';
import { planService } from '../../../src/tasks/service.js';
import type { TaskDef, TaskFacts, TaskPlan } from '../../../src/tasks/types.js';

// Tests are data (after pyinfra): facts in → commands or a no-op reason out.
interface Expect {
  changed: boolean;
  reason?: string;
  commands?: string[];
  commandMatches?: string[];
  commandExcludes?: string[];
  diffContains?: string[];
  diffExcludes?: string[];
}
type Case = Record<string, unknown> & { name: string; expect: Expect; options?: Record<string, unknown> };
const cases = JSON.parse(readFileSync(new URL('../../fixtures/tasks/cases.json', import.meta.url), 'utf8')) as Record<string, Case[]>;

function check(plan: TaskPlan, e: Expect): void {
  const commands = plan.steps.map((s) => s.command);
  expect(plan.changed).toBe(e.changed);
  if (e.reason !== undefined) expect(plan.reason).toBe(e.reason);
  if (e.commands) expect(commands).toEqual(e.commands);
  for (const re of e.commandMatches ?? []) expect(commands.join('\n')).toMatch(new RegExp(re, 'm'));
  for (const s of e.commandExcludes ?? []) expect(commands.join('\n')).not.toContain(s);
  for (const s of e.diffContains ?? []) expect(plan.diff).toContain(s);
  for (const s of e.diffExcludes ?? []) expect(plan.diff ?? '').not.toContain(s);
}

describe('apt', () => {
  it.each(cases.apt!)('$name', (c) =>
    check(planApt(new Map(Object.entries(c.installed as object)), c.wanted as string[], c.options), c.expect),
  );
});
describe('service', () => {
  it.each(cases.service!)('$name', (c) => check(planService(c.fact as never, c.options as never), c.expect));
});
describe('command', () => {
  it.each(cases.command!)('$name', (c) => check(planCommand(c.command as string, c.options ?? {}, c.guards as never), c.expect));
});
describe('file', () => {
  it.each(cases.file!)('$name', (c) => check(planFile(c.fact as never, (c.fact as { path: string }).path, c.options as never), c.expect));
});

// Any other task: cases.json's key names the module (src/tasks/<key>.ts) whose exported
// TaskDef plans them, from facts given as data. A new task needs its module and its cases,
// no edit here. Case: { name, options, facts: { files: {path: FileFact}, packages: {name:
// version}, services: {name: ServiceFact}, probes: {command: boolean} }, expect }.
const LEGACY = new Set(['apt', 'service', 'command', 'file']);
const isDef = (x: unknown): x is TaskDef<Record<string, unknown>> =>
  typeof x === 'object' && x !== null && ['name', 'facts', 'plan'].every((k) => typeof (x as Record<string, unknown>)[k] === 'function');
interface FactData {
  files?: Record<string, FileFact>;
  packages?: Record<string, string>;
  services?: Record<string, ServiceFact>;
  probes?: Record<string, boolean>;
}
/** Facts from a case's data; a fact the task asks for and the case lacks fails the case. */
function factsOf(d: FactData = {}): TaskFacts {
  const need = <T>(m: Record<string, T> | undefined, k: string, what: string): T => {
    if (!m || !(k in m)) throw new Error(`the case gives no ${what} fact for ${k}`);
    return m[k]!;
  };
  return {
    file: (p) => need(d.files, p, 'file'),
    packages: new Map(Object.entries(d.packages ?? {})),
    service: (n) => need(d.services, n, 'service'),
    probe: (c) => need(d.probes, c, 'probe'),
  };
}
for (const key of Object.keys(cases).filter((k) => !LEGACY.has(k))) {
  describe(key, async () => {
    const def = Object.values(await import(/* @vite-ignore */ new URL(`../../../src/tasks/${key}.ts`, import.meta.url).href)).find(isDef);
    if (!def) throw new Error(`src/tasks/${key}.ts exports no TaskDef`);
    it.each(cases[key]!)('$name', (c) => check(def.plan(factsOf(c.facts as FactData), c.options ?? {}), c.expect));
  });
}
