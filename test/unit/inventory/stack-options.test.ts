import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { inventorySchema } from '../../../src/inventory/schema.js';
import { DEFAULT_TIMING, renderedOptions, resolveTiming, TIMING_OPTIONS } from '../../../src/inventory/stack-options.js';
import { renderFile } from '../../../src/render/render.js';
import { corosyncView } from '../../../src/stack/corosync.js';
import { haCfView } from '../../../src/stack/heartbeat.js';

// Issue #22: a typed stack option is one entry in stack-options.ts; the schema, the model,
// the defaults and the daemon views follow from it. These tests hold every entry to that.
const options = Object.entries(TIMING_OPTIONS);
const schemaTiming = (inventorySchema as { properties: { cluster: { properties: { timing: { properties: Record<string, object> } } } } })
  .properties.cluster.properties.timing.properties;

describe('declared stack options (cluster.timing)', () => {
  it('the schema has exactly the declared fields, with their ranges and defaults', () => {
    expect(Object.keys(schemaTiming)).toEqual(options.map(([, o]) => o.field));
    for (const [, o] of options) {
      expect(schemaTiming[o.field]).toMatchObject({ type: 'integer', minimum: o.min, maximum: o.max, title: o.title });
    }
  });

  it('resolves defaults in order (a rule reads the options before it), the inventory winning', () => {
    expect(resolveTiming({ token: 1000 })).toMatchObject({ token: 1000, consensus: 1200, deadtime: 10 });
    expect(resolveTiming({ monitor_interval: 2, consensus: 5000 })).toMatchObject({ token: 3000, consensus: 5000, monitorInterval: 2 });
    expect(DEFAULT_TIMING).toMatchObject({ token: 3000, consensus: 3600, monitorInterval: 5 });
  });

  it('every option that renders reaches its file (corosync.conf totem, ha.cf), also one without a default', async () => {
    // every option set (to its minimum): an optional one is rendered only when given
    const all = resolveTiming(Object.fromEntries(options.map(([, o]) => [o.field, o.min])));
    const pcmk = { ...(await loadInventory('inventory/example-pacemaker-drbd-kvm.yaml')), timing: all };
    const hb = { ...(await loadInventory('inventory/example-heartbeat-xen.yaml')), timing: all };
    const conf = renderFile('corosync/corosync.conf.hbs', corosyncView(pcmk));
    const cf = renderFile('heartbeat/ha.cf.hbs', haCfView(hb, hb.master.name, '/usr/lib/heartbeat/ipfail'));
    const totem = renderedOptions(all, 'corosync.totem');
    const haCf = renderedOptions(all, 'ha.cf');
    for (const [key, value] of Object.entries(totem)) expect(conf).toContain(`    ${key}: ${value}\n`);
    for (const [key, value] of Object.entries(haCf)) expect(cf).toContain(`\n${key} ${value}\n`);
    const rendered = options.filter(([, o]) => 'renders' in o);
    expect(Object.keys(totem).length + Object.keys(haCf).length).toBe(rendered.length);
  });
});
