/**
 * What `lab down` of both kinds does with the ids a Journal recorded: kill the
 * processes, delete the links and namespaces, and list what is still there. Each kind
 * adds its own (the namespace lab: its nodes' mounts and dirs; the VM lab: the VMs' disks).
 */
import { deleteNetns, linkUp, netnsExists, netnsPids } from './network.js';
import { attempt, isAlive, killAndWait, procRef } from './proc.js';
import type { Recorded } from './state.js';

/** Lost state (`down --force`): these netns and the host link are the lab's even when the state does not list them. */
export function adoptStrays(s: Recorded, netns: readonly string[], hostLink: string): void {
  for (const ns of netns) if (!s.netns.includes(ns)) s.netns.push(ns);
  if (!s.links.some((l) => l.netns === null && l.name === hostLink)) s.links.push({ netns: null, name: hostLink });
}

/** Kills every recorded process and any stray in the lab's netns, then deletes the links (newest first) and the netns. */
export async function killAndUnlink(s: Recorded): Promise<void> {
  for (const p of s.processes) await killAndWait(p);
  // strays: anything still inside a lab netns (e.g. started just before a crash, unrecorded)
  for (const ns of s.netns) for (const pid of await netnsPids(ns)) await killAndWait(procRef(pid));
  for (const l of [...s.links].reverse()) {
    if (l.netns === null || netnsExists(l.netns)) await attempt('ip', [...(l.netns ? ['-n', l.netns] : []), 'link', 'del', l.name]);
  }
  for (const ns of [...s.netns].reverse()) await deleteNetns(ns);
}

/** The recorded processes, netns and links still there after teardown (the caller reports them). */
export async function leftovers(s: Recorded): Promise<string[]> {
  const left: string[] = [];
  for (const p of s.processes) if (isAlive(p)) left.push(`process ${p.pid} (${p.what})`);
  for (const ns of s.netns) if (netnsExists(ns)) left.push(`netns ${ns}`);
  for (const l of s.links) if ((await linkUp(l.netns, l.name)) !== undefined) left.push(`link ${l.name}`);
  return left;
}
