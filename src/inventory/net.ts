/**
 * Small IPv4 helpers for inventory checks. Only IPv4: the cluster stacks hactl builds
 * (corosync ring0 / heartbeat ucast / DRBD) are configured with IPv4 addresses here.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4_BODY = `(${OCTET}\\.){3}${OCTET}`;
/** Dotted-quad IPv4 with each octet 0-255 (no leading zeros, which some tools read as octal). */
export const IPV4_PATTERN = `^${IPV4_BODY}$`;
const PREFIX = '(3[0-2]|[12]?[0-9])';
/** `a.b.c.d/nn` */
export const CIDR_PATTERN = `^${IPV4_BODY}/${PREFIX}$`;
/** `a.b.c.d` or `a.b.c.d/nn` */
export const IPV4_OPT_PREFIX_PATTERN = `^${IPV4_BODY}(/${PREFIX})?$`;
/** `a.b.c.d:port` */
export const IPV4_PORT_PATTERN = `^${IPV4_BODY}:[0-9]{1,5}$`;
/** `a.b.c.d` or `a.b.c.d:port` */
export const IPV4_OPT_PORT_PATTERN = `^${IPV4_BODY}(:[0-9]{1,5})?$`;

/**
 * Parses a dotted quad into a 32-bit unsigned number, or undefined if it is not one.
 * @example parseIpv4('10.77.0.11') === 0x0a4d000b
 */
export function parseIpv4(text: string): number | undefined {
  if (!new RegExp(IPV4_PATTERN).test(text)) return undefined;
  return text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/**
 * Formats a 32-bit unsigned number as a dotted quad.
 * @example formatIpv4(0x0a4d000b) === '10.77.0.11'
 */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  address: string;
  prefix: number;
  /** network number (host bits cleared) */
  base: number;
  /** number of addresses in the block */
  size: number;
}

/**
 * Parses `a.b.c.d/nn`.
 * @example parseCidr('10.77.0.0/24') // { address: '10.77.0.0', prefix: 24, base: ..., size: 256 }
 */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, p] = text.split('/');
  const ip = parseIpv4(addr ?? '');
  const prefix = Number(p);
  if (ip === undefined || p === undefined || !/^[0-9]{1,2}$/.test(p) || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { address: addr!, prefix, base: ip - (ip % size), size };
}

/**
 * True when `ip` (dotted quad) lies inside `net`.
 * @example inNetwork('10.77.0.11', parseCidr('10.77.0.0/24')!) === true
 */
export function inNetwork(ip: string, net: Cidr): boolean {
  const n = parseIpv4(ip);
  return n !== undefined && n >= net.base && n < net.base + net.size;
}

/**
 * True when `ip` is the network or broadcast address of `net` (unusable as a host address).
 * @example isReservedInNetwork('10.77.0.255', parseCidr('10.77.0.0/24')!) === true
 */
export function isReservedInNetwork(ip: string, net: Cidr): boolean {
  const n = parseIpv4(ip);
  if (n === undefined || net.prefix >= 31) return false; // /31 and /32 have no such addresses
  return n === net.base || n === net.base + net.size - 1;
}
