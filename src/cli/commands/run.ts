// saker run: live detection. Rules are loaded, the process table is read from /proc, the eBPF
// sensor captures the syscalls the rules (and state tracking) need, and alerts go to stdout.
// SIGINT/SIGTERM stop cleanly (exit 0); SIGHUP reloads the rules, keeping the old ones on error.
import { loadConfig, type Config } from '../../config/config.js';
import { checkCanStart, LiveSensor, SensorError, type SensorStats } from '../../capture/live/sensor.js';
import { namesOfCodes, selectSyscalls } from '../../capture/live/syscall-set.js';
import { Engine } from '../../agent/engine.js';
import { hostName } from '../../filter/fields/evt.js';
import { startNameResolution, stopNameResolution } from '../../filter/fields/net.js';
import { AlertWriter } from '../../outputs/writer.js';
import type { Ruleset } from '../../rules/index.js';
import { State } from '../../state/state.js';
import type { EventContext } from '../../state/types.js';
import { COMMON_OPTIONS, parse, UsageError } from '../args.js';
import { lifecycle } from '../lifecycle.js';
import { log } from '../log.js';
import { loadRunnableRules, rulesPaths } from '../rules.js';

export const RUN_HELP = `Usage: saker run [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--duration S] [--dry-run]

Live detection with the eBPF sensor (root). Without -r: the configuration's rules_files, else
Saker's built-in rules. Alerts go to stdout as text, or as JSON lines with -o json_output=true.
A line containing "ready" is written to stderr once capture is live.
  --duration S   stop after S seconds (like falco -M)
  --dry-run      load configuration and rules, print the syscalls the sensor would capture, exit
Signals: SIGINT/SIGTERM flush and exit 0; SIGHUP reloads the rules (a bad file keeps the old rules).
`;

/** Syscalls to capture: what enabled rules can match, plus what state tracking needs (as
 *  `base_syscalls` says); what the selection leaves out is logged. */
function syscallSet(cfg: Config, ruleset: Ruleset<EventContext>): string[] {
  const s = selectSyscalls(namesOfCodes(ruleset.enabledEventCodes()), cfg.baseSyscalls);
  if (s.invalid.length > 0) log(`base_syscalls.custom_set: not syscalls the sensor captures, ignored: ${s.invalid.join(', ')}`);
  if (s.removedFromRules.length > 0) {
    log(`base_syscalls.custom_set removes syscalls the rules match, so those rules cannot fire on them: ${s.removedFromRules.join(', ')}`);
  }
  return s.syscalls;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...COMMON_OPTIONS, duration: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const duration = values.duration === undefined ? 0 : Number(values.duration);
  if (!(duration >= 0)) throw new UsageError(`--duration must be a number of seconds, got '${values.duration}'`);

  const cfg = loadConfig({ file: values.config, overrides: values.option });
  const paths = rulesPaths(cfg, values.rules);
  const rules = await loadRunnableRules(cfg, paths);
  if (!rules.ok) {
    process.stderr.write(`${rules.error}\n`);
    return 1;
  }
  const loaded = rules.loaded;
  log(`loaded ${loaded.ruleset.enabledCount} enabled rules from ${paths.join(', ')}`);
  if (values['dry-run']) {
    const syscalls = syscallSet(cfg, loaded.ruleset);
    log(`would capture ${syscalls.length} syscalls: ${syscalls.join(' ')}`);
    return 0;
  }
  checkCanStart(); // not built / not root: a SensorError, reported by main
  return live(cfg, paths, loaded.ruleset, duration);
}

async function live(cfg: Config, paths: string[], ruleset: Ruleset<EventContext>, duration: number): Promise<number> {
  const state = new State({ live: true });
  const scan = state.bootstrapFromProc();
  log(`process table: ${scan.processes} processes, ${scan.threads} threads, ${scan.fds} fds (${scan.durationMs.toFixed(0)} ms)`);
  startNameResolution();

  const writer = new AlertWriter(cfg);
  const engine = new Engine(ruleset, state, (a) => writer.write(a), { isoTime: cfg.timeFormatIso8601, hostname: hostName() });
  const syscalls = syscallSet(cfg, ruleset);
  let sensor: LiveSensor;
  try {
    sensor = await LiveSensor.start({
      syscalls,
      onEvent: (evt) => engine.process(evt),
      onError: (err) => {
        log(`sensor failed: ${err.message}`);
        life.stop(1);
      },
      statsIntervalMs: 10_000,
    });
  } catch (e) {
    if (e instanceof SensorError) {
      log(e.message);
      state.close();
      return 1;
    }
    throw e;
  }
  log(`ready: capturing with ${sensor.attach} (${syscalls.length} syscalls)`);

  let lastDrops = 0;
  const dropCheck = setInterval(() => {
    const s = sensor.latestStats;
    if (s && s.drops > lastDrops) {
      log(`${s.drops - lastDrops} events dropped by the kernel (${dropSummary(s)})`);
      lastDrops = s.drops;
    }
  }, 10_000);

  let reloading = false;
  const reload = async () => {
    if (reloading) return;
    reloading = true;
    try {
      const next = await loadRunnableRules(cfg, paths);
      if (!next.ok) {
        log(`reload failed, keeping the previous rules:\n${next.error}`);
        return;
      }
      engine.swap(next.loaded.ruleset);
      await sensor.setSyscalls(syscallSet(cfg, next.loaded.ruleset));
      log(`reloaded: ${next.loaded.ruleset.enabledCount} enabled rules`);
    } catch (e) {
      log(`reload failed, keeping the previous rules: ${(e as Error).message}`);
    } finally {
      reloading = false;
    }
  };

  const life = lifecycle(async () => {
    clearInterval(dropCheck);
    process.off('SIGHUP', onHup);
    const stats = await sensor.stop().catch(() => sensor.latestStats);
    await writer.close();
    state.close();
    stopNameResolution();
    log(`stopped: ${engine.stats.events} events, ${engine.stats.matches} alerts${stats ? `, ${stats.drops} dropped` : ''}`);
  }, duration);
  const onHup = () => void reload();
  process.on('SIGHUP', onHup);
  return life.finished;
}

function dropSummary(s: SensorStats): string {
  const parts = Object.entries(s.dropsFull).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`);
  return parts.length ? `ring buffer full: ${parts.join(' ')}` : 'ring buffer full';
}
