import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPrecompiled, precompiledSource, renderFile, TEMPLATES_DIR } from '../../src/render/render.js';
import { corosyncView } from '../../src/stack/corosync.js';
import { cibView } from '../../src/stack/pacemaker.js';

// The build precompiles templates/ (scripts/gen-templates.mjs): a no-op bootstrap spent
// ~100 ms compiling the CIB template. The precompiled ones must render the same bytes as
// the compiled ones (the golden files), and an edited template is compiled, never served
// from a stale entry.
describe('precompiled templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-precompiled-'));
  const file = join(dir, 'precompiled.cjs');
  writeFileSync(file, precompiledSource(TEMPLATES_DIR));
  afterAll(() => {
    loadPrecompiled(join(dir, 'none.cjs'));
    rmSync(dir, { recursive: true, force: true });
  });
  const golden = (name: string) => readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), 'utf8');

  it('every template has an entry, and they render the golden files', async () => {
    const table = loadPrecompiled(file);
    expect(Object.keys(table).length).toBeGreaterThanOrEqual(13);
    const lab = await loadInventory('inventory/lab.yaml');
    const pcmk = await loadInventory('inventory/example-pacemaker-drbd-kvm.yaml');
    expect(renderFile('corosync/corosync.conf.hbs', corosyncView(lab))).toBe(golden('corosync-lab.conf'));
    expect(renderFile('corosync/corosync.conf.hbs', corosyncView(pcmk))).toBe(golden('corosync.conf'));
    const v = cibView(pcmk, { drbd: true, serviceClass: 'systemd' });
    expect(renderFile('pacemaker/resources.xml.hbs', v)).toBe(golden('resources.xml'));
    expect(renderFile('pacemaker/constraints.xml.hbs', v)).toBe(golden('constraints.xml'));
  });

  it('a template whose source differs from the precompiled one is compiled from its source', () => {
    loadPrecompiled(file);
    const tpl = join(dir, 'edited.xml.hbs');
    writeFileSync(tpl, '<edited a="{{a}}"/>\n');
    expect(renderFile(tpl, { a: 'x<y' })).toBe('<edited a="x&lt;y"/>\n');
  });
});
