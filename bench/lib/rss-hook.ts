/**
 * Preloaded into a measured hactl run (`node --import …/rss-hook.js bin/hactl …`): at exit
 * it writes the process's peak resident set size (KiB, getrusage ru_maxrss) to the file
 * named by $HACTL_BENCH_RSS_FILE. Costs nothing while hactl runs.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.HACTL_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      /* the measurement is optional */
    }
  });
}
