/**
 * The light-node playbook of the drift benchmark: the same file/package/service set as
 * bench/ansible/light.yml (both read bench/light-set.json). The bench runs it once to
 * converge the fleet (`hactl run`), then in check mode (`hactl drift -i INV --playbook bench/light.ts`),
 * the engine `hactl drift` runs on, against `ansible-playbook --check --diff light.yml`.
 */
import { readFileSync } from 'node:fs';
import { definePlaybook } from 'hactl';

interface LightSet {
  packages: string[];
  files: Array<{ path: string; mode: string; content: string }>;
  services: string[];
}

const set = JSON.parse(readFileSync(new URL('./light-set.json', import.meta.url), 'utf8')) as LightSet;

export default definePlaybook('light', async ({ hosts }) => {
  await hosts.all(async (h) => {
    // one round trip for the facts of every file and package below
    await h.gather({ files: set.files.map((f) => f.path), packages: set.packages });
    await h.apt(set.packages, { update: 'never' });
    for (const f of set.files) await h.file(f.path, { content: f.content, mode: f.mode, owner: 'root', group: 'root' });
    for (const s of set.services) await h.service(s, { state: 'started' });
  });
});
