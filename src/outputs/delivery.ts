// Alert delivery for one agent: every enabled output and destination of the configuration, each
// behind its own filter, rate limit, dedup window and channel (queue, retries, spool), fed by one
// write() that returns at once. Counters are registered into the agent's metrics registry:
// saker_outputs_{sent,failed,spooled,retries}_total{destination}, saker_outputs_dropped_total
// {destination,reason}, saker_outputs_queue_length{destination}, saker_outputs_spool_bytes{destination}.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config/index.js';
import type { DestinationConfig } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Alert } from './alert.js';
import { Channel, type DropReason } from './channel.js';
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
  const oc = cfg.outputs;
  const stateDir = deps.stateDir ?? oc.stateDir;
  const routes: Route[] = [];
  for (const d of oc.destinations) {
    let dest;
    try {
      dest = buildDestination(d, oc, { log: deps.log, stdout: deps.stdout });
    } catch (e) {
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
  register(deps.metrics, routes.map((r) => r.channel));
  let closed = false;
  return {
    write(alert: Alert): void {
      if (closed) return;
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
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const r of routes) r.flush();
      await Promise.all(routes.map((r) => r.channel.close(oc.outputTimeoutMs)));
    },
  };
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

function register(metrics: Metrics, channels: Channel[]): void {
  const per = (read: (c: Channel) => number) => () => channels.map((c) => ({ labels: { destination: c.name }, value: read(c) }));
  const counter = (name: string, help: string, read: (c: Channel) => number) =>
    metrics.counter({ name, help, labelNames: ['destination'] as const, read: per(read) });
  counter('saker_outputs_sent_total', 'Alerts a destination accepted', (c) => c.counters.sent);
  counter('saker_outputs_failed_total', 'Alerts a destination refused for good or a local output could not write', (c) => c.counters.failed);
  counter('saker_outputs_spooled_total', 'Alerts written to a destination\'s disk spool', (c) => c.counters.spooled);
  counter('saker_outputs_retries_total', 'Failed sends that were retried', (c) => c.counters.retries);
  metrics.counter({
    name: 'saker_outputs_dropped_total', help: 'Alerts not delivered by policy: queue full, spool full, rate limit, shutdown',
    labelNames: ['destination', 'reason'] as const,
    read: () => channels.flatMap((c) => (Object.keys(c.counters.dropped) as DropReason[]).map((reason) => ({ labels: { destination: c.name, reason }, value: c.counters.dropped[reason] }))),
  });
  metrics.gauge({ name: 'saker_outputs_queue_length', help: 'Alerts waiting in a destination\'s memory queue', labelNames: ['destination'] as const, read: per((c) => c.queued) });
  metrics.gauge({ name: 'saker_outputs_spool_bytes', help: 'Bytes in a destination\'s disk spool', labelNames: ['destination'] as const, read: per((c) => c.spoolBytes) });
}
