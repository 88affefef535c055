import { describe, expect, it } from 'vitest';
import { ensureWatchdog } from '../../../playbooks/watchdog.js';
import { NodeError } from '../../../src/core/errors.js';
import { HostContext } from '../../../src/runtime/host.js';
import {
  CONTAINER_PROBE,
  devicePresentProbe,
  LAB_MARKER_PROBE,
  planWatchdog,
  SOFTDOG_CONF,
  type WatchdogOptions,
  watchdogTask,
} from '../../../src/tasks/watchdog.js';
import type { Connection } from '../../../src/transport/types.js';
import { testCluster } from '../../helpers/model.js';

const o: WatchdogOptions = { host: 'alpha', device: '/dev/watchdog', softdog: 'auto', field: 'cluster.stonith.sbd.watchdog' };

/** Probe answers as data; records the order the planner asks in. Nothing runs on this machine. */
function facts(answers: Record<string, boolean>) {
  const asked: string[] = [];
  return {
    asked,
    probe(command: string): boolean {
      asked.push(command);
      if (!(command in answers)) throw new Error(`probe not answered: ${command}`);
      return answers[command]!;
    },
  };
}

describe('watchdog task', () => {
  it('asks for the shared-kernel probes in the same round trip as the device', () => {
    expect(watchdogTask.facts(o).probes).toEqual([LAB_MARKER_PROBE, CONTAINER_PROBE, devicePresentProbe('/dev/watchdog')]);
    expect(LAB_MARKER_PROBE).toBe('[ -e /run/hactl-lab-netns ]');
  });

  it('refuses on a namespace lab node before anything about the device or softdog is decided', () => {
    // only the marker is answered: reading any other fact would throw "probe not answered"
    const f = facts({ [LAB_MARKER_PROBE]: true });
    let plan: unknown;
    const run = () => {
      plan = planWatchdog(f, o);
    };
    expect(run).toThrow(NodeError);
    expect(run).toThrow(/refusing to set up a watchdog on alpha: it shares its kernel .*\/run\/hactl-lab-netns exists/);
    expect(plan).toBeUndefined(); // no plan, so no modprobe step
    expect(f.asked.every((c) => c === LAB_MARKER_PROBE)).toBe(true);
  });

  it('refuses in a container (systemd-detect-virt --container), even with softdog auto and no device', () => {
    const f = facts({ [LAB_MARKER_PROBE]: false, [CONTAINER_PROBE]: true });
    expect(() => planWatchdog(f, o)).toThrow(/on alpha: .*systemd-detect-virt --container reports a container/);
    expect(f.asked).toEqual([LAB_MARKER_PROBE, CONTAINER_PROBE]);
  });

  it('a present device: nothing to do', () => {
    const f = facts({ [LAB_MARKER_PROBE]: false, [CONTAINER_PROBE]: false, [devicePresentProbe('/dev/watchdog')]: true });
    expect(planWatchdog(f, o)).toEqual({ changed: false, reason: 'watchdog /dev/watchdog is present', steps: [] });
  });

  it('no device, softdog auto: modprobe softdog, persisted, and the device awaited', () => {
    const f = facts({ [LAB_MARKER_PROBE]: false, [CONTAINER_PROBE]: false, [devicePresentProbe('/dev/watchdog')]: false });
    const p = planWatchdog(f, o);
    expect(p.changed).toBe(true);
    expect(p.reason).toBe('no hardware watchdog on alpha: load softdog');
    expect(p.steps.map((s) => s.command)[0]).toBe('modprobe softdog');
    expect(p.steps[1]!.command).toContain(SOFTDOG_CONF);
    expect(SOFTDOG_CONF).toBe('/etc/modules-load.d/hactl-softdog.conf');
  });

  it('no device, softdog never: refused naming the host', () => {
    const f = facts({ [LAB_MARKER_PROBE]: false, [CONTAINER_PROBE]: false, [devicePresentProbe('/dev/watchdog')]: false });
    expect(() => planWatchdog(f, { ...o, softdog: 'never' })).toThrow('no watchdog /dev/watchdog on alpha, and softdog is never');
  });
});

describe('ensureWatchdog on a namespace lab node (through the runtime, with a fake node: nothing runs here)', () => {
  /** A node that answers the gather round trip: the lab marker exists, no container, no device. */
  function fakeNode() {
    const calls: string[] = [];
    const conn: Connection = {
      host: 'master',
      exec: async (cmd) => {
        calls.push(cmd);
        if (cmd.includes('@@hactl-probes@@'))
          return { code: 0, stderr: '', stdout: '@@hactl-files@@\n@@hactl-pkgs@@\n@@hactl-probes@@\nprobe=1\nprobe=0\nprobe=0\n' };
        return { code: 0, stdout: '', stderr: '' };
      },
      put: async () => undefined,
      get: async () => Buffer.from(''),
      close: async () => undefined,
    };
    return { conn: async () => conn, calls };
  }

  for (const check of [false, true])
    it(`refuses naming the host and never sends a modprobe (check mode ${check})`, async () => {
      const cluster = testCluster([{ name: 'master' }]);
      const { conn, calls } = fakeNode();
      const h = new HostContext(cluster.nodes[0]!, cluster, conn, check, () => undefined);
      await expect(ensureWatchdog(h, { device: '/dev/watchdog', softdog: 'auto', field: 'cluster.stonith.sbd.watchdog' })).rejects.toThrow(
        /refusing to set up a watchdog on master: it shares its kernel/,
      );
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.join('\n')).not.toMatch(/modprobe|modules-load/);
    });
});
