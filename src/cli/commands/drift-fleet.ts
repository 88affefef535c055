/**
 * Fleet drift's arguments (issue #23): `-i` several times and/or a directory of
 * inventories. The checks and the merged reports are src/checks/drift/fleet.ts's; a
 * single inventory stays the single-cluster command.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';

/**
 * commander's collector for a repeatable `-i` (the env value arrives the same way); an
 * empty value adds nothing, so an empty $HACTL_INVENTORY is still "no inventory".
 */
export function collectInventory(value: string, previous: unknown): string[] | undefined {
  const before = Array.isArray(previous) ? (previous as string[]) : undefined;
  if (value === '') return before;
  return [...(before ?? []), value];
}

/**
 * Each `-i` as given, a directory replaced by its `*.yaml`/`*.yml` files (sorted by name).
 * @example expandInventories(['/etc/hactl/fleet']) // ['/etc/hactl/fleet/db.yaml', '/etc/hactl/fleet/web.yaml']
 */
export function expandInventories(given: readonly string[]): string[] {
  const out: string[] = [];
  for (const g of given) {
    let dir = false;
    try {
      dir = statSync(g).isDirectory();
    } catch {
      // a missing file is loadInventory's error, with its location
    }
    if (!dir) {
      out.push(g);
      continue;
    }
    const files = readdirSync(g)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(g, f))
      .filter((f) => statSync(f).isFile());
    if (!files.length) throw new InputError(`no inventories in ${g}`, { hint: 'a directory given to -i must hold *.yaml or *.yml files' });
    out.push(...files);
  }
  return [...new Set(out)];
}
