// saker run: live detection. A shell around the Agent: configuration and options in, signals to
// stop and reload, the exit line out. Alerts go to the outputs (stdout by default).
// SIGINT/SIGTERM stop cleanly (exit 0); SIGHUP reloads configuration, rules and policies, keeping
// the old ones on error; SIGUSR1 reopens file outputs and restarts program outputs (log rotation),
// as Falco does.
import { Agent, batchHelperThreads, keepYoungGenerationSmall, RulesLoadError, setEventThreadNice } from '../../agent/index.js';
import { checkCanStart, hostTgid, SensorError } from '../../capture/live/index.js';
import { LIVE_STATE_DIR, loadLayeredConfig, type Config, type LayeredConfig } from '../../config/index.js';
import { EventExporter, ExportFilterError, exportNodeName, parseFilters, PolicyLoadError } from '../../policy/index.js';
import { hostPaths } from '../../state/index.js';
import { COMMON_OPTIONS, parse, UsageError } from '../args.js';
import { lifecycle } from '../lifecycle.js';
import { Logger, loggerSettings } from '../logger.js';
import { levelOf, operate, startServer, type Operations } from '../operate.js';

export const RUN_HELP = `Usage: saker run [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--duration S] [--dry-run]
                 [--policy FILE|DIR]... [--export FILE|-] [--export-allowlist JSON] [--export-denylist JSON]
                 [--export-rate-limit N]

Live detection with the eBPF sensor (root). Without -r: the configuration's rules_files, else
Saker's built-in rules. Alerts go to stdout as text, or as JSON lines with -o json_output=true.
A line containing "ready" is written to stderr once capture is live.
  --duration S   stop after S seconds (like falco -M)
  --dry-run      load configuration and rules, print the syscalls the sensor would capture, exit
  --policy P     Tetragon TracingPolicy files or directories (also the \`policies\` config key),
                 enforced in the kernel by the policy sensor; a policy this kernel cannot run is
                 an error at start, naming file, line, column and the reason
  --export F     write Tetragon JSON events (process_exec, process_exit, process_kprobe,
                 process_tracepoint) to F, or stdout with -; config key \`export\`
  --export-allowlist / --export-denylist JSON
                 Tetragon's export filters, one JSON object per line (event_set, binary_regex,
                 namespace, pod_regex, policy_names, pid, ...); config keys export_allowlist/denylist
  --export-rate-limit N
                 at most N exported events per minute (-1 unlimited); config key export_rate_limit
Signals: SIGINT/SIGTERM flush and exit 0; SIGHUP reloads configuration, rules and policies (a bad
file keeps the old ones running; policies change without restarting the sensor); SIGUSR1 reopens
file_output's file and restarts program_output's program (log rotation).
Configuration as Falco's falco.yaml: config_files (default: config.d beside the -c file) merged
in, watch_config_files (default true) reloads on a changed configuration or rules file,
log_level/log_stderr/log_syslog, webserver.* (health on /healthz, /versions, /metrics with
metrics.enabled and webserver.prometheus_metrics_enabled, the API and web UI; 127.0.0.1:8765 by
default, a bearer token — webserver.api_token or SAKER_API_TOKEN — when bound elsewhere),
metrics.* (snapshots) and syscall_event_drops.*. state_dir (default /var/lib/saker; "" for none)
holds the disk spools of destinations that are down, replayed first on the next start. HOST_ROOT (e.g. /host in a container) prefixes
the host's /proc, /etc and runtime sockets.
`;

export async function runCommand(argv: string[]): Promise<number> {
  keepYoungGenerationSmall();
  // A SIGHUP that arrives while the agent starts must not kill it (Node's default): it is
  // remembered and applied as a reload once the agent runs.
  let ops: Operations | undefined;
  let hupWhileStarting = false;
  const onHup = () => {
    if (ops) void ops.reload();
    else hupWhileStarting = true;
  };
  process.on('SIGHUP', onHup);
  try {
    return await run(argv, (o) => (ops = o), () => hupWhileStarting);
  } finally {
    process.off('SIGHUP', onHup);
  }
}

async function run(argv: string[], operating: (o: Operations) => void, hupWhileStarting: () => boolean): Promise<number> {
  const { values } = parse(argv, {
    ...COMMON_OPTIONS, duration: { type: 'string' }, 'dry-run': { type: 'boolean' }, policy: { type: 'string', multiple: true },
    export: { type: 'string' }, 'export-allowlist': { type: 'string' }, 'export-denylist': { type: 'string' }, 'export-rate-limit': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const duration = values.duration === undefined ? 0 : Number(values.duration);
  if (!(duration >= 0)) throw new UsageError(`--duration must be a number of seconds, got '${values.duration}'`);

  let layered: LayeredConfig = loadLayeredConfig({ file: values.config, overrides: values.option });
  const logger = new Logger(loggerSettings(layered.config.raw));
  const log = (m: string) => logger.log(levelOf(m), m);
  const host = hostPaths();
  // Under HOST_ROOT the host's procfs gives the agent's host tgid (the sensor's default reads /proc).
  const tgid = host.hostRoot === '' ? undefined : hostTgid(host.procRoot);
  const live = { ...(host.hostRoot === '' ? {} : { ignorePids: tgid === undefined ? [] : [tgid] }), reader: sensorReader(process.env.SAKER_SENSOR_READER) };
  const exporter = makeExporter(layered.config, values);
  const agent = new Agent({
    config: layered.config, rules: values.rules, log, dropCheckMs: 1000, policies: values.policy, exporter,
    // the spool is on by default live (state_dir: "" turns it off)
    stateDir: layered.config.outputs.stateDir ?? LIVE_STATE_DIR,
    source: { live },
    state: { procRoot: host.procRoot, hostRoot: host.etcRoot, containerdState: host.containerdState, runcRoots: host.runcRoots },
    // A full reload re-reads every configuration file; the layers it read are kept for the watcher.
    reloadConfig: () => {
      const next = loadLayeredConfig({ file: values.config, overrides: values.option });
      layered = next;
      return next.config;
    },
  });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    const plan = await agent.prepare();
    log(`loaded ${plan.enabledRules} enabled rules from ${plan.paths.join(', ')}`);
    if (values['dry-run']) {
      log(`would capture ${plan.syscalls.length} syscalls: ${plan.syscalls.join(' ')}`);
      return 0;
    }
    checkCanStart(); // not built / not root: a SensorError, reported by main
    setEventThreadNice(layered.config.nice, log);
    void batchHelperThreads().then((helpers) => {
      if (typeof helpers === 'string') log(`scheduling: V8's helper threads stay SCHED_OTHER and may preempt the event thread (${helpers})`);
    });
    server = await startServer(agent, layered, logger);
    await agent.start();
  } catch (e) {
    await server?.stop();
    if (e instanceof RulesLoadError || e instanceof PolicyLoadError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (e instanceof SensorError && e.code !== 'not-built' && e.code !== 'not-root') {
      log(e.message);
      return 1;
    }
    throw e;
  }
  const ops = operate({ agent, logger, current: () => layered, exit: (code) => life.stop(code) }, server);
  operating(ops);
  if (hupWhileStarting()) void ops.reload();

  const life = lifecycle(async () => {
    await ops.stop();
    const s = await agent.stop();
    log(`stopped: ${s.events} events, ${s.alerts} alerts, ${s.drops} dropped`);
    logger.close();
  }, duration);
  agent.ended.catch((err: Error) => {
    log(`sensor failed: ${err.message}`);
    life.stop(1);
  });
  return life.finished;
}

/** The Tetragon event exporter --export (or the `export` key) asks for, with its filters. */
function makeExporter(cfg: Config, values: Record<string, unknown>): EventExporter | undefined {
  const opt = (flag: string, key: string): string | undefined => {
    const v = values[flag] ?? cfg.raw[key];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  };
  const to = opt('export', 'export');
  if (!to) return undefined;
  const rate = opt('export-rate-limit', 'export_rate_limit');
  const rateLimit = rate === undefined ? undefined : Number(rate);
  if (rateLimit !== undefined && !Number.isInteger(rateLimit)) throw new UsageError(`--export-rate-limit must be an integer, got '${rate}'`);
  try {
    const allow = opt('export-allowlist', 'export_allowlist');
    const deny = opt('export-denylist', 'export_denylist');
    return new EventExporter({
      to, rateLimit, nodeName: exportNodeName(),
      allow: allow ? parseFilters(allow, 'export allowlist') : undefined,
      deny: deny ? parseFilters(deny, 'export denylist') : undefined,
    });
  } catch (e) {
    if (e instanceof ExportFilterError) throw new UsageError(e.message);
    throw e;
  }
}

/** SAKER_SENSOR_READER: who reads the sensor's rings (sensor/README.md "Who reads the rings");
 *  unset: this process when it can. */
function sensorReader(value: string | undefined): 'auto' | 'in-process' | 'loader' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'in-process' || value === 'loader') return value;
  throw new UsageError(`SAKER_SENSOR_READER must be auto, in-process or loader, got '${value}'`);
}
