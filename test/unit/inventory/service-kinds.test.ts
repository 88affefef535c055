import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { MARIADB_QUERY } from '../../../src/inventory/service-kinds.js';
import { problemsIn, TWO_TWINS } from './helpers.js';

const DRBD = 'drbd:\n  - { name: r0, device: /dev/drbd0, disk: /dev/vdb, filesystem: { type: ext4, mount: /srv/data } }\n';
const inv = (services: string, drbd = DRBD) => `${TWO_TWINS}${drbd}services:\n${services}`;
const problems = (text: string) => problemsIn(text, 'kinds.yaml');

describe('services of kind mariadb and nfs (inventory)', () => {
  it('mariadb: package, datadir on the DRBD mount, a real query as the check', () => {
    const m = parseInventory(inv('  - { name: mariadb, kind: mariadb, drbd: r0 }\n'), 'kinds.yaml');
    expect(m.services[0]).toEqual({
      name: 'mariadb',
      package: 'mariadb-server',
      drbd: 'r0',
      kind: 'mariadb',
      mariadb: {
        datadir: '/srv/data/mysql',
        socket: '/run/mysqld/mysqld.sock',
        pid: '/run/mysqld/mysqld.pid',
        user: 'mysql',
        log: '/var/log/mariadb-error.log',
      },
      check: { port: 3306, command: MARIADB_QUERY },
    });
    expect(MARIADB_QUERY).toBe("mysql --protocol=socket -N -B -e 'SELECT 1'");
  });

  it('mariadb without DRBD: the package datadir; an explicit check and package are kept', () => {
    const m = parseInventory(
      inv('  - { name: mariadb, kind: mariadb, package: mariadb-server-core, check: { command: "mysqladmin ping", expect: alive } }\n', ''),
      'kinds.yaml',
    );
    expect(m.services[0]!.mariadb!.datadir).toBe('/var/lib/mysql');
    expect(m.services[0]!.package).toBe('mariadb-server-core');
    expect(m.services[0]!.check).toEqual({ command: 'mysqladmin ping', expect: 'alive' });
  });

  it('nfs: state dir on the DRBD mount, exports with default options and fsids, lease and grace', () => {
    const m = parseInventory(
      inv(
        '  - name: nfs-kernel-server\n    kind: nfs\n    drbd: r0\n    lease_time: 30\n    grace_time: 45\n    exports:\n' +
          '      - { path: /srv/data/export, clients: 10.1.0.0/24 }\n' +
          '      - { path: /srv/data/ro, clients: "*.example.org", options: "ro,sync,no_subtree_check,anonuid=1000", fsid: 7 }\n',
      ),
      'kinds.yaml',
    );
    const s = m.services[0]!;
    expect(s.package).toBe('nfs-kernel-server');
    expect(s.nfs).toEqual({
      stateDir: '/srv/data/nfs',
      exports: [
        { path: '/srv/data/export', clients: '10.1.0.0/24', options: 'rw,sync,no_subtree_check', fsid: 1 },
        { path: '/srv/data/ro', clients: '*.example.org', options: 'ro,sync,no_subtree_check,anonuid=1000', fsid: 7 },
      ],
      leaseTime: 30,
      graceTime: 45,
    });
    expect(s.check!.port).toBe(2049);
    expect(s.check!.command).toContain('for p in /srv/data/export /srv/data/ro; do');
    expect(s.check!.command).toMatch(/exportfs -s/);
  });

  it('refuses values that would be syntax: spaces, quotes, parentheses, options injection (schema, with file:line)', () => {
    const bad = [
      ['{ path: "/srv/data/a b", clients: 10.1.0.0/24 }', 'services[0].exports[0].path'],
      ['{ path: /srv/data/x, clients: "10.1.0.0/24(rw,no_root_squash)" }', 'services[0].exports[0].clients'],
      ['{ path: /srv/data/x, clients: "-o" }', 'services[0].exports[0].clients'],
      ['{ path: /srv/data/x, clients: "*", options: "rw no_root_squash" }', 'services[0].exports[0].options'],
      ['{ path: /srv/data/x, clients: "*", options: "rw\'; reboot; \'" }', 'services[0].exports[0].options'],
      ['{ path: "/srv/data/x;id", clients: "*" }', 'services[0].exports[0].path'],
    ] as const;
    for (const [e, field] of bad) {
      const p = problems(inv(`  - { name: nfs-kernel-server, kind: nfs, drbd: r0, exports: [${e}] }\n`));
      expect(
        p.map((x) => x.field),
        e,
      ).toContain(field);
      expect(p.find((x) => x.field === field)!.location, e).toMatch(/^kinds\.yaml:\d+:\d+$/);
    }
    expect(problems(inv('  - { name: mariadb, kind: mariadb, datadir: "/srv/data/$(id)" }\n')).map((x) => x.field)).toEqual([
      'services[0].datadir',
    ]);
  });

  it('cross-field rules: fields of another kind, exports needed, data on the DRBD filesystem, one service per kind', () => {
    expect(problems(inv('  - { name: apache2, datadir: /srv/data/x }\n'))).toEqual([
      expect.objectContaining({ field: 'services[0].datadir', message: 'datadir is a setting of kind mariadb' }),
    ]);
    expect(problems(inv('  - { name: nfs-kernel-server, kind: nfs }\n'))[0]).toMatchObject({
      field: 'services[0].kind',
      message: 'a service of kind nfs needs at least one export',
    });
    const outside = problems(
      inv(
        '  - { name: nfs-kernel-server, kind: nfs, drbd: r0, state_dir: /srv/data, exports: [{ path: /srv/data/../etc, clients: "*" }] }\n',
      ),
    );
    expect(outside.map((x) => [x.field, x.message])).toEqual([
      ['services[0].state_dir', '"/srv/data" is not below the mount point of r0 (/srv/data)'],
      ['services[0].exports[0].path', '"/srv/data/../etc" is not on the DRBD filesystem of r0 (/srv/data)'],
    ]);
    expect(problems(inv('  - { name: mariadb, kind: mariadb, drbd: r0, datadir: /var/lib/mysql }\n'))[0]!.field).toBe(
      'services[0].datadir',
    );
    const noFs = problems(
      inv('  - { name: mariadb, kind: mariadb, drbd: r0 }\n', 'drbd:\n  - { name: r0, device: /dev/drbd0, disk: /dev/vdb }\n'),
    );
    expect(noFs[0]).toMatchObject({ field: 'services[0].drbd', message: expect.stringContaining('has no filesystem') });
    expect(problems(inv('  - { name: nfs, kind: nfs, grace_time: 60, exports: [{ path: /srv/a, clients: "*" }] }\n', ''))[0]).toMatchObject(
      {
        field: 'services[0].grace_time',
        message: expect.stringContaining('is shorter than lease_time (90 s)'),
      },
    );
    const two = problems(inv('  - { name: mariadb, kind: mariadb }\n  - { name: mysql, kind: mariadb }\n'));
    expect(two.map((x) => x.field)).toEqual(['services[1].kind']);
    const dup = problems(
      inv('  - { name: nfs, kind: nfs, exports: [{ path: /srv/a, clients: "*" }, { path: /srv/a, clients: "*", fsid: 1 }] }\n', ''),
    );
    expect(dup.map((x) => [x.field, x.message])).toEqual([
      ['services[0].exports[1].path', 'duplicate export "/srv/a" (also exports[0])'],
      ['services[0].exports[1].fsid', 'duplicate fsid 1 (also exports[0])'],
    ]);
  });
});
