/** The host's apt: which Debian mirror it uses, and making sure its package lists exist. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LabListener, step } from './events.js';
import { must } from './proc.js';

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

interface Source {
  uri: string;
  suites: string[];
}

/** Parses deb822 .sources text (stanzas separated by blank lines). */
export function parseDeb822(text: string): Source[] {
  const out: Source[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || !line.trim()) continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const m = /^([\w-]+):\s*(.*)$/.exec(line);
      if (m?.[1]) fields.set((last = m[1].toLowerCase()), m[2] ?? '');
    }
    const words = (k: string): string[] => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || fields.get('enabled')?.trim() === 'no') continue;
    for (const uri of words('uris')) out.push({ uri, suites: words('suites') });
  }
  return out;
}

/** Parses one-line sources.list entries: `deb [options] URI SUITE COMPONENTS…`. */
export function parseSourcesList(text: string): Source[] {
  const out: Source[] = [];
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, ' ')
      .trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type === 'deb' && uri && suite) out.push({ uri, suites: [suite] });
  }
  return out;
}

function readSources(): Source[] {
  const dir = '/etc/apt/sources.list.d';
  const files = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((f) => join(dir, f))
    : [];
  const out: Source[] = [];
  for (const f of ['/etc/apt/sources.list', ...files]) {
    if (!existsSync(f)) continue;
    if (f.endsWith('.sources')) out.push(...parseDeb822(readFileSync(f, 'utf8')));
    else if (f.endsWith('.list')) out.push(...parseSourcesList(readFileSync(f, 'utf8')));
  }
  return out;
}

/**
 * The mirror the host's apt uses for `suite` (the stanza listing exactly that suite, so
 * the security archive is never picked); $HACTL_LAB_MIRROR overrides.
 */
export function hostMirror(suite: string, sources: Source[] = readSources()): string {
  if (process.env.HACTL_LAB_MIRROR) return process.env.HACTL_LAB_MIRROR;
  return sources.find((s) => s.suites.includes(suite))?.uri ?? sources[0]?.uri ?? DEFAULT_MIRROR;
}

/** Runs `apt-get update` on the host when it has no package lists for `suite` yet. */
export async function ensureHostLists(suite: string, emit?: LabListener): Promise<void> {
  const lists = '/var/lib/apt/lists';
  const has = existsSync(lists) && readdirSync(lists).some((f) => f.includes(`_dists_${suite}_`) && f.includes('Packages'));
  if (has) return;
  await step(emit, 'apt-get update (host)', () => must('apt-get', ['-q', '-o', 'DPkg::Lock::Timeout=600', 'update']), true);
}
