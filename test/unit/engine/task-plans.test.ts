import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planApt } from '../../../src/tasks/apt.js';
import { planCommand } from '../../../src/tasks/command.js';
import { planFile } from '../../../src/tasks/file.js';
import { planService } from '../../../src/tasks/service.js';
import type { TaskPlan } from '../../../src/tasks/types.js';

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
