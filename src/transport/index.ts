export { LocalConnection } from './local.js';
export { resolveTarget, SshConnection, type SshOptions, type SshTarget } from './ssh.js';
export type { Connection, ExecOptions, ExecResult } from './types.js';
