import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandVerdict, parseServiceCommand, serviceCommandScript } from '../../../src/checks/smoke.js';
import { loadInventory } from '../../../src/inventory/index.js';

// issue #21: the checks of the service kinds run for real here, through the smoke check's own
// script (as on the twin holding the service), against stand-ins for mysql and exportfs whose
// answers follow the formats of Debian 12's tools (`exportfs -s`: one export a line, path first;
// mysql -N -B: the bare value; the client's socket error). Written from those formats, not
// captured from a running server: no mariadb or nfs server ran for this test
const EXPORTFS_S = [
  '/srv/data/export  10.1.0.0/24(sync,wdelay,hide,no_subtree_check,fsid=1,sec=sys,rw,secure,root_squash,no_all_squash)',
  '/srv/data/public  *(sync,wdelay,hide,no_subtree_check,fsid=10,sec=sys,ro,secure,root_squash,all_squash)',
].join('\n');
const MYSQL_DOWN = "ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)";

function stubs(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hactl-kinds-'));
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

function run(command: string, bin: string) {
  const r = spawnSync('sh', ['-c', serviceCommandScript(command, undefined, true)], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  return parseServiceCommand(r.stdout);
}

describe('smoke checks of the service kinds (run for real against stand-ins)', async () => {
  const c = await loadInventory('test/fixtures/inventory/good-kinds.yaml');
  const [mariadb, nfs] = c.services as [(typeof c.services)[0], (typeof c.services)[0]];

  it('mariadb: the query answers 1 → healthy; the server down → the client’s own error, on the twin that ran it', () => {
    const up = run(mariadb.check!.command!, stubs({ mysql: '[ "$*" = "--protocol=socket -N -B -e SELECT 1" ] || exit 9; echo 1' }));
    expect(up).toEqual({ rc: 0, output: '1' });
    expect(commandVerdict('mariadb', mariadb.check!, { node: 'alpha', ...up })).toEqual({
      check: 'service mariadb (command)',
      ok: true,
      detail: 'exit 0 on alpha: 1',
    });
    const down = run(mariadb.check!.command!, stubs({ mysql: `echo "${MYSQL_DOWN}" >&2; exit 1` }));
    expect(commandVerdict('mariadb', mariadb.check!, { node: 'alpha', ...down })).toEqual({
      check: 'service mariadb (command)',
      ok: false,
      detail: `exit 1 on alpha: ${MYSQL_DOWN}`,
    });
  });

  it('nfs: every export in the kernel table → healthy; one missing is named; exportfs failing fails', () => {
    const all = run(nfs.check!.command!, stubs({ exportfs: `[ "$1" = -s ] || exit 9; cat <<'E'\n${EXPORTFS_S}\nE` }));
    expect(commandVerdict('nfs-kernel-server', nfs.check!, { node: 'beta', ...all })).toMatchObject({
      ok: true,
      detail: 'exit 0 on beta: exported: 2',
    });
    // a path that is only a prefix of an exported one does not count
    const one = run(
      nfs.check!.command!,
      stubs({ exportfs: `echo '/srv/data/export  10.1.0.0/24(rw)'; echo '/srv/data/publicity  *(ro)'` }),
    );
    expect(commandVerdict('nfs-kernel-server', nfs.check!, { node: 'beta', ...one })).toMatchObject({
      ok: false,
      detail: 'exit 1 on beta: not exported: /srv/data/public',
    });
    const broken = run(nfs.check!.command!, stubs({ exportfs: 'echo "exportfs: could not open /proc/fs/nfs/exports" >&2; exit 1' }));
    expect(broken.rc).toBe(1);
  });
});
