/** The kernel's id of the current boot: a different one means the node rebooted. */
export const BOOT_ID_COMMAND = 'cat /proc/sys/kernel/random/boot_id';

/**
 * Pure parser for {@link BOOT_ID_COMMAND} (undefined for anything that is not a UUID).
 * @example parseBootId('0b7c5a4e-3f43-4d4c-9a0e-1c2d3e4f5a6b\n') // '0b7c5a4e-3f43-4d4c-9a0e-1c2d3e4f5a6b'
 */
export function parseBootId(stdout: string): string | undefined {
  const id = stdout.trim();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id.toLowerCase() : undefined;
}
