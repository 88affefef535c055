/** Every scenario, in the order a full run uses. Adding one: a module here and a line below. */
import { InputError } from '../../../core/errors.js';
import type { Scenario } from '../scenario.js';
import { arbitratorLoss } from './arbitrator-loss.js';
import { cutLink } from './cut-link.js';
import { drbdDisconnect } from './drbd-disconnect.js';
import { freeze } from './freeze.js';
import { killService } from './kill-service.js';
import { killStack } from './kill-stack.js';
import { poweroff } from './poweroff.js';
import { splitTwins } from './split-twins.js';
import { switchover } from './switchover.js';

export const SCENARIOS: readonly Scenario[] = [
  switchover,
  killService,
  killStack,
  cutLink,
  poweroff,
  freeze,
  splitTwins,
  arbitratorLoss,
  drbdDisconnect,
];

/**
 * The scenarios named (all of them when none is named), in the registry's order.
 * @throws InputError for an unknown name, listing the known ones
 * @example pickScenarios(['cut-link', 'switchover']).map((s) => s.name) // ['switchover', 'cut-link']
 */
export function pickScenarios(names: readonly string[] = []): Scenario[] {
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    throw new InputError(`unknown scenario "${unknown[0]}"`, { hint: `scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}` });
  }
  return names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : [...SCENARIOS];
}
