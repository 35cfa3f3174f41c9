// Alert delivery for one agent: every enabled output and destination of the configuration, each
// behind its own filter, rate limit, dedup window and channel (queue, retries, spool), fed by one
// write() that returns at once. Counters are registered into the agent's metrics registry:
// saker_outputs_{sent,failed,spooled,retries}_total{destination}, saker_outputs_dropped_total
// {destination,reason}, saker_outputs_queue_length{destination}, saker_outputs_spool_bytes{destination}.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config/index.js';
import type { DestinationConfig, OutputsConfig } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Alert } from './alert.js';
import { Channel, ChannelCounters, type DropReason } from './channel.js';
import { Deduplicator } from './dedup.js';
import { buildDestination } from './destinations.js';
import { RateLimiter } from './rate-limit.js';
import { alertFilter, type AlertFilter } from './selection.js';
import { Spool } from './spool.js';

export interface Outputs {
  /** Hands an alert to every destination that wants it; never blocks, never throws. */
  write(alert: Alert): void;
  /** SIGUSR1: reopen files, respawn programs. */
  reopen(): void;
  /**
   * A configuration reload: when the outputs' part of `cfg` changed, the destinations are flushed
   * and closed (within output_timeout, spooling the rest) and the new ones built; alerts raised
   * meanwhile wait and go to the new ones. Resolves true when rebuilt; a destination that cannot
   * be built throws, and the previous outputs run on.
   */
  reconfigure(cfg: Config): Promise<boolean>;
  /** Delivers what can be within output_timeout, spools the rest; then closes every destination. */
  close(): Promise<void>;
}

export interface OutputsDeps {
  metrics: Metrics;
  log: (msg: string) => void;
  /** Where stdout_output writes (default: fd 1, asynchronously). */
  stdout?: NodeJS.WritableStream;
  /** Spools go in <stateDir>/spool/<destination> (this, else state_dir); without one, or with
   *  "", remote destinations keep only their memory queue and count what it cannot hold. */
  stateDir?: string;
}

/** One destination's path: filter → rate limit → dedup → channel. */
class Route {
  private readonly filter: AlertFilter;
  private readonly limiter: RateLimiter | undefined;
  private readonly dedup: Deduplicator | undefined;

  constructor(readonly config: DestinationConfig, readonly channel: Channel) {
    this.filter = alertFilter(config);
    const rl = config.rateLimit;
    this.limiter = rl ? new RateLimiter(rl.rate, rl.maxBurst, rl.perRule) : undefined;
    const dd = config.dedup;
    this.dedup = dd ? new Deduplicator(dd.windowMs, dd.fields, (a) => channel.offer(a)) : undefined;
  }

  offer(a: Alert): void {
    if (!this.filter(a)) return;
    if (this.limiter && !this.limiter.take(a.rule)) {
      this.channel.rateLimited();
      return;
    }
    if (this.dedup) this.dedup.add(a);
    else this.channel.offer(a);
  }

  flush(): void {
    this.dedup?.flushAll();
  }
}

export function createOutputs(cfg: Config, deps: OutputsDeps): Outputs {
  let current = cfg.outputs;
  let routes = buildRoutes(current, deps);
  /** Counters of the channels a reload closed, per destination, so the totals never go down. */
  const retired = new Map<string, ChannelCounters>();
  /** Alerts raised while a reload swaps the destinations; they go to the new ones. */
  let waiting: Alert[] | undefined;
  let lostInSwap = 0;
  let closed = false;
  register(deps.metrics, () => routes.map((r) => r.channel), retired);

  const closeRoutes = async (rs: Route[], oc: OutputsConfig) => {
    for (const r of rs) r.flush();
    await Promise.all(rs.map((r) => r.channel.close(oc.outputTimeoutMs)));
  };
  return {
    write(alert: Alert): void {
      if (closed) return;
      if (waiting !== undefined) {
        if (waiting.length < MAX_WAITING) waiting.push(alert);
        else lostInSwap++;
        return;
      }
      try {
        alert.uuid ??= randomUUID();
        for (const r of routes) r.offer(alert);
      } catch (e) {
        deps.log(`outputs: ${(e as Error).message}`);
      }
    },
    reopen(): void {
      for (const r of routes) r.channel.reopen();
    },
    async reconfigure(next: Config): Promise<boolean> {
      if (closed || JSON.stringify(next.outputs) === JSON.stringify(current)) return false;
      // The old channels close first: a destination's spool directory has one owner at a time.
      waiting = [];
      const old = routes;
      await closeRoutes(old, current);
      for (const r of old) addCounters(retired, r.channel.name, r.channel.counters);
      let error: Error | undefined;
      try {
        routes = buildRoutes(next.outputs, deps);
        current = next.outputs;
      } catch (e) {
        error = e as Error;
        try {
          routes = buildRoutes(current, deps); // built before, so it should build again
        } catch (again) {
          routes = [];
          deps.log(`outputs: the previous outputs could not be rebuilt either, none run: ${(again as Error).message}`);
        }
      }
      const held = waiting;
      waiting = undefined;
      for (const a of held) this.write(a);
      if (lostInSwap > 0) deps.log(`outputs: ${lostInSwap} alert(s) lost while the outputs were rebuilt (more than ${MAX_WAITING} waited)`);
      lostInSwap = 0;
      if (error) throw error;
      return true;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeRoutes(routes, current);
    },
  };
}

/** Alerts held while a reload rebuilds the outputs (output_timeout at most). */
const MAX_WAITING = 65_536;

function buildRoutes(oc: OutputsConfig, deps: OutputsDeps): Route[] {
  const stateDir = deps.stateDir ?? oc.stateDir;
  const routes: Route[] = [];
  for (const d of oc.destinations) {
    let dest;
    try {
      dest = buildDestination(d, oc, { log: deps.log, stdout: deps.stdout });
    } catch (e) {
      for (const r of routes) void r.channel.close(0);
      throw new ConfigError(`output ${d.name}: ${(e as Error).message}`);
    }
    // a remote destination retries whether it spools or not (spool.enabled: false keeps retries)
    const remote = d.remote;
    const spool = remote && d.spool.enabled && stateDir ? openSpool(join(stateDir, 'spool', d.name), d.spool.maxBytes, deps.log) : undefined;
    // local outputs wait for a write as long as it takes: a second write must not start while
    // one is stuck (a blocked pipe), and their queue bound is what limits memory
    const opts = remote ? d : { ...d, timeoutMs: 0 };
    routes.push(new Route(d, new Channel(d.name, dest, opts, deps.log, remote, spool)));
  }
  return routes;
}

/** A destination's spool, or none when its directory cannot be made or read: delivery then runs
 *  on the memory queue alone (counting what it cannot hold), which beats refusing to start. */
function openSpool(dir: string, maxBytes: number, log: (msg: string) => void): Spool | undefined {
  try {
    return new Spool(dir, maxBytes, log);
  } catch (e) {
    log(`spool ${dir}: ${(e as Error).message}; this destination keeps only its memory queue`);
    return undefined;
  }
}

/** Adds one channel's counters into the per-destination totals `into`. */
function addCounters(into: Map<string, ChannelCounters>, name: string, c: ChannelCounters): void {
  let t = into.get(name);
  if (t === undefined) into.set(name, (t = new ChannelCounters()));
  t.sent += c.sent;
  t.failed += c.failed;
  t.spooled += c.spooled;
  t.retries += c.retries;
  for (const k of Object.keys(t.dropped) as DropReason[]) t.dropped[k] += c.dropped[k];
}

function register(metrics: Metrics, channels: () => Channel[], retired: ReadonlyMap<string, ChannelCounters>): void {
  // Counters: the live channels' plus what channels closed by reloads counted.
  const totals = (): Map<string, ChannelCounters> => {
    const t = new Map<string, ChannelCounters>();
    for (const [name, c] of retired) addCounters(t, name, c);
    for (const c of channels()) addCounters(t, c.name, c.counters);
    return t;
  };
  const counter = (name: string, help: string, read: (c: ChannelCounters) => number) =>
    metrics.counter({ name, help, labelNames: ['destination'] as const, read: () => [...totals()].map(([destination, c]) => ({ labels: { destination }, value: read(c) })) });
  const gauge = (name: string, help: string, read: (c: Channel) => number) =>
    metrics.gauge({ name, help, labelNames: ['destination'] as const, read: () => channels().map((c) => ({ labels: { destination: c.name }, value: read(c) })) });
  counter('saker_outputs_sent_total', 'Alerts a destination accepted', (c) => c.sent);
  counter('saker_outputs_failed_total', 'Alerts a destination refused for good or a local output could not write', (c) => c.failed);
  counter('saker_outputs_spooled_total', 'Alerts written to a destination\'s disk spool', (c) => c.spooled);
  counter('saker_outputs_retries_total', 'Failed sends that were retried', (c) => c.retries);
  metrics.counter({
    name: 'saker_outputs_dropped_total', help: 'Alerts not delivered by policy: queue full, spool full, rate limit, shutdown',
    labelNames: ['destination', 'reason'] as const,
    read: () => [...totals()].flatMap(([destination, c]) => (Object.keys(c.dropped) as DropReason[]).map((reason) => ({ labels: { destination, reason }, value: c.dropped[reason] }))),
  });
  gauge('saker_outputs_queue_length', 'Alerts waiting in a destination\'s memory queue', (c) => c.queued);
  gauge('saker_outputs_spool_bytes', 'Bytes in a destination\'s disk spool', (c) => c.spoolBytes);
}
