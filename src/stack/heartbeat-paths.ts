/**
 * Heartbeat's file paths: a leaf module (no imports), so the driver can use them while its
 * own module initialises (driver.ts and heartbeat.ts import each other's functions).
 */
export const HA_CF = '/etc/ha.d/ha.cf';
export const AUTHKEYS = '/etc/ha.d/authkeys';
export const HARESOURCES = '/etc/ha.d/haresources';
export const LDIRECTORD_CF = '/etc/ha.d/ldirectord.cf';
/** Where Debian 12's heartbeat package keeps dopd and drbd-peer-outdater (not /usr/lib/heartbeat). */
export const DOPD_DIR = '/usr/libexec/heartbeat';
