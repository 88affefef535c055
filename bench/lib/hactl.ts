/** hactl runs as a user types them (`node bin/hactl …`), timed, with the peak RSS recorded. */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchEnv, readRss, type Timed, timed } from './exec.js';
import { HACTL, ROOT } from './labs.js';

/** dist/bench/lib/rss-hook.js (compiled) or bench/lib/rss-hook.ts's sibling when run from source. */
const RSS_HOOK = ((): string => {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.js') ? join(self, '..', 'rss-hook.js') : join(ROOT, 'dist/bench/lib/rss-hook.js');
})();

export interface HactlRun extends Timed {
  /** peak RSS of the hactl process, KiB */
  rssKiB?: number;
  /** parsed --json output, when asked for */
  json?: HactlSummary;
}

/** The fields of `--json` the bench reads. */
export interface HactlSummary {
  ok: boolean;
  changed: number;
  ms: number;
  hosts: Array<{ host: string; changed: number; failed: boolean; error?: string }>;
}

export async function runHactl(
  args: string[],
  o: { log?: string; timeline?: boolean; workDir: string; json?: boolean },
): Promise<HactlRun> {
  const rssFile = join(o.workDir, `rss-${process.pid}-${Date.now()}`);
  const env = benchEnv({ HACTL_BENCH_RSS_FILE: rssFile, NO_COLOR: '1', FORCE_COLOR: '0' });
  const r = await timed(process.execPath, ['--import', pathToFileURL(RSS_HOOK).href, HACTL, ...args, ...(o.json ? ['--json'] : [])], {
    env,
    cwd: ROOT,
    log: o.log,
    timeline: o.timeline,
    timeoutMs: 1_800_000,
  });
  let json: HactlSummary | undefined;
  if (o.json) {
    try {
      json = JSON.parse(r.stdout) as HactlSummary;
    } catch {
      json = undefined;
    }
  }
  return { ...r, rssKiB: readRss(rssFile), json };
}

export const changedHosts = (s: HactlSummary | undefined): number => (s ? s.hosts.filter((h) => h.changed > 0).length : NaN);
export const failedHosts = (s: HactlSummary | undefined): string[] =>
  s ? s.hosts.filter((h) => h.failed).map((h) => `${h.host}: ${h.error ?? 'failed'}`) : ['no JSON summary'];
