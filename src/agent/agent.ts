// A running agent: an event source (the live sensor or a capture) feeding the state, the rules
// engine and the outputs, with reload, drop reports and one metrics registry. `saker run` and
// `saker replay` are thin shells around it; the web server drives it through AgentHandle.
//
//   const agent = new Agent({ config, source: { live: {} } });
//   await agent.start();          // rules loaded, /proc read, sensor attached
//   ...
//   await agent.reload();         // SIGHUP: new rules, or the old ones kept with the error
//   const summary = await agent.stop();
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { EventView } from '../events/index.js';
import { LiveSource, type LiveSourceOptions } from '../capture/live/index.js';
import { prefilterCommands, ringSizes, selectSyscalls } from '../capture/live/index.js';
import { ScapFileSource } from '../capture/scap/index.js';
import type { EventSink, EventSource, SourceCounters } from '../capture/index.js';
import type { Config } from '../config/index.js';
import { Metrics } from '../metrics/index.js';
import { createOutputs, type Outputs } from '../outputs/index.js';
import type { Alert } from '../outputs/index.js';
import { internalAlert } from '../outputs/index.js';
import { exactPathsOf } from '../filter/index.js';
import { deriveOpenPrefilter, formatPriority, parsePriority } from '../rules/index.js';
import type { LoadedRules, Ruleset } from '../rules/index.js';
import { loadScapTables } from '../state/index.js';
import { State, type StateBounds, type StateOptions } from '../state/index.js';
import type { EventContext } from '../state/index.js';
import type { RenderOptions } from '../events/index.js';
import { liveCoverage } from './live-coverage.js';
import type { ContainerRuntimes } from '../runtimes/index.js';
import { Engine } from './engine.js';
import { EventErrors } from './event-errors.js';
import type { AgentHandle, AgentPhase, AgentStatus, ReloadOutcome, RuleSummary } from './handle.js';
import { loadRunnableRules, rulesPaths, type PreparedRules } from './rules-files.js';
import { policyPaths } from '../policy/index.js';
import { PolicyRuntime } from '../policy/index.js';
import type { EventExporter } from '../policy/index.js';

export interface AgentOptions {
  config: Config;
  /** -r paths; default the configuration's rules_files, else the built-in rules. */
  rules?: readonly string[];
  /** Where events come from: the live sensor, or a capture file replayed. */
  source: { live: Partial<LiveSourceOptions> } | { capture: string };
  /** Operational messages (default: none). */
  log?: (message: string) => void;
  /** Where stdout_output writes (default fd 1, written asynchronously). */
  stdout?: NodeJS.WritableStream;
  /** Where remote destinations spool what they could not deliver (default: the configuration's
   *  state_dir; none: no spool, a destination down loses what its queue cannot hold, counted). */
  stateDir?: string;
  /** How evt.arg.* / evt.args render byte buffers (default whole, as Falco). */
  argRender?: RenderOptions;
  /** State options beyond what the source decides (tests: procRoot, containerLookup ...). */
  state?: StateOptions;
  /** Live: how often the kernel counters are read and new drops reported (default 10 s). */
  dropCheckMs?: number;
  /** Re-reads the configuration at each reload (Falco's full reload on SIGHUP or a changed
   *  file); throws ConfigError on a bad file, which keeps the running configuration. */
  reloadConfig?: () => Config;
  /** Live: restart the sensor when it dies, waiting initialDelayMs, doubling up to maxDelayMs
   *  (default 500 ms .. 30 s, attempts unlimited); false to end the agent instead. */
  restart?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number } | false;
  /** --policy paths (default: the configuration's `policies`): Tetragon TracingPolicies, live only. */
  policies?: readonly string[];
  /** Where Tetragon-format events go (saker run --export). */
  exporter?: EventExporter;
  /** Rules loaded ahead by the CLI's start-up snapshot, used by the first load when they match. */
  preparedRules?: PreparedRules;
}

/** The rules could not be loaded (a file with errors, an unmet plugin requirement). */
export class RulesLoadError extends Error {
  override name = 'RulesLoadError';
}

export interface AgentSummary {
  events: number;
  /** Alerts per rule, in the order the rules first fired. */
  byRule: Array<[rule: string, alerts: number]>;
  alerts: number;
  drops: number;
  /** Events whose processing threw (counted, logged, skipped). */
  eventErrors: number;
}

const SAKER_VERSION = '0.1.0';

export class Agent implements AgentHandle {
  readonly metrics = new Metrics();
  readonly state: State;
  private src: EventSource;
  /** Live: the container runtimes' APIs feeding the state's containers (none when the caller set a
   *  lookup). Loaded by start(): their clients (gRPC, protobuf, undici) cost every other command
   *  a quarter of a second at start-up. */
  private runtimes: ContainerRuntimes | undefined;
  private cfg: Config;
  private paths: string[];
  private reloadFailures = 0;
  private readonly log: (message: string) => void;
  private readonly outputs: Outputs;
  private engine: Engine | undefined;
  private loaded: LoadedRules<EventContext> | undefined;
  private phase: AgentPhase = 'starting';
  private startedAt = 0;
  private lastReload: ReloadOutcome | undefined;
  private reloading: Promise<ReloadOutcome> | undefined;
  private readonly listeners = new Set<(a: Alert) => void>();
  private readonly errors: EventErrors;
  private dropTimer: NodeJS.Timeout | undefined;
  private reportedDrops = 0;
  private rulesHashes: Array<{ file: string; sha256: string }> = [];
  private sink: EventSink | undefined;
  /** Counters of the sources replaced by restarts, added to the current one's. */
  private before: SourceCounters = { delivered: 0, drops: 0, dropsByReason: {}, perCpu: [] };
  private restarts = 0;
  /** The live sensor died and is being restarted. */
  private sensorDown = false;
  private gapNs = 0;
  private readonly done: Promise<void>;
  private settle!: (err?: Error) => void;
  /** TracingPolicies and their sensor, when policies are configured (live only). */
  readonly policy: PolicyRuntime | undefined;

  constructor(private readonly opts: AgentOptions) {
    this.cfg = opts.config;
    this.paths = rulesPaths(this.cfg, opts.rules);
    this.log = opts.log ?? (() => {});
    const live = 'live' in opts.source;
    this.state = new State({
      ...(live ? { live: true } : { hostUsers: false, containerLookup: false }),
      ...libsOptions(this.cfg),
      ...opts.state,
      fields: { argRender: opts.argRender },
    });
    this.src = 'live' in opts.source ? this.newLiveSource([]) : new ScapFileSource(opts.source.capture, { numbering: 'delivered' });
    this.done = new Promise((resolve, reject) => {
      this.settle = (err?: Error) => (err === undefined ? resolve() : reject(err));
    });
    this.done.catch(() => {});
    this.outputs = createOutputs(this.cfg, { metrics: this.metrics, log: this.log, stdout: opts.stdout, stateDir: opts.stateDir });
    this.errors = new EventErrors(this.log);
    const policies = policyPaths(this.cfg, opts.policies);
    if (policies.length > 0 && live) this.policy = new PolicyRuntime({ paths: policies, processes: this.state, log: this.log, exporter: opts.exporter, procRoot: opts.state?.procRoot });
    this.registerMetrics();
  }

  /** Loads the rules without starting anything (`--dry-run`, and the first step of start()).
   *  Throws RulesLoadError with Falco's report of what failed. */
  async prepare(): Promise<{ enabledRules: number; paths: readonly string[]; syscalls: string[] }> {
    if (!this.loaded) {
      const rules = await loadRunnableRules(this.cfg, this.paths, this.opts.preparedRules);
      if (!rules.ok) throw new RulesLoadError(rules.error);
      this.policy?.prepare(); // PolicyLoadError: the policies' problems, file:line:column
      this.install(rules.loaded);
    }
    return { enabledRules: this.loaded!.ruleset.enabledCount, paths: this.paths, syscalls: this.syscallSet(this.loaded!.ruleset) };
  }

  /** Loads the rules, seeds the state and starts the source; resolves once events flow. */
  async start(): Promise<void> {
    const { syscalls } = await this.prepare();
    const engine = this.engine!;
    if (this.source instanceof LiveSource) {
      if (this.opts.state?.containerLookup === undefined) {
        const { ContainerRuntimes, runtimesConfig } = await import('../runtimes/index.js');
        this.runtimes = new ContainerRuntimes(runtimesConfig(this.cfg.raw), { log: this.log });
        this.runtimes.register(this.metrics);
        // Before the /proc scan, so the containers it finds are asked about at once.
        await this.runtimes.start();
        this.log(this.runtimes.summary());
        this.runtimes.attach(this.state.containers);
      }
      const scan = this.state.bootstrapFromProc();
      this.log(`process table: ${scan.processes} processes, ${scan.threads} threads, ${scan.fds} fds (${scan.durationMs.toFixed(0)} ms)`);
      this.state.hostNames.start();
      await this.source.setSyscalls(syscalls);
      await this.source.setPrefilter(this.prefilterFor(this.loaded!.ruleset));
    }
    const state = this.state;
    const errors = this.errors;
    const policy = this.policy;
    this.sink = {
      tables: (t) => loadScapTables(state, t),
      event: policy ? (evt: EventView) => {
        try {
          policy.before(evt);
          engine.process(evt);
          policy.after(evt);
        } catch (e) {
          errors.record(evt, e);
        }
      } : (evt: EventView) => {
        try {
          engine.process(evt);
        } catch (e) {
          errors.record(evt, e);
        }
      },
    };
    try {
      await this.source.start(this.sink);
    } catch (e) {
      this.phase = 'failed';
      this.runtimes?.close();
      state.close();
      throw e;
    }
    if (policy) {
      try {
        await policy.start([process.pid]); // the agent and its children (the capture sensor) are never acted on
      } catch (e) {
        this.phase = 'failed';
        await this.source.stop();
        state.close();
        throw e;
      }
    }
    this.phase = 'running';
    this.startedAt = Date.now();
    if (this.source instanceof LiveSource) {
      this.log(this.source.compat
        ? 'kernel: 32-bit (compat) syscalls accepted; the sensor translates them to their 64-bit events'
        : 'kernel: 32-bit (compat) syscalls not accepted (no IA32 emulation): none to see');
      if (!this.source.ioUring) this.log('kernel: no io_uring tracepoints; opens and connects submitted through io_uring are not seen');
      if (!this.source.selfExcluded) this.log('sensor: its host pid is unknown (a pid namespace of its own without the host\'s /proc under HOST_ROOT): its own events are not excluded');
      if (this.source.readerNote) this.log(`sensor: its loader reads the rings (${this.source.readerNote})`);
      this.log(`ready: capturing with ${this.source.attach} (${syscalls.length} syscalls)`);
      this.dropTimer = setInterval(() => this.reportDrops(), this.opts.dropCheckMs ?? 10_000);
      this.dropTimer.unref();
    }
    this.watch(this.source);
  }

  /** The current event source (a restart replaces the live one). */
  get source(): EventSource {
    return this.src;
  }

  /** Settles when the agent ends by itself: a capture read to its end (resolves), a capture's
   *  fault or a sensor that died and could not be restarted (rejects with the ScapFormatError /
   *  SensorError). stop() resolves it. */
  get ended(): Promise<void> {
    return this.done;
  }

  private watch(source: EventSource): void {
    source.ended.then(() => {
      if (this.phase === 'running') this.phase = 'stopped';
      this.settle();
    }, (err: unknown) => {
      if (this.phase !== 'running' || source !== this.src) return;
      if (source instanceof LiveSource && this.opts.restart !== false) void this.restartSensor(err as Error);
      else {
        this.phase = 'failed';
        this.settle(err as Error);
      }
    });
  }

  /**
   * The sensor died: a new one is started with backoff, the process table read again from /proc
   * (what happened meanwhile was not seen), and the gap reported as an alert and a metric. Only
   * when the attempts run out does the agent end.
   */
  private async restartSensor(err: Error): Promise<void> {
    const policy = this.opts.restart || {};
    const failedAt = process.hrtime.bigint();
    const dead = this.src as LiveSource;
    this.sensorDown = true;
    const syscalls = dead.syscallList;
    this.accumulate(dead.counters());
    let delay = policy.initialDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      this.log(`sensor failed: ${err.message}; restarting it in ${delay} ms (attempt ${attempt})`);
      await new Promise((r) => setTimeout(r, delay));
      if (this.phase !== 'running') return;
      const next = this.newLiveSource(syscalls);
      this.src = next;
      try {
        this.state.bootstrapFromProc();
        await next.start(this.sink!);
      } catch (e) {
        err = e as Error;
        if (attempt >= (policy.maxAttempts ?? Infinity)) {
          this.phase = 'failed';
          this.settle(e as Error);
          return;
        }
        delay = Math.min(delay * 2, policy.maxDelayMs ?? 30_000);
        continue;
      }
      break;
    }
    this.sensorDown = false;
    if (this.phase !== 'running') {
      await this.src.stop(); // stopped while the new sensor started
      return;
    }
    this.restarts++;
    const gapNs = process.hrtime.bigint() - failedAt;
    this.gapNs += Number(gapNs);
    this.log(`sensor restarted: capturing with ${(this.src as LiveSource).attach} again after a gap of ${(Number(gapNs) / 1e6).toFixed(0)} ms`);
    this.deliver(internalAlert({
      rule: 'Saker internal: event capture gap', priority: 2,
      message: `Events were not captured for ${(Number(gapNs) / 1e6).toFixed(0)} ms: the sensor failed (${err.message}) and was restarted`,
      fields: { 'saker.gap_ns': gapNs, 'saker.sensor_restarts': this.restarts, 'saker.reason': err.message },
    }, { isoTime: this.cfg.timeFormatIso8601, hostname: this.state.scope.hostname }));
    this.watch(this.src);
  }

  private newLiveSource(syscalls: string[]): LiveSource {
    const live = 'live' in this.opts.source ? this.opts.source.live : {};
    const snaplen = this.cfg.libs.snaplen;
    const rings = ringSizes(this.cfg.buffers, availableParallelism());
    return new LiveSource({ statsIntervalMs: this.opts.dropCheckMs ?? 10_000, ...(snaplen === undefined ? {} : { snaplen }), ...rings, ...live, syscalls });
  }

  private accumulate(c: SourceCounters): void {
    addSourceCounters(this.before, c);
  }

  /** The counters of every source this agent had, restarts included. */
  private counters(): SourceCounters {
    const total: SourceCounters = { delivered: 0, drops: 0, dropsByReason: {}, perCpu: [] };
    addSourceCounters(total, this.before);
    addSourceCounters(total, this.src.counters());
    return total;
  }

  /** SIGUSR1: files reopened (log rotation), programs restarted. */
  reopenOutputs(): void {
    this.outputs.reopen();
  }

  /** Stops the source, flushes the outputs and releases the state. */
  async stop(): Promise<AgentSummary> {
    if (this.phase === 'running' || this.phase === 'starting') this.phase = 'stopping';
    clearInterval(this.dropTimer);
    // The source first: its exec events still reach the policy runtime's exporter, which the
    // runtime closes when it stops.
    await this.src.stop();
    if (this.policy) {
      await this.policy.stop();
      for (const p of this.policy.stats()) {
        this.log(`policy ${p.policy} (${p.mode}): ${p.posted} events, ${p.enforced} enforced, ${p.monitored} monitored, ${p.rateLimited} rate-limited, ${p.drops} dropped`);
      }
      const lost = this.policy.followChildrenLost();
      if (lost > 0) this.log(`policies: ${lost} processes not followed for followChildren (the kernel's table of followed processes was full)`);
      const missed = this.policy.overridesMissed();
      if (missed > 0) this.log(`policies: ${missed} calls an Override selector matched went ahead (no cgroup BPF hook on their path: another socket family, a send without an address); their events say KPROBE_ACTION_POST`);
    }
    this.settle();
    await this.outputs.close();
    if (this.runtimes) {
      const unknown = this.state.containers.stats.unknownIds;
      this.log(`container lookups: ${this.runtimes.countsText()}; ${unknown} cgroup${unknown === 1 ? '' : 's'} named like a container id under no runtime`);
      this.runtimes.close();
    }
    this.state.close();
    if (this.phase === 'stopping') this.phase = 'stopped';
    return {
      events: await this.metrics.value('saker_engine_events_total'),
      byRule: [...(this.engine?.stats.byRule ?? [])],
      alerts: await this.metrics.value('saker_alerts_total'),
      drops: await this.metrics.value('falcosecurity_scap_n_drops_total'),
      eventErrors: await this.metrics.value('saker_engine_event_errors_total'),
    };
  }

  /** Re-reads the rules files (SIGHUP). A bad file keeps the old rules running; a live sensor's
   *  syscall set follows the new rules, and if it cannot, the old rules stay too. */
  reload(): Promise<ReloadOutcome> {
    // reloads asked for while one runs share its outcome
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async doReload(): Promise<ReloadOutcome> {
    const at = Date.now();
    const fail = (error: string): ReloadOutcome => {
      this.reloadFailures++;
      this.lastReload = { at, ok: false, error, enabledRules: this.loaded?.ruleset.enabledCount ?? 0 };
      this.log(`reload failed, keeping the previous rules:\n${error}`);
      return this.lastReload;
    };
    let next;
    let cfg = this.cfg;
    let paths = this.paths;
    try {
      if (this.opts.reloadConfig) {
        cfg = this.opts.reloadConfig();
        paths = rulesPaths(cfg, this.opts.rules);
      }
      next = await loadRunnableRules(cfg, paths);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (!next.ok) return fail(next.error);
    // Falco's full reload: outputs follow the new configuration too (rebuilt only if their part
    // changed). A destination that cannot be built fails the reload; the old outputs run on.
    let outputsRebuilt;
    try {
      outputsRebuilt = await this.outputs.reconfigure(cfg);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (this.policy && this.phase === 'running') await this.policy.reload();
    if (this.source instanceof LiveSource && this.phase === 'running') {
      try {
        // off while the rules change: what the old rules let stay may matter to the new ones
        await this.source.setPrefilter(['prefilter off']);
        await this.source.setSyscalls(this.syscallSet(next.loaded.ruleset, cfg));
        await this.source.setPrefilter(this.prefilterFor(next.loaded.ruleset, cfg));
      } catch (e) {
        if (outputsRebuilt) await this.outputs.reconfigure(this.cfg).catch((again: Error) => this.log(`outputs: back to the previous configuration failed: ${again.message}`));
        return fail(`the sensor did not take the new syscall set: ${(e as Error).message}`);
      }
    }
    if (outputsRebuilt) this.log('reloaded: outputs rebuilt for the new configuration');
    this.cfg = cfg;
    this.paths = paths;
    this.install(next.loaded);
    this.lastReload = { at, ok: true, enabledRules: next.loaded.ruleset.enabledCount };
    this.log(`reloaded: ${next.loaded.ruleset.enabledCount} enabled rules`);
    return this.lastReload;
  }

  status(): AgentStatus {
    const c = this.counters();
    const live = this.source instanceof LiveSource ? this.source : undefined;
    return {
      phase: this.phase,
      source: this.source.kind,
      startedAt: this.startedAt,
      sensor: live && { attach: live.attach, syscalls: live.syscalls, alive: this.phase === 'running' && !this.sensorDown },
      events: this.engine?.stats.events ?? 0,
      alerts: this.engine?.stats.matches ?? 0,
      drops: c.drops,
      enabledRules: this.loaded?.ruleset.enabledCount ?? 0,
      lastReload: this.lastReload,
    };
  }

  rules(): RuleSummary[] {
    const ruleset = this.loaded?.ruleset;
    if (!ruleset) return [];
    const hits = this.engine?.stats.byRule;
    return (this.loaded?.compiled?.rules ?? []).map((r) => ({
      name: r.name, priority: formatPriority(r.priority), enabled: ruleset.isEnabled(r), tags: r.tags, source: r.source, hits: hits?.get(r.name) ?? 0,
    }));
  }

  /** An alert of the agent's own (Falco's internal source: drop reports, metrics snapshots),
   *  delivered like a rule's: to the outputs and to every onAlert listener. */
  raiseInternal(alert: Alert): void {
    this.deliver(alert);
  }

  /** The rules files currently loaded (what watch_config_files watches besides the configuration). */
  get rulesPaths(): readonly string[] {
    return this.paths;
  }

  onAlert(listener: (alert: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The loaded rules (for list and the server), once prepared. */
  get rulesLoaded(): LoadedRules<EventContext> | undefined {
    return this.loaded;
  }

  /** Syscalls to capture: what enabled rules can match, plus what state tracking needs (as
   *  `base_syscalls` says); what the selection leaves out is logged. */
  private syscallSet(ruleset: Ruleset<EventContext>, cfg: Config = this.cfg): string[] {
    const coverage = liveCoverage(ruleset);
    for (const w of coverage.warnings) this.log(`warning: ${w}`);
    const s = selectSyscalls(coverage.eventTypes, cfg.baseSyscalls);
    if (s.invalid.length > 0) this.log(`base_syscalls.custom_set: not syscalls the sensor captures, ignored: ${s.invalid.join(', ')}`);
    if (s.removedFromRules.length > 0) {
      this.log(`base_syscalls.custom_set removes syscalls the rules match, so those rules cannot fire on them: ${s.removedFromRules.join(', ')}`);
    }
    return s.syscalls;
  }

  /** The sensor's open prefilter for these rules (sensor/README.md "Prefilter"), logged: its
   *  commands, or ['prefilter off'] when the configuration or the rules rule it out. */
  private prefilterFor(ruleset: Ruleset<EventContext>, cfg: Config = this.cfg): string[] {
    if (!cfg.prefilter) {
      this.log('prefilter: off (prefilter.enabled=true turns it on)');
      return ['prefilter off'];
    }
    const d = deriveOpenPrefilter(ruleset.enabledRules());
    if ('off' in d) {
      this.log(`prefilter: off, ${d.off}`);
      return ['prefilter off'];
    }
    this.log(`prefilter: opens no rule can care about stay in the kernel${d.table.closes ? ', and their closes' : ''} (${d.terms} terms, ${d.table.paths.length} path entries)`);
    return prefilterCommands(d.table);
  }

  private install(loaded: LoadedRules<EventContext>): void {
    this.loaded = loaded;
    // Only a live state watches files; a replay's rules compile as its events need them.
    if (this.state.live) this.state.watchFiles(exactPaths(loaded.ruleset));
    this.rulesHashes = this.hashRulesFiles();
    this.registerMatches();
    if (this.engine) this.engine.swap(loaded.ruleset);
    else this.engine = new Engine(loaded.ruleset, this.state, (a) => this.deliver(a), { isoTime: this.cfg.timeFormatIso8601, hostname: this.state.scope.hostname });
  }

  /** Falco's rules_matches_total: per rule, its priority and source, and a tag_<tag>="true" label
   *  per tag; the label names follow the loaded rules' tags, so each load registers it anew. */
  private registerMatches(): void {
    const tagLabel = (tag: string) => `tag_${tag.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const rules = this.loaded?.compiled?.rules ?? [];
    const tagLabels = [...new Set(rules.flatMap((r) => r.tags.map(tagLabel)))];
    this.metrics.counter({
      name: 'falcosecurity_falco_rules_matches_total', help: 'https://falco.org/docs/metrics/ Alerts by rule.',
      labelNames: ['rule_name', 'priority', 'source', ...tagLabels], replace: true,
      read: () => this.rules().filter((r) => r.hits > 0).map((r) => {
        const labels: Record<string, string> = { rule_name: r.name, priority: String(parsePriority(r.priority) ?? r.priority), source: r.source };
        for (const t of r.tags) labels[tagLabel(t)] = 'true';
        return { labels, value: r.hits };
      }),
    });
  }

  /** The rules files as loaded, with their hashes (Falco's sha256_rules_files_info). */
  private hashRulesFiles(): Array<{ file: string; sha256: string }> {
    return [...this.loaded!.contents].map(([file, text]) => ({ file, sha256: createHash('sha256').update(text).digest('hex') }));
  }

  private deliver(a: Alert): void {
    this.outputs.write(a);
    for (const l of this.listeners) l(a);
  }

  private reportDrops(): void {
    const c = this.counters();
    if (c.drops <= this.reportedDrops) return;
    const parts = Object.entries(c.dropsByReason).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`);
    this.log(`${c.drops - this.reportedDrops} events dropped by the kernel (${parts.length ? parts.join(' ') : 'ring buffer full'})`);
    this.reportedDrops = c.drops;
  }

  private registerMetrics(): void {
    const m = this.metrics;
    const source = { counters: () => this.counters() };
    const engine = () => this.engine?.stats;
    m.counter({ name: 'saker_engine_events_total', help: 'Events processed by the state and the rules.', read: () => engine()?.events ?? 0 });
    m.counter({ name: 'saker_alerts_total', help: 'Alerts raised.', read: () => engine()?.matches ?? 0 });
    m.counter({ name: 'saker_engine_event_errors_total', help: 'Events whose processing threw (skipped, logged).', read: () => this.errors.count });
    m.counter({
      name: 'falcosecurity_scap_n_evts_total', help: 'https://falco.org/docs/metrics/ Events the source captured (delivered and dropped).',
      read: () => {
        const c = source.counters();
        return c.delivered + c.drops;
      },
    });
    m.counter({ name: 'falcosecurity_scap_n_drops_total', help: 'https://falco.org/docs/metrics/ Events lost in the kernel.', read: () => source.counters().drops });
    const perCpu = (read: (x: { events: number; drops: number }) => number) => () => (source.counters().perCpu ?? []).map((x, cpu) => ({ labels: { cpu: String(cpu) }, value: read(x) }));
    m.counter<'cpu'>({ name: 'falcosecurity_scap_n_evts_cpu_total', help: 'https://falco.org/docs/metrics/ Events the kernel probes emitted on each CPU (delivered and dropped).', labelNames: ['cpu'], read: perCpu((x) => x.events) });
    m.counter<'cpu'>({ name: 'falcosecurity_scap_n_drops_cpu_total', help: 'https://falco.org/docs/metrics/ Events lost on each CPU.', labelNames: ['cpu'], read: perCpu((x) => x.drops) });
    m.counter<'drop' | 'dir'>({
      name: 'falcosecurity_scap_n_drops_buffer_total', help: 'https://falco.org/docs/metrics/ Events lost because a ring buffer was full, by event family.',
      labelNames: ['drop', 'dir'],
      read: () => Object.entries(source.counters().dropsByReason)
        .filter(([k]) => k.startsWith('full_'))
        .map(([k, value]) => ({ labels: { drop: k.slice(5), dir: 'exit' }, value })),
    });
    m.counter({
      name: 'falcosecurity_scap_n_drops_scratch_map_total', help: 'https://falco.org/docs/metrics/ Events lost for want of scratch space.',
      read: () => source.counters().dropsByReason.no_scratch ?? 0,
    });
    m.gauge({ name: 'falcosecurity_falco_reload_timestamp_nanoseconds', help: 'https://falco.org/docs/metrics/ When the rules were last reloaded.', read: () => (this.lastReload?.ok ? this.lastReload.at * 1e6 : 0) });
    m.counter({ name: 'saker_reload_failures_total', help: 'Reloads that failed (the previous rules kept running).', read: () => this.reloadFailures });
    m.gauge({ name: 'falcosecurity_falco_start_timestamp_nanoseconds', help: 'https://falco.org/docs/metrics/ When capture started.', read: () => this.startedAt * 1e6 });
    m.gauge<'version'>({ name: 'falcosecurity_falco_version_info', help: 'https://falco.org/docs/metrics/ Saker version.', labelNames: ['version'], read: () => [{ labels: { version: SAKER_VERSION }, value: 1 }] });
    m.gauge<'file_name' | 'sha256'>({
      name: 'falcosecurity_falco_sha256_rules_files_info', help: 'https://falco.org/docs/metrics/ Rules files loaded and their hashes.',
      labelNames: ['file_name', 'sha256'], read: () => this.rulesHashes.map((h) => ({ labels: { file_name: h.file, sha256: h.sha256 }, value: 1 })),
    });
    m.gauge({ name: 'falcosecurity_scap_n_threads_total', help: 'https://falco.org/docs/metrics/ Threads in the thread table.', read: () => this.state.threads.size });
    m.gauge({ name: 'saker_enabled_rules', help: 'Rules enabled.', read: () => this.loaded?.ruleset.enabledCount ?? 0 });
    m.counter({ name: 'saker_sensor_restarts_total', help: 'Times the sensor died and was restarted.', read: () => this.restarts });
    if (this.policy) {
      const policy = this.policy;
      for (const [name, help, key] of [
        ['saker_policy_events_total', 'TracingPolicy events posted by the kernel, by policy.', 'posted'],
        ['saker_policy_enforced_total', 'TracingPolicy enforcement actions done (Sigkill, Signal), by policy.', 'enforced'],
        ['saker_policy_monitored_total', 'Enforcement actions a monitor-mode policy counted instead of doing, by policy.', 'monitored'],
        ['saker_policy_rate_limited_total', 'TracingPolicy events suppressed by a Post rateLimit, by policy.', 'rateLimited'],
      ] as const) {
        m.counter<'policy'>({ name, help, labelNames: ['policy'], read: () => policy.stats().map((s) => ({ labels: { policy: s.policy }, value: s[key] })) });
      }
    }
    m.counter({ name: 'saker_capture_gap_seconds_total', help: 'Time without capture between a sensor failure and its restart.', read: () => this.gapNs / 1e9 });
    const parser = this.state.parser.stats;
    m.counter({ name: 'saker_state_placeholder_threads_total', help: 'Threads first seen in an event and made without their details.', read: () => parser.placeholders });
    m.counter({ name: 'saker_state_proc_lookups_total', help: 'Threads missing from the table read from /proc.', read: () => parser.procLookups });
    m.counter({ name: 'saker_state_removed_threads_total', help: 'Threads removed when they exited.', read: () => parser.removedThreads });
    m.counter({ name: 'saker_state_purged_threads_total', help: 'Idle or dead threads purged from the table.', read: () => parser.purged });
    m.counter({
      name: 'saker_state_open_names_corrected_total', read: () => parser.openNamesCorrected,
      help: 'Opens whose path, read from the process after the syscall, led to another file than the one opened: named after the file opened (the kernel\'s path, or a watched file the rules name).',
    });
    // The bounded tables (State.bounds): how full each is, and what its bound turned away.
    const byTable = (pick: (b: StateBounds) => Array<[string, number]>) => () => pick(this.state.bounds).map(([t, value]) => ({ labels: { table: t }, value }));
    m.gauge<'table'>({
      name: 'saker_state_table_entries', help: 'Entries in each of the state\'s bounded tables.', labelNames: ['table'],
      read: byTable((b) => [['threads', b.threads], ['fds', b.fds], ['untracked_tids', b.untrackedTids], ['containers', b.containers],
        ['container_lookup_queue', b.containerLookupsQueued], ['cgroup_paths', b.cgroupPathCache], ['user_tables', b.userTables], ['dns_addresses', b.dnsAddresses]]),
    });
    m.gauge<'table'>({
      name: 'saker_state_table_capacity', help: 'The bound of a state table that has a fixed one.', labelNames: ['table'],
      read: byTable((b) => [['threads', b.threadsMax], ['fds', b.fdsMax]]),
    });
    m.counter<'table'>({
      name: 'saker_state_table_dropped_total', help: 'Entries a state table\'s bound turned away or evicted (a full table, a refused file).', labelNames: ['table'],
      read: byTable((b) => [['threads', b.threadsDropped], ['fds', b.fdsDropped], ['containers', b.containersEvicted],
        ['container_lookup_queue', b.containerLookupsDropped], ['user_tables', b.userTablesDropped],
        ['users', b.usersDropped], ['user_files', b.userFilesRefused], ['user_reads', b.userReadsDropped], ['dns_addresses', b.dnsAddressesDropped]]),
    });
  }
}

/** Adds a source's counters into `into` (a sensor's counters are kept across its restarts). */
function addSourceCounters(into: SourceCounters, c: SourceCounters): void {
  into.delivered += c.delivered;
  into.drops += c.drops;
  for (const [k, n] of Object.entries(c.dropsByReason)) into.dropsByReason[k] = (into.dropsByReason[k] ?? 0) + n;
  const perCpu = into.perCpu as Array<{ events: number; drops: number }>;
  (c.perCpu ?? []).forEach((x, cpu) => {
    const t = (perCpu[cpu] ??= { events: 0, drops: 0 });
    t.events += x.events;
    t.drops += x.drops;
  });
}

/** Falco's `falco_libs` thread table settings as state options. */
function libsOptions(cfg: Config): StateOptions {
  const { threadTableSize, purgeIntervalS, threadTimeoutS } = cfg.libs;
  return {
    ...(threadTableSize === undefined ? {} : { maxThreads: threadTableSize }),
    ...(purgeIntervalS === undefined ? {} : { purgeIntervalNs: purgeIntervalS * 1e9 }),
    ...(threadTimeoutS === undefined ? {} : { threadTimeoutNs: threadTimeoutS * 1e9 }),
  };
}

/** The files the enabled rules compare fd.name with exactly (State.watchFiles). */
function exactPaths(ruleset: Ruleset<EventContext>): Set<string> {
  const out = new Set<string>();
  for (const r of ruleset.enabledRules()) exactPathsOf(r.condition, out);
  return out;
}
