import { LocalConnection } from '../../src/transport/local.js';
import type { Connection } from '../../src/transport/types.js';

/** A local shell that counts round trips: each command run is pushed to `calls`. */
export function counting(): { conn: () => Promise<Connection>; calls: string[] } {
  const local = new LocalConnection('local');
  const calls: string[] = [];
  const c: Connection = {
    host: 'local',
    exec: (cmd, o) => (calls.push(cmd), local.exec(cmd, o)),
    put: (x, p) => local.put(x, p),
    get: (p) => local.get(p),
    close: () => local.close(),
  };
  return { conn: async () => c, calls };
}
