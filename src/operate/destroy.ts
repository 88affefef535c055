/**
 * `hactl destroy`: the cluster taken apart on every node — the stack stopped and disabled,
 * the configuration hactl wrote removed (a copy kept first, in a generation), the data
 * kept unless asked. What goes, per stack and role, is data ({@link destroyTargets}),
 * tested as such; the node runs one script ({@link destroyScript}). docs/day-two.md.
 */
import { quote } from '../core/shell.js';
import type { ClusterModel, NodeModel } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import { type GenerationMeta, generationRef, generationsDir, newRunId } from '../runtime/generation.js';
import { drbdResFile } from '../stack/drbd.js';
import { driverOf } from '../stack/driver.js';
import { guestFile } from '../stack/guests.js';

/** hactl's own state on a node that destroy removes (generations stay: the copies of what it removed are there). */
export const HACTL_STATE = ['/var/lib/hactl/cib', '/var/lib/hactl/pending'];

export interface DestroyTargets {
  /** stack daemons stopped and disabled (shell) */
  stop?: string;
  /** shell printing a line per stack daemon still running or enabled at boot */
  left?: string;
  /** cluster-managed services stopped (the stack may be down already, leaving them running) */
  services: string[];
  /** files removed (a copy kept first) */
  files: string[];
  /** state removed without a copy (globs: the CIB, the policy engine's inputs, hactl's staging) */
  state: string[];
  /** DRBD resources taken down (their config removed with `files`) */
  drbd: Array<{ name: string; disk: string }>;
}

const isTwin = (n: NodeModel): boolean => n.role === 'master' || n.role === 'slave';

/**
 * What destroy removes on one node. Kept: the data disks and DRBD metadata (unless
 * --wipe-data), /etc/drbd.d/global_common.conf (drbd-utils' own conffile, only edited),
 * the packages, and /var/lib/hactl/generations (the copies of what was removed).
 * @example destroyTargets(cluster, cluster.arbitrator!).files // ['/etc/corosync/corosync.conf', '/etc/corosync/authkey']
 */
export function destroyTargets(c: ClusterModel, node: NodeModel): DestroyTargets {
  const d = driverOf(c);
  const runs = d.runsStack(c).some((n) => n.name === node.name);
  const twin = isTwin(node);
  return {
    stop: runs ? d.stopCommand : undefined,
    left: runs ? d.leftCommand : undefined,
    services: twin ? c.services.map((s) => s.name) : [],
    files: [
      ...(runs ? [...d.configFiles(c, node), ...d.keyFiles] : []),
      ...(twin ? [...c.drbd.map(drbdResFile), ...c.guests.map(guestFile)] : []),
    ],
    state: [...(runs ? d.stateGlobs : []), ...HACTL_STATE],
    drbd: twin ? c.drbd.map((r) => ({ name: r.name, disk: r.disk })) : [],
  };
}

/**
 * The node's script. Prints `removed PATH`, `stopped`, `wiped RES` lines and `nothing`
 * when there was nothing of hactl's left (a second run). Each removed file is copied into
 * the generation `ref` first (private: keys). With `wipe`, DRBD's metadata and the
 * backing disk's filesystem signature are wiped (drbdadm needs the resource file: before it goes).
 */
export function destroyScript(t: DestroyTargets, meta: GenerationMeta, wipe: boolean): string {
  const g = generationRef(meta, 1000).dir;
  const files = t.files.map(quote).join(' ');
  const lines = [
    'set -u',
    'found=""',
    `for f in ${files || '/nonexistent-hactl'}; do [ -e "$f" ] && found=1; done`,
    ...(t.left ? [`left=$(${t.left})`, '[ -n "$left" ] && found=1'] : []),
    `for f in ${t.state.join(' ')}; do [ -e "$f" ] && found=1; done`,
    ...(wipe ? t.drbd.map((r) => `wipefs -n ${quote(r.disk)} 2>/dev/null | grep -q . && found=1`) : []),
    'if [ -z "$found" ]; then echo nothing; exit 0; fi',
    ...(t.stop ? [t.stop, 'echo stopped'] : []),
    ...t.services.map((s) => `service ${quote(s)} stop >/dev/null 2>&1 || true`),
    ...t.drbd.map((r) => `drbdadm down ${quote(r.name)} >/dev/null 2>&1 || true`),
    // Heartbeat's twins bring DRBD up at boot (drbd.service): not any more
    ...(t.drbd.length
      ? ['{ [ -d /run/systemd/system ] && systemctl disable drbd; update-rc.d drbd disable; } >/dev/null 2>&1 || true']
      : []),
    ...(wipe
      ? t.drbd.flatMap((r) => [
          `if [ -e ${quote(`/etc/drbd.d/${r.name}.res`)} ]; then yes yes | drbdadm wipe-md ${quote(r.name)} >/dev/null 2>&1 ` +
            `|| drbdadm wipe-md --force ${quote(r.name)} >/dev/null 2>&1; fi`,
          `[ -b ${quote(r.disk)} ] && wipefs -a ${quote(r.disk)} >/dev/null 2>&1 && echo wiped ${quote(r.name)}`,
        ])
      : []),
    `( umask 077; mkdir -p ${quote(`${g}/files`)} ) && chmod 700 ${quote(generationsDir())}`,
    `( umask 077; printf '%s\\n' ${quote(JSON.stringify(meta))} > ${quote(`${g}/meta.json`)} )`,
    `for f in ${files || '/nonexistent-hactl'}; do`,
    '  [ -e "$f" ] || continue',
    `  ( umask 077; mkdir -p ${quote(`${g}/files`)}"$(dirname "$f")" ) && cp -p "$f" ${quote(`${g}/files`)}"$f"` +
      ` && chmod go-rwx ${quote(`${g}/files`)}"$f"`,
    `  ( umask 077; printf '%s %s\\n' "$(stat -c '%a %U:%G' "$f")" "$f" >> ${quote(`${g}/saved`)} )`,
    '  rm -f "$f" && echo "removed $f" && ( umask 077; ' +
      `printf '%s\\n' "{\\"task\\":\\"destroy: remove $f\\",\\"file\\":\\"$f\\"}" >> ${quote(`${g}/changes`)} )`,
    'done',
    `for f in ${t.state.join(' ')}; do [ -e "$f" ] && rm -rf "$f" && echo "removed $f"; done`,
    'true',
  ];
  return lines.join('\n');
}

export interface DestroyNodeResult {
  node: string;
  /** false: nothing of hactl's was left there */
  changed: boolean;
  removed: string[];
  wiped: string[];
  /** where the copies of the removed files are (the generation) */
  backup?: string;
  error?: string;
}

export interface DestroyResult {
  cluster: string;
  run: string;
  nodes: DestroyNodeResult[];
  /** nothing was left on any node */
  nothing: boolean;
  ok: boolean;
}

/**
 * Runs the script on every node (in parallel); an unreachable node is reported, the others done.
 * @example await destroy(cluster, { connector, wipe: false, command: 'hactl destroy --yes' })
 */
export async function destroy(c: ClusterModel, o: { connector: Connector; wipe: boolean; command: string }): Promise<DestroyResult> {
  const run = newRunId();
  const nodes = await Promise.all(
    c.nodes.map(async (n): Promise<DestroyNodeResult> => {
      const meta: GenerationMeta = {
        run,
        time: new Date().toISOString(),
        inventory: '',
        command: o.command,
        playbook: 'destroy',
        host: n.name,
      };
      try {
        const r = await (await o.connector.get(n)).exec(destroyScript(destroyTargets(c, n), meta, o.wipe));
        const lines = r.stdout.split('\n');
        if (r.code !== 0) return { node: n.name, changed: true, removed: [], wiped: [], error: (r.stderr || r.stdout).trim() };
        if (lines.includes('nothing')) return { node: n.name, changed: false, removed: [], wiped: [] };
        const removed = lines.filter((l) => l.startsWith('removed ')).map((l) => l.slice(8));
        return {
          node: n.name,
          changed: true,
          removed,
          wiped: lines.filter((l) => l.startsWith('wiped ')).map((l) => l.slice(6)),
          backup: generationRef(meta, 1).dir,
        };
      } catch (e) {
        return { node: n.name, changed: false, removed: [], wiped: [], error: (e as Error).message };
      }
    }),
  );
  return { cluster: c.name, run, nodes, nothing: nodes.every((n) => !n.changed && !n.error), ok: nodes.every((n) => !n.error) };
}
