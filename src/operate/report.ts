/**
 * `hactl report`: what an incident needs, from every node in one round trip each (one
 * script, its outputs framed), secrets masked, in one tar.gz the way `crm report` does.
 * Key files are never read: the archive notes their size and mode only. docs/day-two.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { NodeError } from '../core/errors.js';
import { mask, registerSecret, Secret } from '../core/secret.js';
import { quote } from '../core/shell.js';
import type { ClusterModel, NodeModel } from '../inventory/model.js';
import type { Connector } from '../runtime/connector.js';
import { generationsDir } from '../runtime/generation.js';
import { drbdResFile } from '../stack/drbd.js';
import { driverOf, STACKS } from '../stack/driver.js';
import { readSecret } from '../stack/secrets.js';

const FRAME = '@@hactl-report@@';

/** The daemons whose logs a report takes (journal units, or their files under /var/log). */
const LOG_UNITS = ['corosync', 'pacemaker', 'heartbeat', 'drbd', 'ldirectord'];
const LOG_FILES = [
  '/var/log/syslog',
  '/var/log/messages',
  '/var/log/ha-log',
  '/var/log/ha-debug',
  '/var/log/corosync/corosync.log',
  '/var/log/pacemaker/pacemaker.log',
];

/**
 * `--since` as journalctl takes it: `2h`, `30m`, `1d` become `-2h`…; anything else is passed as is (quoted).
 * @example journalSince('2h') // '-2h'
 */
export function journalSince(since: string): string {
  return /^\d+[smhd]$/.test(since) ? `-${since}` : since;
}

/** The archive's files for one node: name → shell (read-only; none reads a key file). */
export function reportCommands(c: ClusterModel, node: NodeModel, since: string): Array<[string, string]> {
  const d = driverOf(c);
  const keys = new Set(Object.values(STACKS).flatMap((s) => s.keyFiles));
  const configs = [
    ...new Set([
      ...Object.values(STACKS).flatMap((s) => s.configFiles(c, node)),
      '/etc/drbd.d/global_common.conf',
      ...c.drbd.map(drbdResFile),
    ]),
  ].filter((f) => !keys.has(f));
  const units = LOG_UNITS.map((u) => `-u ${u}`).join(' ');
  return [
    [
      'journal.txt',
      'if command -v journalctl >/dev/null && [ -d /run/systemd/system ]; then ' +
        `journalctl --no-pager -o short-iso --since ${quote(journalSince(since))} ${units}; else echo 'no journal: see logs/'; fi`,
    ],
    ...LOG_FILES.map((f): [string, string] => [`logs/${basename(f)}`, `[ -f ${f} ] && tail -c 2000000 ${f}`]),
    ...Object.entries(d.reportCommands),
    ['drbdadm-status.txt', 'drbdadm status all 2>&1'],
    ['proc-drbd.txt', 'cat /proc/drbd 2>&1'],
    ...configs.map((f): [string, string] => [`etc${f.replace(/^\/etc/, '')}`, `[ -f ${quote(f)} ] && cat ${quote(f)}`]),
    ...[...keys].map((f): [string, string] => [
      `keys${f}.txt`,
      `if [ -e ${quote(f)} ]; then stat -c 'present, %s bytes, mode %a, owner %U (content never copied)' ${quote(f)}; else echo absent; fi`,
    ]),
    ['dmesg.txt', 'dmesg 2>&1 | tail -n 300'],
    [
      'hactl-generations.txt',
      `ls -la ${generationsDir()} 2>&1; for m in ${generationsDir()}/*/meta.json; do [ -f "$m" ] && cat "$m"; done`,
    ],
    ['uname.txt', 'uname -a; uptime; date -u'],
  ];
}

/** One script printing every command's output after a frame line with its file name. */
export function reportScript(commands: Array<[string, string]>): string {
  return commands.map(([file, cmd]) => `echo '${FRAME} ${file}'\n( ${cmd} ) 2>&1 </dev/null\n`).join('') + 'true';
}

/**
 * Splits the script's output back into files (empty ones dropped).
 * @example parseReport('@@hactl-report@@ a.txt\nhello\n') // Map { 'a.txt' => 'hello\n' }
 */
export function parseReport(out: string): Map<string, string> {
  const files = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (name && body.join('\n').trim()) files.set(name, body.join('\n') + '\n');
  };
  for (const line of out.split('\n')) {
    if (line.startsWith(`${FRAME} `)) {
      flush();
      name = line.slice(FRAME.length + 1);
      body = [];
    } else body.push(line);
  }
  flush();
  return files;
}

/**
 * Masks what is secret by its shape, whatever its value: DRBD's shared-secret, ha.cf's
 * stonith_host credentials, authkeys lines, and CIB/XML nvpairs whose name says password,
 * secret or key. The known values ({@link registerReportSecrets}) go through mask() as well.
 * @example maskShapes('shared-secret "s3cr3t";') // 'shared-secret "***";'
 */
export function maskShapes(text: string): string {
  return mask(text)
    .replace(/(shared-secret\s+)("[^"]*"|\S+?)(\s*;)/g, '$1"***"$3')
    .replace(/^(\s*stonith_host\s+\S+\s+\S+).*$/gm, '$1 ***')
    .replace(/^(\s*\d+\s+(?:sha1|md5|crc)\s+)\S+/gm, '$1***')
    .replace(/(<nvpair\b[^>]*\bname="[^"]*(?:pass|secret|key|token)[^"]*"[^>]*\bvalue=")[^"]*(")/gi, '$1***$2')
    .replace(/(<nvpair\b[^>]*\bvalue=")[^"]*("[^>]*\bname="[^"]*(?:pass|secret|key|token)[^"]*")/gi, '$1***$2');
}

/**
 * Registers every secret of the inventory for masking: the cluster keys of the secrets dir
 * (and their base64 and hex forms), fence and resource credentials.
 */
export function registerReportSecrets(c: ClusterModel): void {
  for (const name of new Set(Object.values(STACKS).map((s) => s.clusterKeySecret))) {
    let key: Secret | undefined;
    try {
      key = readSecret(c.secretsDir, name);
    } catch {
      key = undefined;
    }
    const v = key?.reveal();
    if (!v) continue;
    registerSecret(Buffer.from(v).toString('base64'));
    registerSecret(Buffer.from(v).toString('hex'));
  }
  const params = [c.stonith.params ?? {}, ...c.pacemaker.resources.map((r) => r.params)];
  for (const p of params) {
    for (const v of Object.values(p)) {
      if (v instanceof Secret) {
        try {
          v.reveal();
        } catch {
          // a credential that cannot be read here cannot be in a node's output either
        }
      }
    }
  }
}

export interface ReportNode {
  node: string;
  files: number;
  unreachable?: string;
}

export interface ReportResult {
  path: string;
  bytes: number;
  nodes: ReportNode[];
}

/**
 * Collects the report into `out` (default `./<cluster>-report-<time>.tar.gz`).
 * @example const r = await collectReport(cluster, { connector, since: '2h' }); r.path
 */
export async function collectReport(
  c: ClusterModel,
  o: { connector: Connector; since?: string; out?: string; reason?: string },
): Promise<ReportResult> {
  registerReportSecrets(c);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const top = `${c.name}-report-${stamp}`;
  const out = resolve(o.out ?? `${top}.tar.gz`);
  const since = o.since ?? '2h';
  const tmp = mkdtempSync(join(tmpdir(), 'hactl-report-'));
  try {
    const nodes = await Promise.all(
      c.nodes.map(async (n): Promise<ReportNode> => {
        const dir = join(tmp, top, n.name);
        mkdirSync(dir, { recursive: true });
        try {
          const r = await (await o.connector.get(n)).exec(reportScript(reportCommands(c, n, since)));
          const files = parseReport(r.stdout);
          for (const [name, text] of files) {
            const p = join(dir, name);
            mkdirSync(dirname(p), { recursive: true });
            writeFileSync(p, maskShapes(text), { mode: 0o600 });
          }
          return { node: n.name, files: files.size };
        } catch (e) {
          const why = maskShapes((e as Error).message);
          writeFileSync(join(dir, 'unreachable'), `${n.name} (${n.address}) could not be reached: ${why}\n`);
          return { node: n.name, files: 0, unreachable: why };
        }
      }),
    );
    const summary = [
      `hactl report of cluster ${c.name} (${c.stack}), ${new Date().toISOString()}`,
      ...(o.reason ? [`reason: ${o.reason}`] : []),
      `logs since: ${since}`,
      ...nodes.map((n) => `${n.node}: ${n.unreachable ? `UNREACHABLE (${n.unreachable})` : `${n.files} files`}`),
      'secrets: key files never copied (keys/*.txt give their size); known secret values and secret-shaped fields masked as ***',
    ];
    writeFileSync(join(tmp, top, 'summary.txt'), summary.join('\n') + '\n');
    const tar = spawnSync('tar', ['-czf', out, '-C', tmp, top], { encoding: 'utf8' });
    if (tar.status !== 0)
      throw new NodeError(`could not write ${out}: ${tar.stderr.trim()}`, { hint: 'check that the directory exists and is writable' });
    return { path: out, bytes: statSync(out).size, nodes };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
