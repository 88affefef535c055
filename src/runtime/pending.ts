/**
 * Pending handlers that survive the process. When a task changes something that notifies
 * a handler (a new ha.cf → restart heartbeat), the same round trip records the handler
 * on the node, before the file is swapped in; the handler's run clears it. A run killed
 * in between leaves the record, and the next run (or `plan`, or `drift`) finds it in its
 * first facts round trip and runs (or reports) the handler although nothing else changed.
 */
import { quote } from '../core/shell.js';

/**
 * hactl's state on a node (also the CIB sections, DRBD markers and the run lock).
 * HACTL_NODE_STATE_DIR moves the pending records and the run lock elsewhere, for tests
 * whose "nodes" are this machine (the integration tests' sshd on 127.0.0.1).
 */
export const STATE_DIR = '/var/lib/hactl';
export const nodeStateDir = (): string => process.env.HACTL_NODE_STATE_DIR ?? STATE_DIR;
export const pendingDir = (): string => `${nodeStateDir()}/pending`;

/** A handler recorded as pending on a node, and what made it pending. */
export interface PendingHandler {
  handler: string;
  /** "2026-11-27T16:59:01Z file /etc/ha.d/ha.cf", one per change that notified it */
  causes: string[];
}

/** File name of a handler's record: "restart heartbeat" → restart-heartbeat. */
export function pendingSlug(handler: string): string {
  return (
    handler
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'handler'
  );
}

/**
 * Shell that records handlers as pending (first line: the handler's name; then one line
 * per cause). Runs on the node inside the task's own script, before the change it records.
 * @example pendingMarkCommand(['restart heartbeat'], 'file /etc/ha.d/ha.cf')
 */
export function pendingMarkCommand(handlers: string[], cause: string): string {
  const lines = [`mkdir -p ${pendingDir()}`];
  for (const h of handlers) {
    const f = quote(`${pendingDir()}/${pendingSlug(h)}`);
    lines.push(
      `[ -s ${f} ] || printf '%s\\n' ${quote(h)} > ${f}`,
      `printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${quote(cause)} >> ${f}`,
    );
  }
  return lines.join('\n');
}

const MARK = '@@hactl-pending@@';

/** Read-only: every pending record on the node, framed for {@link parsePending}. */
export const pendingReadCommand = (): string => `for f in ${pendingDir()}/*; do [ -f "$f" ] && { echo '${MARK}'; cat "$f"; }; done; true`;

/** Pure parser for {@link pendingReadCommand}. */
export function parsePending(out: string): Map<string, PendingHandler> {
  const found = new Map<string, PendingHandler>();
  for (const block of out.split(`${MARK}\n`).slice(1)) {
    const [handler, ...causes] = block
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (!handler) continue;
    const had = found.get(handler);
    found.set(handler, { handler, causes: [...(had?.causes ?? []), ...causes] });
  }
  return found;
}

/** Clears a handler's record after it ran. */
export const pendingClearCommand = (handler: string): string => `rm -f ${quote(`${pendingDir()}/${pendingSlug(handler)}`)}`;

/** "restart heartbeat (ha.cf changed 2026-11-27T16:59:01Z)": for messages. */
export function describePending(p: PendingHandler): string {
  const last = p.causes.at(-1);
  if (!last) return p.handler;
  const [when, ...what] = last.split(' ');
  return `${p.handler} (after ${what.join(' ')} at ${when})`;
}
