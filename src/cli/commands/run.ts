// saker run: live detection. A shell around the Agent: configuration and options in, signals to
// stop and reload, the exit line out. Alerts go to the outputs (stdout by default).
// SIGINT/SIGTERM stop cleanly (exit 0); SIGHUP reloads the rules, keeping the old ones on error.
import { Agent, RulesLoadError } from '../../agent/agent.js';
import { checkCanStart, SensorError } from '../../capture/live/sensor.js';
import { loadConfig } from '../../config/config.js';
import { COMMON_OPTIONS, parse, UsageError } from '../args.js';
import { lifecycle } from '../lifecycle.js';
import { log } from '../log.js';

export const RUN_HELP = `Usage: saker run [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--duration S] [--dry-run]

Live detection with the eBPF sensor (root). Without -r: the configuration's rules_files, else
Saker's built-in rules. Alerts go to stdout as text, or as JSON lines with -o json_output=true.
A line containing "ready" is written to stderr once capture is live.
  --duration S   stop after S seconds (like falco -M)
  --dry-run      load configuration and rules, print the syscalls the sensor would capture, exit
Signals: SIGINT/SIGTERM flush and exit 0; SIGHUP reloads the rules (a bad file keeps the old rules).
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
  process.on('SIGHUP', onHup);
  try {
    return await run(argv, (a) => (agent = a), () => hupWhileStarting);
  } finally {
    process.off('SIGHUP', onHup);
  }
}

async function run(argv: string[], created: (a: Agent) => void, hupWhileStarting: () => boolean): Promise<number> {
  const { values } = parse(argv, { ...COMMON_OPTIONS, duration: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const duration = values.duration === undefined ? 0 : Number(values.duration);
  if (!(duration >= 0)) throw new UsageError(`--duration must be a number of seconds, got '${values.duration}'`);

  const config = loadConfig({ file: values.config, overrides: values.option });
  const agent = new Agent({ config, rules: values.rules, source: { live: {} }, log });
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
    if (e instanceof RulesLoadError) {
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
