import { HactlError, NodeError } from '../core/errors.js';
import { mask } from '../core/secret.js';
import { debPackagesCommand, parseDebPackages } from '../facts/dpkg.js';
import type { Fact } from '../facts/fact.js';
import { type FileFact, fileFactsCommand, parseFileFacts } from '../facts/file.js';
import { parseServiceFact, type ServiceFact, serviceFactCommand } from '../facts/service.js';
import type { ClusterModel, NodeModel } from '../inventory/model.js';
import { renderFile } from '../render/render.js';
import { type AptOptions, aptTask } from '../tasks/apt.js';
import { type CommandOptions, commandTask } from '../tasks/command.js';
import { type FileOptions, fileTask, STAGE_MISMATCH, STAGED_PATH, VALIDATE_FAILED, withMark } from '../tasks/file.js';
import { type ServiceOptions, serviceTask } from '../tasks/service.js';
import type { FactRequest, Invalidation, TaskDef, TaskFacts, TaskPlan, TaskResult } from '../tasks/types.js';
import type { Connection, ExecOptions, ExecResult } from '../transport/types.js';
import type { EventSink } from './events.js';
import { type ChangeEntry, type GenerationRef, generationRecordCommand, generationSaveCommand } from './generation.js';
import {
  describePending,
  type PendingHandler,
  parsePending,
  pendingClearCommand,
  pendingMarkCommand,
  pendingReadCommand,
} from './pending.js';

/**
 * `H`: the names of the handlers the playbook defines (definePlaybook infers them from its
 * `handlers`), so a misspelt or missing handler is a compile error, not a run-time one.
 */
export interface Notify<H extends string = string> {
  /** handler(s) to run once at the end of the phase if this task changed something */
  notify?: H | H[];
}

export interface TemplateOptions<H extends string = string> extends Omit<FileOptions, 'content'>, Notify<H> {
  /** extra values for the template, merged over { cluster, node, vars } */
  vars?: Record<string, unknown>;
}

/**
 * Everything a playbook does to one host. Tasks read facts, plan, and (unless in check
 * mode) execute; each reports {changed, reason, diff}. Facts are cached per host.
 */
export class HostContext<H extends string = string> {
  readonly results: TaskResult[] = [];
  readonly notified = new Set<string>();
  failed?: HactlError;
  /** where this run keeps what it replaces on this node (src/runtime/generation.ts); unset: no history */
  generation?: GenerationRef;
  private readonly files = new Map<string, FileFact>();
  private packages?: Map<string, string>;
  private packagesAsked = new Set<string>();
  /** service facts by `name\0status command`, until a task changes them */
  private readonly services = new Map<string, ServiceFact>();
  /** handlers an interrupted run left pending on the node (read with the first facts) */
  private pending?: Map<string, PendingHandler>;

  constructor(
    readonly node: NodeModel,
    readonly cluster: ClusterModel,
    private readonly connection: () => Promise<Connection>,
    readonly check: boolean,
    private readonly emit: EventSink,
    readonly templateDir?: string,
  ) {}

  get name(): string {
    return this.node.name;
  }

  /** Runs a read-only command (also in check mode). Never throws on a non-zero exit. */
  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return (await this.connection()).exec(command, options);
  }

  /** Like exec, but a non-zero exit is a NodeError naming the host and showing stderr. */
  async sh(command: string, options?: ExecOptions & { what?: string }): Promise<string> {
    const r = await this.exec(command, options);
    if (r.code !== 0) {
      throw new NodeError(`${options?.what ?? `\`${command.split('\n')[0]}\``} failed (exit ${r.code})`, {
        host: this.name,
        output: mask((r.stderr || r.stdout).trim()),
      });
    }
    return r.stdout;
  }

  /**
   * Polls a fact until `done` says true (anything else: what it still waits for), bounded
   * by `timeoutS`. A wait changes nothing, so in check mode it returns at once without
   * touching the node (what it waits for does not happen in a dry run).
   * @throws NodeError naming the host, what was awaited and the last answer
   * @example await h.waitFor(CRM_MON, clusterFormed(['a', 'b']), { timeoutS: 180, what: 'the cluster to form' })
   */
  async waitFor<T>(
    fact: Fact<T>,
    done: (v: T) => true | string,
    o: { timeoutS: number; what: string; intervalMs?: number },
  ): Promise<void> {
    if (this.check) return;
    const end = Date.now() + o.timeoutS * 1000;
    for (;;) {
      const r = await this.exec(fact.command);
      const verdict = done(fact.parse(r.stdout, r.code));
      if (verdict === true) return;
      if (Date.now() >= end) {
        throw new NodeError(`waited ${o.timeoutS} s for ${o.what}: ${verdict}`, {
          host: this.name,
          output: mask((r.stderr || '').trim()) || undefined,
        });
      }
      await new Promise((res) => setTimeout(res, o.intervalMs ?? 1000));
    }
  }

  info(message: string): void {
    this.emit({ type: 'log', host: this.name, level: 'info', message });
  }
  warn(message: string): void {
    this.emit({ type: 'log', host: this.name, level: 'warn', message });
  }

  /** The node's init system, read once per run. */
  initSystem(): Promise<'systemd' | 'sysv'> {
    this.init ??= this.exec('[ -d /run/systemd/system ]').then((r) => (r.code === 0 ? 'systemd' : 'sysv'));
    return this.init;
  }
  private init?: Promise<'systemd' | 'sysv'>;

  /**
   * Reads facts for many files, packages and services (and the init system) in one round
   * trip (optional: tasks fetch what is missing lazily). A playbook that gathers up front
   * saves a round trip per task; a task that changes something drops the facts it made
   * stale (an apt install drops the file and service facts).
   * `probes` ride along: their answers (`true`: exit 0) are returned, never cached.
   * @example await h.gather({ packages: ['corosync'], files: ['/etc/corosync/corosync.conf'], services: ['corosync'] })
   */
  async gather(what: FactRequest): Promise<Map<string, boolean>> {
    return this.read(what);
  }

  /**
   * gather, and the stdout of `what.reads` (read-only commands, stderr dropped) in the same
   * round trip: a read a later step needs rides with the facts (never cached).
   * @example const { reads } = await h.gatherReads({ packages: ['pacemaker'], reads: ['crm_mon -1 --output-as=xml'] })
   */
  async gatherReads(what: FactRequest): Promise<{ probes: Map<string, boolean>; reads: Map<string, string> }> {
    const reads = new Map<string, string>();
    const probes = await this.read(what, reads);
    return { probes, reads };
  }

  /** gather, and the probes' answers (`true`: exit 0), which are never cached: each task asks afresh. */
  private async read(what: FactRequest, readOut?: Map<string, string>): Promise<Map<string, boolean>> {
    const reads = readOut ? [...new Set(what.reads ?? [])] : [];
    const probes = [...new Set(what.probes ?? [])];
    const files = (what.files ?? []).filter((f) => !this.files.has(f));
    const pkgs = (what.packages ?? []).filter((p) => !this.packagesAsked.has(p));
    const svcs = (what.services ?? [])
      .map((x) => (typeof x === 'string' ? { name: x } : x))
      .filter((x) => !this.services.has(serviceKey(x.name, x.status)));
    const init = svcs.length > 0 && !this.init;
    const pending = this.pending === undefined;
    const answers = new Map<string, boolean>();
    if (!files.length && !pkgs.length && !svcs.length && !pending && !probes.length && !reads.length) return answers;
    const sep = '@@hactl-pkgs@@';
    const readSep = '@@hactl-read@@';
    const svcSep = '@@hactl-svc@@';
    const filesSep = '@@hactl-files@@';
    const probeSep = '@@hactl-probes@@';
    const cmd = [
      pending ? pendingReadCommand() : 'true',
      `echo ${filesSep}`,
      files.length ? fileFactsCommand(files) : 'true',
      `echo ${sep}`,
      pkgs.length ? debPackagesCommand(pkgs) : 'true',
      // the services side by side (a sysv status script takes ~15 ms); each answer line is
      // tagged with its service and written whole, so they may interleave
      ...(svcs.length
        ? [
            `( ${svcs
              .map((x, i) => `( ${serviceFactCommand(x.name, x.status)}\n) | while read -r l; do echo "${svcSep}${i} $l"; done &`)
              .join('\n')}\nwait )`,
          ]
        : []),
      ...(probes.length ? [`echo ${probeSep}`] : []),
      ...probes.map((c) => `( ${c} ) >/dev/null 2>&1 && echo probe=1 || echo probe=0`),
      // the reads last, each after its own marker line (their output is anything)
      ...reads.map((c, i) => `echo ${readSep}${i}; ( ${c}\n) 2>/dev/null`),
      ...(reads.length ? ['true'] : []), // a read's exit status is not the round trip's
    ].join('; ');
    const answer = await this.sh(cmd, { what: 'reading facts' });
    const readsAt = reads.length ? answer.indexOf(`${readSep}0\n`) : -1;
    const whole = readsAt < 0 ? answer : answer.slice(0, readsAt);
    if (readsAt >= 0 && readOut) {
      const parts = answer.slice(readsAt).split(new RegExp(`^${readSep}(\\d+)\n`, 'm'));
      for (let k = 1; k + 1 < parts.length; k += 2) readOut.set(reads[Number(parts[k])]!, parts[k + 1]!);
    }
    const probeAt = probes.length ? whole.lastIndexOf(`${probeSep}\n`) : -1;
    const all = probeAt < 0 ? whole : whole.slice(0, probeAt);
    if (probeAt >= 0) {
      const lines = whole.slice(probeAt + probeSep.length + 1).split('\n');
      probes.forEach((c, i) => answers.set(c, lines[i] === 'probe=1'));
    }
    const cut = all.indexOf(filesSep + '\n');
    const out = all.slice(cut + filesSep.length + 1);
    if (pending) this.pending = parsePending(all.slice(0, Math.max(cut, 0)));
    const [fileOut = '', rest = ''] = out.split(sep + '\n');
    const svcAt = rest.indexOf(svcSep);
    const pkgOut = svcAt < 0 ? rest : rest.slice(0, svcAt);
    const svcOut = svcs.map(() => '');
    for (const m of rest.slice(Math.max(svcAt, 0)).matchAll(new RegExp(`^${svcSep}(\\d+) (.*)$`, 'gm')))
      svcOut[Number(m[1])] += `${m[2]}\n`;
    for (const [p, f] of parseFileFacts(fileOut)) this.files.set(p, f);
    if (pkgs.length) {
      this.packages ??= new Map();
      for (const [p, v] of parseDebPackages(pkgOut)) this.packages.set(p, v);
      pkgs.forEach((p) => this.packagesAsked.add(p));
    }
    svcs.forEach((x, i) => this.services.set(serviceKey(x.name, x.status), parseServiceFact(x.name, svcOut[i] ?? '')));
    if (init && svcs[0]) {
      const fact = this.services.get(serviceKey(svcs[0].name, svcs[0].status))!;
      this.init = Promise.resolve(fact.init);
    }
    return answers;
  }

  /**
   * A service's state (init system, running, enabled at boot), from the fact cache or one
   * read. `status`: the command that says it runs where there is no systemd. Read-only.
   * @example (await h.serviceFact('corosync')).running
   */
  async serviceFact(name: string, status?: string): Promise<ServiceFact> {
    await this.gather({ services: [{ name, status }] });
    return this.services.get(serviceKey(name, status))!;
  }

  /**
   * What the node has at `path` (stat, sha256, content up to 256 KiB), from the fact cache
   * or one read. Read-only; never printed (the content may be a key).
   */
  async fileFact(path: string): Promise<FileFact> {
    await this.gather({ files: [path] });
    return this.files.get(path)!;
  }

  /**
   * Runs a task (src/tasks/): gathers its facts in one round trip, plans, executes the steps
   * (in check mode: only reports them) with the pending-handler and generation records, and
   * drops the facts the change made stale. A new task is a TaskDef beside its planner; nothing here.
   * @example await h.run(aptTask, { packages: ['corosync'], notify: 'restart corosync' })
   */
  async run<O extends object>(def: TaskDef<O>, o: O & Notify<H>): Promise<TaskResult> {
    return this.task(
      def.name(o),
      o,
      async (mark) => {
        const req = def.facts(o);
        const empty = !req.files?.length && !req.packages?.length && !req.services?.length && !req.probes?.length;
        const facts = this.factsView(empty ? new Map() : await this.read(req));
        // the generation keeps the file as it was, in the same script, just before the change
        const keep = mark && this.generation ? def.keeps?.(facts, o) : undefined;
        const save = keep && this.generation ? generationSaveCommand(this.generation, keep.path, keep.private) : undefined;
        if (def.marksItself) return def.plan(facts, o, [mark, save].filter(Boolean).join('\n') || undefined);
        const p = def.plan(facts, o);
        return save ? { ...p, steps: withMark(p.steps, save) } : p;
      },
      () => this.invalidate(def.invalidates?.(o)),
      def.marksItself,
      def.entry?.(o),
    );
  }

  /** Installs the packages that are missing (one apt-get for all of them). */
  async apt(packages: string[], options: AptOptions & Notify<H> = {}): Promise<TaskResult> {
    return this.run(aptTask, { ...options, packages });
  }

  /** Manages a file's content, mode and owner; atomic, validated, backed up. */
  async file(path: string, options: FileOptions & Notify<H>): Promise<TaskResult> {
    return this.run(fileTask, { ...options, path });
  }

  /** Renders a handlebars template (strict) and manages the result as a file. */
  async template(src: string, dest: string, options: TemplateOptions<H> = {}): Promise<TaskResult> {
    const data = { cluster: this.cluster, node: this.node, vars: { ...this.cluster.vars, ...this.node.vars }, ...options.vars };
    const content = renderFile(src, data, this.templateDir);
    return this.file(dest, { ...options, content });
  }

  /**
   * Renders a template to a string (same data as {@link template}), for a task that needs
   * the content itself rather than a file.
   * @example const xml = h.render('pacemaker/resources.xml.hbs', view)
   */
  render(src: string, vars: Record<string, unknown> = {}): string {
    return renderFile(
      src,
      { cluster: this.cluster, node: this.node, vars: { ...this.cluster.vars, ...this.node.vars }, ...vars },
      this.templateDir,
    );
  }

  /**
   * A task the playbook planned itself from facts it read (e.g. the owned-element CIB
   * patch): reported, and in check mode only shown, like any other task.
   * @example await h.change('apply the CIB', { changed: true, reason: 'replace 1', steps: [{ command: 'sh -s', stdin: script }], diff })
   */
  async change(name: string, plan: TaskPlan, options: Notify<H> = {}): Promise<TaskResult> {
    return this.task(name, options, async () => plan);
  }

  /** Brings a service to the wanted state. */
  async service(name: string, options: ServiceOptions & Notify<H>): Promise<TaskResult> {
    return this.run(serviceTask, { ...options, service: name });
  }

  /** Runs a command unless its guard (creates / unless / onlyIf) says it is done. */
  async command(command: string, options: CommandOptions & Notify<H> = {}): Promise<TaskResult> {
    return this.run(commandTask, { ...options, command });
  }

  /** Marks a handler to run at the end of the current phase. */
  notify(handler: H): void {
    this.notified.add(handler);
  }

  /**
   * Handlers an interrupted run left pending on this node that no task of this run has
   * taken up yet (read with the first facts round trip; empty before it).
   */
  pendingHandlers(): PendingHandler[] {
    return [...(this.pending?.values() ?? [])];
  }

  /** Reads the pending handlers now if no facts were read yet (one round trip, once). */
  async readPending(): Promise<PendingHandler[]> {
    if (this.pending === undefined) await this.gather({});
    return this.pendingHandlers();
  }

  /** After a handler ran: its record on the node goes (it may have been pending). */
  async handlerRan(handler: string): Promise<void> {
    this.pending?.delete(handler);
    await this.sh(pendingClearCommand(handler), { what: `clearing the pending record of ${handler}` });
  }

  /**
   * Takes up a pending handler no task of this run notified (the end-of-run sweep): it runs
   * (or, in check mode, is reported) like one a task notified.
   */
  takePending(handler: string): TaskResult {
    const p = this.pending?.get(handler);
    this.pending?.delete(handler);
    this.notified.add(handler);
    const result: TaskResult = {
      task: `handler ${handler}`,
      host: this.name,
      changed: true,
      checkOnly: this.check,
      ms: 0,
      reason: `pending handler from an interrupted run: ${p ? describePending(p) : handler}`,
      pending: [handler],
    };
    this.results.push(result);
    this.emit({ type: 'task:end', result });
    return result;
  }

  /** The cached facts as a task's planner reads them (gathered just before), and the probes' answers. */
  private factsView(probes: Map<string, boolean>): TaskFacts {
    return {
      file: (path) => this.files.get(path)!,
      packages: this.packages ?? new Map(),
      service: (name, status) => this.services.get(serviceKey(name, status))!,
      probe: (command) => probes.get(command) ?? false,
    };
  }

  /** Drops the cached facts a change made stale. */
  private invalidate(x: Invalidation | undefined): void {
    if (!x) return;
    if (x.files === 'all') this.files.clear();
    else x.files?.forEach((f) => this.files.delete(f));
    x.packages?.forEach((p) => this.packagesAsked.delete(p));
    if (x.services === 'all') this.services.clear();
    else x.services?.forEach((v) => this.services.delete(serviceKey(v.name, v.status)));
  }

  /**
   * Plan → (execute) → report. A failure becomes a NodeError naming this host. A task that
   * notifies handlers records them as pending on the node in its own first round trip
   * (`mark`; a task that `marksItself` puts it where it belongs, e.g. before a file's swap),
   * and takes up the handlers an interrupted run left pending even when it changes nothing.
   */
  private async task(
    name: string,
    n: Notify,
    plan: (mark?: string) => Promise<TaskPlan>,
    invalidate?: () => void,
    marksItself = false,
    entry: Partial<ChangeEntry> = {},
  ): Promise<TaskResult> {
    const t0 = Date.now();
    this.emit({ type: 'task:start', host: this.name, task: name });
    const base = { task: name, host: this.name };
    const handlers = [n.notify ?? []].flat();
    let result: TaskResult;
    try {
      // in the change's own first round trip: the pending handlers, then this run's generation record
      const gen =
        this.generation && !this.check ? generationRecordCommand(this.generation, { task: name, ...entry, notify: handlers }) : undefined;
      const mark =
        [handlers.length && !this.check ? pendingMarkCommand(handlers, name) : undefined, gen].filter(Boolean).join('\n') || undefined;
      const p = await plan(mark);
      // usually read already, with the facts the plan gathered (a task that gathers none: one trip)
      if (handlers.length) await this.readPending();
      if (p.changed && !this.check) {
        const steps = marksItself ? p.steps : withMark(p.steps, mark);
        for (const step of steps) await this.runStep(name, step.command, step.stdin);
        invalidate?.();
      }
      const pending = handlers.map((h) => this.pending?.get(h)).filter((x): x is PendingHandler => Boolean(x));
      pending.forEach((x) => this.pending?.delete(x.handler));
      const reason =
        p.changed || !pending.length ? p.reason : `pending handler from an interrupted run: ${pending.map(describePending).join(', ')}`;
      const changed = p.changed || pending.length > 0;
      result = { ...base, changed, reason, diff: p.diff, checkOnly: this.check && changed, ms: Date.now() - t0 };
      if (pending.length) result.pending = pending.map((x) => x.handler);
      if (p.changed) handlers.forEach((h) => this.notified.add(h));
      pending.forEach((x) => this.notified.add(x.handler));
    } catch (err) {
      const e = err instanceof HactlError ? err : new NodeError((err as Error).message, { host: this.name });
      const output = e instanceof HactlError && e.details.output ? `\n${e.details.output}` : '';
      result = { ...base, changed: false, reason: e.message, failed: true, error: mask(e.message + output), ms: Date.now() - t0 };
      this.results.push(result);
      this.emit({ type: 'task:end', result });
      throw e;
    }
    this.results.push(result);
    this.emit({ type: 'task:end', result });
    return result;
  }

  private async runStep(task: string, command: string, stdin?: string | Buffer): Promise<void> {
    const r = await this.exec(command, { stdin });
    if (r.code === 0) return killedForTests(task);
    // name the real file, not the staged temp copy the validator saw
    const output = mask((r.stderr || r.stdout).trim()).replace(STAGED_PATH, '$1/$2 (new)');
    if (r.code === STAGE_MISMATCH) {
      const path = task.replace(/^file /, '');
      throw new NodeError(
        `the new ${path} did not arrive whole on ${this.name} (connection cut mid-transfer?); the old file is untouched`,
        {
          host: this.name,
          output,
          hint: 're-run: the file is sent again',
        },
      );
    }
    if (r.code === VALIDATE_FAILED) {
      throw new NodeError(`validation refused the new ${task.replace(/^file /, '')}; the old file is untouched`, {
        host: this.name,
        output,
      });
    }
    throw new NodeError(`${task} failed (exit ${r.code})`, { host: this.name, output });
  }
}

/**
 * Test-only (the lab tests of interrupted runs): HACTL_TEST_KILL_AFTER_SWAP=PATH kills this
 * process (SIGKILL, as `kill -9`) right after PATH was swapped in, before its handler runs.
 */
function killedForTests(task: string): void {
  const path = process.env.HACTL_TEST_KILL_AFTER_SWAP;
  if (path && task === `file ${path}`) process.kill(process.pid, 'SIGKILL');
}

const serviceKey = (name: string, status?: string): string => `${name}\0${status ?? ''}`;
