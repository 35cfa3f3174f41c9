// saker capture: record live events to a .scap file that sysdig and Falco read. The file starts
// with the machine, interfaces, users and the process table (with fds), then every captured event
// (or those matching FILTER, evaluated with the same state the agent keeps).
import { checkCanStart, LiveSensor, SensorError } from '../../capture/live/sensor.js';
import { SENSOR_SYSCALLS } from '../../capture/live/syscall-set.js';
import { liveTables } from '../../state/capture-tables.js';
import { ScapWriter } from '../../capture/scap/writer.js';
import { compileFilter, FilterCompileError, type CompiledFilter } from '../../filter/condition-compiler.js';
import { FilterSyntaxError, parseCondition } from '../../filter/condition-parser.js';
import { bootTimeNs, ProcScanner } from '../../state/proc-scan.js';
import { State } from '../../state/state.js';
import { parse, UsageError } from '../args.js';
import { lifecycle } from '../lifecycle.js';
import { log } from '../log.js';

export const CAPTURE_HELP = `Usage: saker capture -w FILE [--duration S] [--gzip] [FILTER]

Records live events (root) to a .scap capture: the process table, users, interfaces and machine
info first, then the events of every syscall the sensor covers, or only those matching FILTER
(the condition language, e.g. "proc.name = curl or evt.type = connect"). Stops after --duration
seconds or on SIGINT/SIGTERM. Read the file with saker inspect/replay, sysdig -r or Falco.
Events are exit events only, as current drivers write them; fds of types sysdig 0.29 does not
know (bpf, userfaultfd, io_uring, memfd, pidfd) are listed in the tables as "unsupported".
`;

export async function captureCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    write: { type: 'string', short: 'w' }, duration: { type: 'string' }, gzip: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(CAPTURE_HELP);
    return 0;
  }
  if (!values.write) throw new UsageError('-w FILE is required');
  const duration = values.duration === undefined ? 0 : Number(values.duration);
  if (!(duration >= 0)) throw new UsageError(`--duration must be a number of seconds, got '${values.duration}'`);
  let filter: CompiledFilter | undefined;
  if (positionals.length > 0) {
    const text = positionals.join(' ');
    try {
      filter = compileFilter(parseCondition(text));
    } catch (e) {
      if (e instanceof FilterSyntaxError || e instanceof FilterCompileError) {
        const col = e.pos ? ` at column ${e.pos.col}` : '';
        throw new UsageError(`filter error${col}: ${e.message}`);
      }
      throw e;
    }
  }

  checkCanStart(); // not built / not root: a SensorError, reported by main
  const state = new State({ live: true, containerLookup: false });
  const snapshots = new ProcScanner().scanAll();
  state.loadSnapshots(snapshots);
  // Tables with fds of types sysdig 0.29 does not know (bpf, memfd, pidfd ...) keep it from opening
  // the file at all: those are written as "unsupported", with their names.
  const writer = new ScapWriter(values.write, { gzip: values.gzip === true, sysdigFdTypes: true });
  writer.writeTables(liveTables(snapshots, bootTimeNs()));

  let written = 0;
  let seen = 0;
  let sensor: LiveSensor;
  try {
    sensor = await LiveSensor.start({
      syscalls: SENSOR_SYSCALLS,
      onEvent: (evt) => {
        seen++;
        const ctx = state.process(evt);
        if (filter && !filter(ctx)) return;
        writer.writeEvent(evt, evt.cpu);
        written++;
        if (writer.wantsFlush) writer.flush();
      },
      onError: (err) => {
        log(`sensor failed: ${err.message}`);
        life.stop(1);
      },
    });
  } catch (e) {
    await writer.close();
    if (e instanceof SensorError) {
      log(e.message);
      return 1;
    }
    throw e;
  }
  log(`ready: capturing to ${values.write} (${snapshots.length} threads in the process list)`);

  const life = lifecycle(async () => {
    const stats = await sensor.stop().catch(() => sensor.latestStats);
    await writer.close();
    state.close();
    log(`wrote ${written} of ${seen} events to ${values.write}${stats ? ` (${stats.drops} dropped in the kernel)` : ''}`);
  }, duration);
  return life.finished;
}
