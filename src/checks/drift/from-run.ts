/**
 * Turns a check-mode bootstrap run into drift items. Every "would change" of a task is a
 * difference between the node and the inventory: `file X` is file drift (with its diff),
 * `apt` names missing packages, `service` a service in the wrong state, and the CIB /
 * cluster-property / DRBD commands are cluster drift. Hosts that failed are CheckErrors.
 */
import type { RunSummary } from '../../runtime/events.js';
import type { TaskResult } from '../../tasks/types.js';
import type { CheckError, DriftItem } from './items.js';

/**
 * @example
 *   itemsFromRun(await runPlaybook(bootstrap, { cluster, check: true, connector }))
 *   // { items: [{ kind: 'files', host: 'slave', subject: '/etc/corosync/corosync.conf', … }], errors: [] }
 */
export function itemsFromRun(summary: RunSummary): { items: DriftItem[]; errors: CheckError[] } {
  const items: DriftItem[] = [];
  const errors: CheckError[] = [];
  for (const h of summary.hosts) {
    if (h.failed) {
      errors.push({ host: h.host, message: h.error ?? 'failed', hint: hintFor(h.error ?? '') });
      continue;
    }
    for (const t of h.tasks) if (t.changed) items.push(...classifyTask(t));
  }
  return { items, errors };
}

/** One "would change" task result → drift items (several for an apt task: one per package). */
export function classifyTask(t: TaskResult): DriftItem[] {
  const pending = pendingItems(t);
  // nothing differs but a handler an interrupted run left pending
  if (pending.length && t.reason.startsWith(PENDING_REASON)) return pending;
  return [...pending, ...classifyChange(t)];
}

const PENDING_REASON = 'pending handler from an interrupted run';

/**
 * A handler a killed run left pending: the config on disk is new, the daemon may still
 * run the old values (the twins can even differ) until the handler runs.
 */
function pendingItems(t: TaskResult): DriftItem[] {
  const cause = /\(after (.*) at (\S+)\)/.exec(t.reason);
  return (t.pending ?? []).map((h) => ({
    kind: 'services' as const,
    host: t.host,
    subject: `pending handler: ${h}`,
    message:
      `never ran after ${cause ? `${cause[1]} changed at ${cause[2]}` : 'a change'} (an interrupted run): ` +
      'the daemon may still run the old values',
    hint: 're-run `hactl bootstrap` (or drift --fix): it runs the pending handler',
  }));
}

function classifyChange(t: TaskResult): DriftItem[] {
  const host = t.host;
  if (t.task.startsWith('file ')) return [fileItem(t)];
  if (t.task.startsWith('apt ')) {
    const pkgs = t.reason
      .replace(/^install\s+/, '')
      .split(/\s+/)
      .filter(Boolean);
    return pkgs.map((p) => ({ kind: 'packages', host, subject: p, message: 'not installed' }));
  }
  if (t.task.startsWith('service ')) {
    const name = t.task.split(' ')[1] ?? t.task;
    return [{ kind: 'services', host, subject: name, message: serviceMessage(name, t.reason) }];
  }
  return [commandItem(t)];
}

function fileItem(t: TaskResult): DriftItem {
  const path = t.task.slice('file '.length);
  const base = { kind: 'files' as const, host: t.host, subject: path };
  if (t.reason.startsWith('create ')) return { ...base, message: 'missing', diff: t.diff };
  if (t.reason.startsWith('remove ')) return { ...base, message: 'exists and should not' };
  if (t.reason.startsWith('update ')) {
    const secret = t.diff?.includes('(secret content');
    return {
      ...base,
      message: secret ? 'content differs from the inventory (secret: not shown)' : 'content differs from the inventory',
      diff: t.diff,
    };
  }
  // "PATH: mode 644 → 400, owner a:b → root:root"
  const parts: string[] = [];
  const mode = /mode (\d+) → (\d+)/.exec(t.reason);
  if (mode) parts.push(`mode is ${mode[1]}, should be ${mode[2]}`);
  const owner = /owner (\S+) → (\S+)/.exec(t.reason);
  if (owner) parts.push(`owner is ${owner[1]}, should be ${owner[2]}`);
  return { ...base, message: parts.length ? parts.join('; ') : t.reason };
}

/** "start corosync, enable corosync" → "not running; not enabled at boot". */
function serviceMessage(name: string, reason: string): string {
  const says: Record<string, string> = {
    start: 'not running',
    stop: 'running, should be stopped',
    enable: 'not enabled at boot',
    disable: 'enabled at boot, but the cluster starts it (init must not)',
    restart: 'would be restarted',
    reload: 'would be reloaded',
  };
  const parts = reason.split(', ').map((r) => says[r.split(' ')[0] ?? ''] ?? r);
  return parts.length ? parts.join('; ') : `${name}: ${reason}`;
}

/** Command tasks of the bootstrap playbook: the CIB, cluster properties, LVM, DRBD activation. */
function commandItem(t: TaskResult): DriftItem {
  const name = t.task;
  if (/\bCIB\b/.test(name)) {
    return {
      kind: 'cluster',
      host: t.host,
      subject: 'cib',
      message: `the CIB elements hactl owns differ from what it applies (${t.reason.replace(/^owned CIB elements: /, '')})`,
      diff: t.diff,
    };
  }
  if (name === 'cluster properties') {
    return {
      kind: 'cluster',
      host: t.host,
      subject: 'cluster properties',
      message: 'cluster properties (stonith-enabled, no-quorum-policy, stickiness …) differ from what hactl sets',
    };
  }
  // playbooks/lvm.ts: a volume group or logical volume of lvm: missing (or lacking a disk, inactive) on a twin
  if (name.startsWith('LVM ')) {
    const what = name.replace(/^LVM /, '').replace(/ \(.*\)$/, '');
    const missing = t.reason.startsWith('create ');
    return {
      kind: 'cluster',
      host: t.host,
      subject: `lvm: ${what}`,
      message: `${missing ? 'missing' : 'differs from the inventory'}: bootstrap would ${t.reason}`,
    };
  }
  if (/DRBD/.test(name))
    return { kind: 'cluster', host: t.host, subject: `drbd: ${name}`, message: `DRBD not set up: bootstrap would ${lowerFirst(name)}` };
  return { kind: 'cluster', host: t.host, subject: name, message: `bootstrap would run: ${name}` };
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A short hint for the usual reasons a node cannot be checked. */
export function hintFor(error: string): string | undefined {
  if (/authentication failed/i.test(error)) return "check the ssh identity in the inventory and the node's authorized_keys";
  if (/host key/i.test(error))
    return 'verify the host key; drift never accepts new keys (run `hactl bootstrap --accept-new-hostkeys` once)';
  if (/cannot connect|timed out|ECONNREFUSED|EHOSTUNREACH|connection lost/i.test(error))
    return 'the node is down or unreachable: check it, its sshd and the network path';
  return undefined;
}
