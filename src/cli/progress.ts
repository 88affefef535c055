import chalk from 'chalk';
import type { ListrTaskWrapper } from 'listr2';
import { mask } from '../core/secret.js';
import type { RunEvent, RunSummary } from '../runtime/events.js';

type HostTask = { task: ListrTaskWrapper<unknown, never, never>; done: () => void; fail: (e: Error) => void };

/**
 * Turns runtime events into progress: a listr2 list of hosts on a terminal, plain lines
 * (one per change, failure or warning) when stdout is a log file or CI. Silent with --json.
 */
export class ProgressView {
  private readonly hostTasks = new Map<string, HostTask>();
  /** What happened to a host before listr2 started its task (it starts them a few ticks late). */
  private readonly early = new Map<string, { error?: Error; title?: string }>();
  private listDone?: Promise<unknown>;
  constructor(
    private readonly mode: 'tty' | 'lines' | 'silent',
    private readonly showDiffs: boolean,
  ) {}

  static auto(json: boolean, showDiffs: boolean): ProgressView {
    return new ProgressView(json ? 'silent' : process.stdout.isTTY ? 'tty' : 'lines', showDiffs);
  }

  readonly sink = (e: RunEvent): void => {
    if (this.mode === 'silent') return;
    switch (e.type) {
      case 'play:start':
        this.line(chalk.bold(`${e.check ? 'plan' : 'run'} ${e.playbook} on ${e.hosts.join(', ')}`));
        if (this.mode === 'tty') this.startList(e.hosts);
        break;
      case 'phase:start':
        if (this.mode === 'lines') this.line(chalk.cyan(`── ${e.name} (${e.hosts.join(', ')})`));
        break;
      case 'task:start':
        this.setTitle(e.host, `${e.host}: ${e.task}`);
        break;
      case 'task:end': {
        const r = e.result;
        const tag = r.failed ? chalk.red('failed') : r.changed ? chalk.yellow(r.checkOnly ? 'would change' : 'changed') : chalk.green('ok');
        if (this.mode === 'lines' && (r.changed || r.failed))
          this.line(`${r.host.padEnd(12)} ${tag.padEnd(12)} ${r.task} — ${mask(r.failed && r.error ? indent(r.error) : r.reason)}`);
        if (this.mode === 'tty' && r.failed && r.error) this.line(chalk.red(`${r.host}: ${r.task}: ${indent(mask(r.error))}`));
        if (this.mode === 'tty' && (r.changed || r.failed)) this.output(r.host, `${tag} ${r.task}`);
        if (this.showDiffs && r.diff) this.line(colourDiff(r.diff));
        break;
      }
      case 'log':
        if (e.level === 'warn') this.line(chalk.yellow(`warning${e.host ? ' ' + e.host : ''}: ${mask(e.message)}`));
        else if (this.mode === 'lines') this.line(chalk.dim(`${e.host ? e.host + ': ' : ''}${mask(e.message)}`));
        else if (e.host) this.output(e.host, mask(e.message));
        break;
      case 'host:failed': {
        const error = new Error(mask(e.error));
        const t = this.hostTasks.get(e.host);
        if (t) t.fail(error);
        else this.early.set(e.host, { ...this.early.get(e.host), error });
        break;
      }
      case 'play:end':
        for (const h of e.summary.hosts) {
          const verb = e.summary.check ? 'would change' : 'changed';
          const title = `${h.host}: ${h.failed ? 'failed' : h.changed ? `${h.changed} ${verb}` : 'ok'}`;
          const t = this.hostTasks.get(h.host);
          if (!t) {
            this.early.set(h.host, { ...this.early.get(h.host), title });
            continue;
          }
          t.task.title = title;
          t.done();
        }
        break;
    }
  };

  /** Waits for the listr2 renderer to finish drawing. */
  async finish(): Promise<void> {
    await this.listDone?.catch(() => undefined);
    this.drawn = true;
    for (const s of this.pending.splice(0)) process.stdout.write(s + '\n');
  }
  private drawn = false;
  private readonly pending: string[] = [];

  /**
   * listr2 is loaded here, on a terminal only (a log file, CI and --json never need it): its
   * host tasks start a few ticks later anyway, and the events before that wait in `early`.
   */
  private startList(hosts: string[]): void {
    this.listDone = import('listr2').then(({ Listr }) => this.runList(Listr, hosts));
  }

  private runList(Listr: typeof import('listr2').Listr, hosts: string[]): Promise<unknown> {
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: (_: unknown, task: ListrTaskWrapper<unknown, never, never>) =>
          new Promise<void>((resolve, reject) => {
            this.hostTasks.set(host, { task, done: resolve, fail: reject });
            // events that came before this task started: without them it would wait forever
            const early = this.early.get(host);
            if (early?.title !== undefined) task.title = early.title;
            if (early?.error) reject(early.error);
            else if (early?.title !== undefined) resolve();
          }),
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } } as never,
    );
    return list.run();
  }

  private setTitle(host: string, title: string): void {
    const t = this.hostTasks.get(host);
    if (t) t.task.title = title;
  }
  private output(host: string, text: string): void {
    const t = this.hostTasks.get(host);
    if (t) t.task.output = text;
  }
  /** While the live view draws, other lines (diffs, warnings) wait until it is done. */
  private line(s: string): void {
    if (this.listDone && !this.drawn) this.pending.push(s);
    else process.stdout.write(s + '\n');
  }
}

/** Continuation lines of a multi-line message, indented under the first. */
const indent = (s: string): string => s.replace(/\n/g, '\n      ');

export function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? chalk.green(l)
        : l.startsWith('-') && !l.startsWith('---')
          ? chalk.red(l)
          : l.startsWith('@@')
            ? chalk.cyan(l)
            : l,
    )
    .join('\n');
}

/** The closing table: one line per host (a failed one with its hint under it), and the total. */
export function printSummary(s: RunSummary): void {
  const verb = s.check ? 'would change' : 'changed';
  for (const h of s.hosts) {
    const state = h.failed ? chalk.red('FAILED') : h.changed ? chalk.yellow(verb) : chalk.green('ok');
    process.stdout.write(
      `${h.host.padEnd(14)} ok=${String(h.ok).padEnd(4)} ${verb}=${String(h.changed).padEnd(4)} ` +
        `${state}${h.error ? ' — ' + h.error : ''}\n`,
    );
    if (h.failed && h.hint) process.stdout.write(`${' '.repeat(15)}hint: ${mask(h.hint)}\n`);
  }
  const secs = (s.ms / 1000).toFixed(1);
  const time = s.hosts.some((h) => h.failed) ? ` (${secs}s)` : ` in ${secs}s`;
  const warnings = s.warnings.length ? `, ${s.warnings.length} warning(s)` : '';
  process.stdout.write(`${s.ok ? chalk.green('✔') : chalk.red('✘')} ${s.playbook}: ${recap(s)}${time}${warnings}\n`);
}

/**
 * The total, true to what happened: failed hosts first (a run where no host could be
 * reached did not find "nothing to do"), then the changes.
 * @example recap(summary) // 'all 3 hosts failed (master, slave, arb): nothing could be checked'
 */
export function recap(s: RunSummary): string {
  const verb = s.check ? 'would change' : 'changed';
  const failed = s.hosts.filter((h) => h.failed);
  const changes = s.changed === 0 ? (s.check ? 'nothing to do' : 'no changes') : `${s.changed} ${verb}`;
  if (!failed.length) return changes;
  const names = failed.map((h) => h.host).join(', ');
  if (failed.length === s.hosts.length) {
    const who = s.hosts.length === 1 ? 'the only host failed' : `all ${s.hosts.length} hosts failed`;
    const what = s.changed ? `${s.changed} ${verb} before that` : s.check ? 'nothing could be checked' : 'nothing was changed';
    return `${who} (${names}): ${what}`;
  }
  const others = s.changed ? `${s.changed} ${verb}` : s.check ? 'nothing to do on the others' : 'no changes on the others';
  return `${failed.length} of ${s.hosts.length} hosts failed (${names}); ${others}`;
}
