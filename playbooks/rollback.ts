/**
 * hactl rollback — back to the state before a run, from the generations the runs kept on
 * each node (src/runtime/generation.ts, docs/history.md). Nothing is restored by hand:
 *
 * 1. each file goes back through the file task, with the generation's copy as content:
 *    validated by the daemon's parser like any change, swapped atomically, its mode and
 *    owner as they were, the same handlers notified (reload corosync, adjust drbd, …);
 *    a file the run created is removed;
 * 2. the owned CIB elements of the generation go back through the same owned-only plan,
 *    shadow CIB and one patch as bootstrap's (Pacemaker only; heartbeat has files only);
 * 3. the CLI ends with the smoke checks.
 *
 * The rollback is a run like any other: it keeps a generation of its own, so it can be undone.
 *
 * Options (the CLI fills them): `to` — the run id to go back before; `generations` — per
 * host, the generations `history` read.
 */

import { EXPLICIT_MIN_MASK, registerSecret } from '../src/core/secret.js';
import type { XmlElement } from '../src/core/xml.js';
import { definePlaybook, type Handler, type HostContext, NodeError } from '../src/index.js';
import { isSecretParam } from '../src/inventory/secret-value.js';
import {
  cibBeforePath,
  type Generation,
  parseRestoreRead,
  planRestore,
  type RestoreFile,
  restoreReadCommand,
} from '../src/runtime/generation.js';
import { cibApplyScript, planCib, readConfiguration } from '../src/stack/cib.js';
import { ownedSections } from '../src/stack/cib-history.js';
import { driverOf } from '../src/stack/driver.js';
import { CIB_DIR, clusterProperties, LIVE_CONFIGURATION, ownedProperties } from '../src/stack/pacemaker.js';
import { isPrivateMode } from '../src/tasks/file.js';
import bootstrap, { type BootstrapHandler } from './bootstrap.js';

// the bootstrap's handlers: the ones its files' generations name
const handlers = bootstrap.handlers as Record<BootstrapHandler, Handler>;
const known = (n: string): n is BootstrapHandler => Object.hasOwn(handlers, n);

export default definePlaybook(
  'rollback',
  async ({ cluster, hosts, options, warn }) => {
    const to = String(options.to ?? '');
    const generations = (options.generations ?? {}) as Record<string, Generation[]>;
    if (!to) throw new NodeError('rollback needs the run to go back before (options.to)');
    const cibs = new Map<string, { xml: string; run: string }>();

    await hosts.all(async (h) => {
      const plan = planRestore(generations[h.name] ?? [], to);
      if (!plan.files.length && !plan.cib) return h.info(`nothing to roll back here: no generation from ${to} on`);
      // the generations' copies (and the CIB before), one round trip; the file facts, one more
      const read = parseRestoreRead(await h.sh(restoreReadCommand(plan), { what: `reading the generations ${plan.runs.join(', ')}` }));
      await h.gather({ files: plan.files.map((f) => f.path) });
      for (const f of plan.files) await restoreFile(h, f, read.get(f.path), warn);
      const cib = read.get('@cib');
      if (plan.cib && cib !== undefined) cibs.set(h.name, { xml: cib, run: plan.cib });
    }, 'files');

    if (!driverOf(cluster).cib || !cibs.size) return;
    // the node that kept the CIB before (the master when that run applied it)
    const holder = hosts.where((h) => cibs.has(h.name));
    await holder.once(async (h) => {
      const { xml, run } = cibs.get(h.name)!;
      // an older fence password in the kept CIB is unknown to mask(): known from here on, never shown
      registerCibCredentials(xml);
      const desired = ownedSections(xml);
      if (!desired)
        return h.warn(`the CIB kept by ${run} has no hactl-owned tag: its owned elements are unknown, the CIB is left as it is`);
      const live = await h.sh(LIVE_CONFIGURATION, { what: 'reading the live CIB' });
      const plan = planCib(live, desired, ownedProperties(clusterProperties(cluster)));
      const changed = plan.ops.length > 0 || plan.tag;
      await h.change(
        `restore the owned CIB elements kept by ${run} (verified on a shadow copy first)`,
        {
          changed,
          reason: changed
            ? plan.summary.replace('the inventory', `generation ${run}`)
            : `the CIB elements hactl owns are as ${run} found them`,
          diff: changed ? plan.diff.replace('desired (inventory)', `generation ${run}`) : undefined,
          steps: changed
            ? [
                {
                  command: 'sh -s',
                  stdin: cibApplyScript(plan.ops, plan.tag ? plan.owned : undefined, CIB_DIR, h.generation && cibBeforePath(h.generation)),
                  label: 'owned-element CIB patch',
                },
              ]
            : [],
        },
        { notify: 'wait for the cluster to settle' },
      );
    }, 'pacemaker resources');
  },
  { description: 'puts back the files and owned CIB elements a generation kept (hactl rollback)', handlers },
);

/** One file back as the generation kept it, through the file task (validated, atomic, handlers). */
async function restoreFile(
  h: HostContext<BootstrapHandler>,
  f: RestoreFile,
  content: string | undefined,
  warn: (m: string) => void,
): Promise<void> {
  // handlers of a user playbook are not known here: say so rather than fail the host
  const notify = f.notify.filter((n): n is BootstrapHandler => {
    if (known(n)) return true;
    warn(`${h.name}: ${f.path} was written by a playbook whose handler "${n}" rollback does not know: run it yourself`);
    return false;
  });
  if (f.absent) return void (await h.file(f.path, { state: 'absent', notify }));
  if (content === undefined)
    throw new NodeError(`the copy of ${f.path} kept by ${f.run} is missing`, {
      host: h.name,
      hint: 'hactl history -i INV shows what each generation kept',
    });
  // a private file's old content may hold a credential the inventory no longer has (so mask() cannot): no diff
  await h.file(f.path, {
    content,
    mode: f.mode,
    owner: f.owner,
    group: f.group,
    validate: f.validate,
    secret: f.secret || isPrivateMode(f.mode),
    notify,
  });
}

/** Registers the credential-like parameters of the kept CIB's fence devices with mask(). */
function registerCibCredentials(xml: string): void {
  for (const e of readConfiguration(xml).elements) {
    const walk = (el: XmlElement): void => {
      if (el.name === 'nvpair' && isSecretParam(el.attrs.name ?? '') && el.attrs.value) registerSecret(el.attrs.value, EXPLICIT_MIN_MASK);
      el.children.forEach(walk);
    };
    walk(e.el);
  }
}
