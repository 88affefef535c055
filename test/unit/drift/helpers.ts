/** Shared fixtures for the drift unit tests: example inventories and captured node output. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type HostSections, splitSections } from '../../../src/checks/drift/live.js';
import { parseInventory } from '../../../src/inventory/index.js';
import type { ClusterModel } from '../../../src/inventory/model.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../inventory/', import.meta.url));

/** A captured output file (see fixtures/README.md for how each was made). */
export const fixture = (name: string): string => readFileSync(FIXTURES + name, 'utf8');

/** One of the example inventories in inventory/, as a model. */
export function example(
  name: 'lab' | 'lab-heartbeat' | 'example-pacemaker-drbd-kvm' | 'example-heartbeat-xen',
  edit?: (yaml: string) => string,
): ClusterModel {
  const file = `${EXAMPLES}${name}.yaml`;
  const text = readFileSync(file, 'utf8');
  return parseInventory(edit ? edit(text) : text, file);
}

/** Live sections per host from captured fixture files: { master: 'file.txt', … }. */
export function liveFrom(files: Record<string, string>): Map<string, HostSections> {
  return new Map(Object.entries(files).map(([host, f]) => [host, splitSections(fixture(f))]));
}
