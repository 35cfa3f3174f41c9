// saker capture: record live events to a .scap file that sysdig and Falco read (the pipeline is
// src/agent/recorder.ts). The file starts with the machine, interfaces, users and the process
// table (with fds), then every captured event (or those matching FILTER, evaluated with the same
// state the agent keeps).
import { Recorder } from '../../agent/record/index.js';
import { checkCanStart, SensorError } from '../../capture/live/index.js';
import { describeFilterError, FilterError } from '../../filter/index.js';
import { parse, UsageError } from '../args.js';
import { lifecycle } from '../lifecycle.js';
import { log } from '../log.js';

export const CAPTURE_HELP = `Usage: saker capture -w FILE [--duration S] [--gzip] [--force] [FILTER]

Records live events (root) to a .scap capture: the process table, users, interfaces and machine
info first, then the events of every syscall the sensor covers, or only those matching FILTER
(the condition language, e.g. "proc.name = curl or evt.type = connect"). Stops after --duration
seconds or on SIGINT/SIGTERM. Read the file with saker inspect/replay, sysdig -r or Falco.
The containers the runtimes describe are written as the container plugin's "container" records
(so Falco and saker replay show container.* fields), a container's end (its init's exit) as its
"container_removed" record, and the users and groups of a container's /etc files as the
useradded/groupadded records libs writes (deleted again when the container ends). Events are exit events only, as current
drivers write them; fds of types sysdig 0.29 does not
know (bpf, userfaultfd, io_uring, memfd, pidfd) are listed in the tables as "unsupported".
FILE is created readable by its owner only (a capture holds every command line and environment);
an existing file is refused unless --force (then it is truncated), and a symlink always is.
`;

export async function captureCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    write: { type: 'string', short: 'w' }, duration: { type: 'string' }, gzip: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(CAPTURE_HELP);
    return 0;
  }
  if (!values.write) throw new UsageError('-w FILE is required');
  const duration = values.duration === undefined ? 0 : Number(values.duration);
  if (!(duration >= 0)) throw new UsageError(`--duration must be a number of seconds, got '${values.duration}'`);
  const filter = positionals.length > 0 ? positionals.join(' ') : undefined;

  checkCanStart(); // not built / not root: a SensorError, reported by main
  let recorder: Recorder;
  try {
    recorder = new Recorder({ file: values.write, gzip: values.gzip, overwrite: values.force, filter });
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(describeFilterError(e));
    throw e;
  }
  try {
    await recorder.start();
  } catch (e) {
    if (e instanceof SensorError) {
      log(e.message);
      return 1;
    }
    throw e;
  }
  log(`ready: capturing to ${values.write} (${recorder.threads} threads in the process list)`);

  const life = lifecycle(async () => {
    const s = await recorder.stop();
    log(`wrote ${s.written} of ${s.seen} events and ${s.containers} container descriptions (${s.removals} removals, ${s.containerUsers} users and groups) to ${values.write} (${s.drops} dropped in the kernel)`);
  }, duration);
  recorder.ended.catch((err: Error) => {
    log(`sensor failed: ${err.message}`);
    life.stop(1);
  });
  return life.finished;
}
