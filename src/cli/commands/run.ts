// saker run: live detection. A shell around the Agent: configuration and options in, signals to
// stop and reload, the exit line out. Alerts go to the outputs (stdout by default).
// SIGINT/SIGTERM stop cleanly (exit 0); SIGHUP reloads the rules, keeping the old ones on error;
// SIGUSR1 reopens file outputs and restarts program outputs (log rotation), as Falco does.
import { Agent, RulesLoadError } from '../../agent/index.js';
import { checkCanStart, SensorError } from '../../capture/live/index.js';
import { loadConfig, type Config } from '../../config/index.js';
import { EventExporter, ExportFilterError, parseFilters } from '../../policy/index.js';
import { exportNodeName, PolicyLoadError } from '../../policy/index.js';
import { COMMON_OPTIONS, parse, UsageError } from '../args.js';
import { lifecycle } from '../lifecycle.js';
import { log } from '../log.js';

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
Signals: SIGINT/SIGTERM flush and exit 0; SIGHUP reloads the rules (a bad file keeps the old rules)
and the policies (without restarting the sensor; a policy file with errors keeps its old policies);
SIGUSR1 reopens file_output's file and restarts program_output's program (log rotation).
`;

export async function runCommand(argv: string[]): Promise<number> {
  // A SIGHUP that arrives while the agent starts must not kill it (Node's default): it is
  // remembered and applied as a reload once the agent runs.
  let agent: Agent | undefined;
  let hupWhileStarting = false;
  const onHup = () => {
    if (agent?.status().phase === 'running') void agent.reload();
    else hupWhileStarting = true;
  };
  const onUsr1 = () => agent?.reopenOutputs();
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);
  try {
    return await run(argv, (a) => (agent = a), () => hupWhileStarting);
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGUSR1', onUsr1);
  }
}

async function run(argv: string[], created: (a: Agent) => void, hupWhileStarting: () => boolean): Promise<number> {
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

  const config = loadConfig({ file: values.config, overrides: values.option });
  const exporter = makeExporter(config, values);
  const agent = new Agent({ config, rules: values.rules, source: { live: {} }, log, policies: values.policy, exporter });
  created(agent);
  try {
    const plan = await agent.prepare();
    log(`loaded ${plan.enabledRules} enabled rules from ${plan.paths.join(', ')}`);
    if (values['dry-run']) {
      log(`would capture ${plan.syscalls.length} syscalls: ${plan.syscalls.join(' ')}`);
      return 0;
    }
    checkCanStart(); // not built / not root: a SensorError, reported by main
    await agent.start();
  } catch (e) {
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
  if (hupWhileStarting()) void agent.reload();

  const life = lifecycle(async () => {
    const s = await agent.stop();
    log(`stopped: ${s.events} events, ${s.alerts} alerts, ${s.drops} dropped`);
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
    return v === undefined || v === null ? undefined : String(v);
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
