/**
 * drift's `--prometheus` textfile on every outcome: a run that could not check (the
 * inventory did not load, a bad argument, the check itself failed) writes check_ok 0 and
 * exit code 1 over the previous run's file, so an alert on `hactl_drift_check_ok == 0`
 * fires instead of a stale "1" staying in place.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { DriftReport } from '../../checks/drift/items.js';
import { writePrometheusFile } from '../../checks/drift/report.js';
import { HactlError } from '../../core/errors.js';
import { printError } from '../output.js';

/**
 * The cluster label for a run that could not load its inventory: the previous textfile's
 * (the series goes on), else the inventory's `cluster.name` if its YAML parses that far,
 * else empty.
 * @example clusterLabel('/etc/hactl/web.yaml', '/var/lib/node-exporter/hactl_drift_web.prom') // 'web'
 */
export function clusterLabel(inventory: string, textfile: string): string {
  try {
    const m = /^hactl_drift_\w+\{cluster="((?:[^"\\]|\\.)*)"/m.exec(readFileSync(textfile, 'utf8'));
    if (m) return m[1]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  } catch {
    // no previous file
  }
  try {
    const name = (parse(readFileSync(inventory, 'utf8')) as { cluster?: { name?: unknown } } | null)?.cluster?.name;
    if (typeof name === 'string' && /^[\w.-]{1,64}$/.test(name)) return name;
  } catch {
    // unreadable or not YAML: that is the error being reported
  }
  return '';
}

/**
 * Writes the textfile. While another error is on its way out, a write failure is printed
 * (exit 1) rather than thrown, so it cannot hide that error.
 */
export function writeTextfile(file: string, report: DriftReport | string, failing: boolean): void {
  try {
    writePrometheusFile(file, report);
  } catch (err) {
    if (!failing || !(err instanceof HactlError)) throw err;
    printError(err);
    process.exitCode = 1;
  }
}
