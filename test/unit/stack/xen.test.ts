import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GuestModel } from '../../../src/inventory/model.js';
import {
  xenAutoLink,
  xenAutoLinkCommand,
  xenAutoLinked,
  xendomainsDefaultsCommand,
  xendomainsDefaultsSet,
} from '../../../src/stack/guests.js';

// issue #21: Heartbeat starts Xen guests with xendomains, which starts only what /etc/xen/auto
// holds and saves guests to the local disk on stop unless told not to
describe('Xen guests on Heartbeat: xendomains starts them, and shuts them down on stop', () => {
  const root = mkdtempSync(join(tmpdir(), 'hactl-xen-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).status;
  const g = { name: "web vm's", type: 'xen' } as GuestModel;

  it('links the config into /etc/xen/auto once (a name with a space and a quote stays one word)', () => {
    expect(sh(xenAutoLinked(g, root))).not.toBe(0);
    expect(sh(xenAutoLinkCommand(g, root))).toBe(0);
    expect(readlinkSync(xenAutoLink(g, root))).toBe(`${root}/etc/xen/web vm's.cfg`);
    expect(sh(xenAutoLinked(g, root))).toBe(0);
  });

  it("turns save and restore off in the package's /etc/default/xendomains, keeping its other lines", () => {
    const f = join(root, 'etc/default/xendomains');
    expect(sh(xendomainsDefaultsCommand(root))).toBe(0); // no file yet (validators only): created
    writeFileSync(f, '# from xen-utils-common\nXENDOMAINS_SAVE=/var/lib/xen/save\nXENDOMAINS_RESTORE=true\nXENDOMAINS_SHUTDOWN="--wait"\n');
    expect(sh(xendomainsDefaultsSet(root))).not.toBe(0);
    expect(sh(xendomainsDefaultsCommand(root))).toBe(0);
    expect(sh(xendomainsDefaultsSet(root))).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(
      '# from xen-utils-common\nXENDOMAINS_SAVE=\nXENDOMAINS_RESTORE=false\nXENDOMAINS_SHUTDOWN="--wait"\nXENDOMAINS_AUTO=/etc/xen/auto\n',
    );
    expect(sh(xendomainsDefaultsCommand(root))).toBe(0); // again: the same file
    expect(readFileSync(f, 'utf8').match(/XENDOMAINS_AUTO/g)).toHaveLength(1);
  });
});
