export type { Connection, ExecOptions, ExecResult } from './types.js';
export { LocalConnection } from './local.js';
export { SshConnection, resolveTarget, type SshOptions, type SshTarget } from './ssh.js';
