// What `saker run` adds around a running agent to operate it: the web server (health, metrics,
// API, UI), reload on SIGHUP and on changed configuration or rules files (watch_config_files),
// SIGUSR1 to reopen file outputs, Falco's syscall event drop reports and metrics snapshots, the
// configuration files' hashes as a metric, and the logger following the configuration.
import { fileHashes, type LayeredConfig } from '../config/index.js';
import { FileWatcher } from '../config/index.js';
import type { Agent } from '../agent/index.js';
import { DropMonitor, dropSettings } from '../agent/index.js';
import { metricsSettings, MetricsSnapshot, registerResourceMetrics } from '../agent/index.js';
import { SakerServer } from '../server/index.js';
import { webserverSettings } from '../server/index.js';
import { sakerVersion } from '../server/index.js';
import { loggerSettings, type Logger, type LogLevel } from './logger.js';
import { existsSync, statSync } from 'node:fs';

/** The level of one of the agent's messages: failures are errors, losses warnings, the rest info. */
export function levelOf(message: string): LogLevel {
  if (/\bfail(ed|ure)?\b|\berror\b|cannot|refused/i.test(message)) return 'error';
  if (/dropped|removes syscalls|ignored/i.test(message)) return 'warning';
  return 'info';
}

export interface Operations {
  /** The web server, when webserver.enabled and it could bind. */
  readonly server: SakerServer | undefined;
  /** A full reload (SIGHUP): configuration and rules; then the logger, the web server, drop
   *  reports, metrics snapshots and the file watcher follow the new configuration. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface OperateOptions {
  agent: Agent;
  logger: Logger;
  /** The configuration as loaded at start; `current()` gives the latest after reloads. */
  current: () => LayeredConfig;
  /** syscall_event_drops' `exit` action. */
  exit: (code: number) => void;
}

/** Starts the server before the agent starts capturing, so /healthz answers 503 until then. */
export async function startServer(agent: Agent, layered: LayeredConfig, logger: Logger): Promise<SakerServer | undefined> {
  const ws = webserverSettings(layered.config.raw);
  if (!ws.enabled) return undefined;
  const server = new SakerServer(agent, ws, { log: (m) => logger.log(levelOf(m), m) });
  try {
    await server.start();
    return server;
  } catch (e) {
    logger.error(`webserver: cannot listen on ${ws.listenAddress}:${ws.listenPort}: ${(e as Error).message}; running without it`);
    await server.stop().catch(() => undefined);
    return undefined;
  }
}

/** Reload triggers, drop reports and snapshots around a started agent. */
export function operate(o: OperateOptions, started: SakerServer | undefined): Operations {
  const { agent, logger } = o;
  let server = started;
  let raw = o.current().config.raw;
  const hostname = () => agent.state.scope.hostname;
  let configHashes = fileHashes(o.current().files);
  agent.metrics.gauge<'file_name' | 'sha256'>({
    name: 'falcosecurity_falco_sha256_config_files_info', help: 'https://falco.org/docs/metrics/ Configuration files loaded and their hashes.',
    labelNames: ['file_name', 'sha256'], read: () => configHashes.map((h) => ({ labels: { file_name: h.file, sha256: h.sha256 }, value: 1 })),
  });
  agent.metrics.gauge({ name: 'saker_webserver_stream_clients', help: 'Browsers and scripts following the live alert stream.', read: () => server?.stream.size ?? 0 });
  let resourceMetrics = false;
  const newDrops = () => new DropMonitor(dropSettings(raw), {
    metrics: agent.metrics, hostname, log: (m) => logger.warning(m), raise: (a) => agent.raiseInternal(a),
    exit: (reason) => {
      logger.log('critical', reason);
      o.exit(1);
    },
  });
  const newSnapshot = () => {
    const metrics = metricsSettings(raw);
    if (metrics.enabled && metrics.resourceUtilization && !resourceMetrics) {
      registerResourceMetrics(agent.metrics);
      resourceMetrics = true;
    }
    return new MetricsSnapshot(metrics, { metrics: agent.metrics, hostname, version: sakerVersion(), raise: (a) => agent.raiseInternal(a), log: (m) => logger.error(m) });
  };
  let drops = newDrops();
  drops.start();
  let snapshot = newSnapshot();
  snapshot.start();

  /** After a reload: what the new configuration changed is restarted with it. */
  const follow = async (cur: LayeredConfig) => {
    const prev = raw;
    raw = cur.config.raw;
    const changed = (section: (r: typeof raw) => unknown) => JSON.stringify(section(prev)) !== JSON.stringify(section(raw));
    if (changed(dropSettings)) {
      drops.stop();
      drops = newDrops();
      drops.start();
    }
    if (changed(metricsSettings)) {
      snapshot.stop();
      snapshot = newSnapshot();
      snapshot.start();
    }
    if (changed((r) => webserverSettings(r))) {
      logger.info('webserver: settings changed, restarting it');
      await server?.stop();
      server = await startServer(agent, cur, logger);
    }
  };

  // Reloads: SIGHUP and, with watch_config_files (default on), a change to any configuration or
  // rules file. After each one the watcher follows the files the new configuration names.
  let watcher: FileWatcher | undefined;
  const watch = () => {
    watcher?.close();
    watcher = undefined;
    const cur = o.current();
    if (cur.config.raw.watch_config_files === false) return;
    const rulesFiles: string[] = [];
    const rulesDirs: string[] = [];
    for (const p of agent.rulesPaths) {
      if (existsSync(p) && statSync(p).isDirectory()) rulesDirs.push(p);
      else rulesFiles.push(p);
    }
    watcher = new FileWatcher([...cur.files, ...rulesFiles], [...cur.dirs, ...rulesDirs], (what) => {
      logger.info(`${what} changed: reloading`);
      void reload();
    });
  };
  const reload = async () => {
    const outcome = await agent.reload();
    if (outcome.ok) {
      const cur = o.current();
      configHashes = fileHashes(cur.files);
      logger.configure(loggerSettings(cur.config.raw));
      await follow(cur);
    }
    watch();
  };
  watch();
  const onUsr1 = () => {
    logger.info('SIGUSR1: reopening file outputs');
    agent.reopenOutputs();
  };
  process.on('SIGUSR1', onUsr1);

  return {
    get server() {
      return server;
    },
    reload,
    async stop() {
      process.off('SIGUSR1', onUsr1);
      watcher?.close();
      drops.stop();
      snapshot.stop();
      await server?.stop();
    },
  };
}
