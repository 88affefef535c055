/**
 * The lab fence device's wire protocol: one request line per TCP connection, one answer
 * line. Like fence_virtd for VMs, but for lab nodes. The key is a shared secret the lab
 * writes into its state dir and onto every node (/etc/hactl/fence_lab.key).
 *
 *   request:  KEY ACTION [NODE]\n      ACTION: off | on | reboot | status | list | monitor
 *   answer:   OK [TEXT]\n | ERR TEXT\n  status answers "OK on" or "OK off"
 */
export const FENCE_ACTIONS = ['off', 'on', 'reboot', 'status', 'list', 'monitor'] as const;
export type FenceAction = (typeof FENCE_ACTIONS)[number];

/** Port the lab fence device listens on (fence_virtd's). */
export const FENCE_PORT = 1229;

export interface FenceRequest {
  key: string;
  action: FenceAction;
  node?: string;
}

/** Actions that name a node. */
export const NEEDS_NODE: ReadonlySet<FenceAction> = new Set(['off', 'on', 'reboot', 'status']);

/**
 * Parses one request line; a string is the reason it is refused.
 * @example parseFenceRequest('k3y off master') // { key: 'k3y', action: 'off', node: 'master' }
 */
export function parseFenceRequest(line: string): FenceRequest | string {
  const [key, action, node, ...rest] = line.trim().split(/\s+/);
  if (!key || !action) return 'expected: KEY ACTION [NODE]';
  if (rest.length) return 'too many words';
  if (!(FENCE_ACTIONS as readonly string[]).includes(action)) return `unknown action "${action}" (${FENCE_ACTIONS.join(', ')})`;
  const a = action as FenceAction;
  if (NEEDS_NODE.has(a) && !node) return `${a} needs a node name`;
  if (node !== undefined && !/^[a-z][a-z0-9-]{0,62}$/.test(node)) return `bad node name "${node}"`;
  return { key, action: a, node };
}

/**
 * The answer line for a result.
 * @example fenceAnswer(true, 'off') // 'OK off\n'
 */
export function fenceAnswer(ok: boolean, text = ''): string {
  return `${ok ? 'OK' : 'ERR'}${text ? ' ' + text.replace(/\s+/g, ' ').trim() : ''}\n`;
}
