import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputErrors } from '../../../src/core/errors.js';
import { parseInventory } from '../../../src/inventory/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/inventory/', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../../inventory/', import.meta.url));

/** The smallest Pacemaker inventory: cluster t on 10.1.0.0/24, VIP .100, master alpha (.11), slave beta (.12); append nodes or sections. */
export const TWO_TWINS = `
cluster:
  name: t
  stack: pacemaker
  network: 10.1.0.0/24
  floating_ips: [10.1.0.100]
nodes:
  - { name: alpha, address: 10.1.0.11, role: master }
  - { name: beta, address: 10.1.0.12, role: slave }
`;

export interface Problem {
  location?: string;
  field?: string;
  message: string;
  hint?: string;
}

/** Parses inventory text named `name` and returns its problems ([] when it parses). */
export function problemsIn(text: string, name: string): Problem[] {
  try {
    parseInventory(text, name);
    return [];
  } catch (err) {
    if (!(err instanceof InputErrors)) throw err;
    return err.errors.map((e) => ({ field: e.details.field, message: e.message, hint: e.details.hint, location: e.details.location }));
  }
}

/** Parses a fixture (named by its file name in messages) and returns its problems. */
export function problemsOf(name: string): Problem[] {
  const text = readFileSync(FIXTURES + name, 'utf8');
  try {
    parseInventory(text, name);
  } catch (err) {
    if (!(err instanceof InputErrors)) throw err;
    return err.errors.map((e) => ({ location: e.details.location, field: e.details.field, message: e.message, hint: e.details.hint }));
  }
  throw new Error(`${name} parsed without errors`);
}
