import { quote } from '../core/shell.js';

/**
 * Who holds a floating IP: the one reader of a node's IPv4 addresses. Read as text
 * ({@link ADDRESSES_COMMAND} + {@link holdsAddress}) where it rides in a batch with other
 * facts, or as a test ({@link holdsAddressCommand}, exit 0 when held) where a poll asks
 * nothing else.
 */

/** Read-only: the node's IPv4 addresses, one per line (`ip -o`). */
export const ADDRESSES_COMMAND = 'ip -o -4 addr show';

/**
 * True when {@link ADDRESSES_COMMAND}'s output lists `address` (as ADDRESS/PREFIX).
 * @example holdsAddress('2: eth0    inet 10.77.0.100/24 scope global eth0', '10.77.0.100') // true
 */
export function holdsAddress(ipOut: string, address: string): boolean {
  return ipOut.split('\n').some((l) => l.includes(` ${address}/`));
}

/**
 * Exits 0 when the node holds `address`, 1 when not: {@link holdsAddress} as a shell test.
 * @example holdsAddressCommand('10.77.0.100') // "ip -o -4 addr show | grep -qF -- ' 10.77.0.100/'"
 */
export function holdsAddressCommand(address: string): string {
  return `${ADDRESSES_COMMAND} | grep -qF -- ${quote(` ${address}/`)}`;
}
