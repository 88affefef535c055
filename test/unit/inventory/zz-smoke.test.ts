import { test } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadInventory } from '/work/main/src/inventory/index.js';
import { formatError, HactlError } from '/work/main/src/core/errors.js';
test('smoke', async () => {
  for (const f of readdirSync('/work/main/inventory').filter((f) => f.endsWith('.yaml'))) {
    try { const m = await loadInventory('/work/main/inventory/' + f); console.log(f, JSON.stringify(m).length); }
    catch (e) { console.log(f, e instanceof HactlError ? formatError(e) : e); }
  }
});
