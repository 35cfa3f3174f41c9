// The pipeline of `saker inspect`: a capture file → the state rebuilt from its tables and events
// → a user's filter → either lines in a -p format (sysdig's -r/-p) or a filtered copy of the
// capture (-w) holding each selected event's original records, enter event included, that
// sysdig 0.29 needs to show the same fields.
//
// Events are handled in the current libs model: one exit event per syscall. Old captures carry
// enter/exit pairs, which the capture source converts.
import { EC, EVENT_TABLE, isHiddenEnterEvent, type EventView } from '../events/index.js';
import { ScapFileSource, ScapWriter } from '../capture/scap/index.js';
import { compileUserFilterWithCodes } from '../filter/index.js';
import { LinePrinter, LineSink } from '../outputs/print/index.js';
import { loadScapTables, State } from '../state/index.js';

/**
 * Events libs takes for the capture's initial state while they lead the file (users, groups,
 * containers: sinsp.cpp is_initialstate_event): consumed when the capture opens, so numbered but
 * never shown, e.g. the container plugin's dump of the containers running when capturing started.
 */
const INITIAL_STATE = new Set(['PPME_CONTAINER_JSON_2_E', 'PPME_USER_ADDED_E', 'PPME_USER_DELETED_E', 'PPME_GROUP_ADDED_E',
  'PPME_GROUP_DELETED_E', 'PPME_ASYNCEVENT_E'].map((id) => EVENT_TABLE.findIndex((e) => e.id === id)));

/** sysdig's default line (%evt.outputtime is %evt.time by default; evt.info is evt.args in current libs). */
export const DEFAULT_FORMAT = '*%evt.num %evt.time %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.args';

/** sysdig's cut for byte buffers in event arguments (unless -v). */
const SYSDIG_MAX_ARG_LEN = 80;

export interface InspectOptions {
  filter?: string;
  /** -p format (default DEFAULT_FORMAT). */
  format?: string;
  /** -w: write the selected events here instead of printing. */
  write?: string;
  /** Truncate an existing file at `write` (default: refuse it). */
  overwrite?: boolean;
  gzip?: boolean;
  /** Stop after this many selected events. */
  count?: number;
  /** Byte buffers in evt.args / evt.arg.* whole instead of cut at 80 characters. */
  verbose?: boolean;
  /** Where lines go (default process.stdout). */
  out?: NodeJS.WritableStream;
}

export interface InspectResult {
  /** Events delivered (after conversion). */
  events: number;
  /** Events the filter selected. */
  selected: number;
  /** Lines printed, or events written with -w. */
  output: number;
}

/**
 * Runs inspect over `file`. Everything before a capture fault is printed (or written) first;
 * then the ScapFormatError (or CaptureEventError) is thrown. A bad filter or format throws
 * FilterError / FormatError before anything is read.
 */
export async function inspect(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const compiled = opts.filter ? compileUserFilterWithCodes(opts.filter) : undefined;
  const filter = compiled?.filter;
  // The codes the filter can match (every code when there is no filter or no code set).
  const codes = compiled?.codes ?? new Uint8Array(EVENT_TABLE.length).fill(1);
  const printer = opts.write === undefined ? new LinePrinter(opts.format ?? DEFAULT_FORMAT) : undefined;
  const writer = opts.write === undefined ? undefined : new ScapWriter(opts.write, { gzip: opts.gzip, overwrite: opts.overwrite });
  const sink = printer ? new LineSink(opts.out ?? process.stdout) : undefined;
  const state = new State({ hostUsers: false, containerLookup: false, fields: { argRender: opts.verbose ? undefined : { maxBufLen: SYSDIG_MAX_ARG_LEN } } });
  const source = new ScapFileSource(file, { numbering: 'file', originals: writer !== undefined });
  const limit = opts.count ?? Infinity;
  const result: InspectResult = { events: 0, selected: 0, output: 0 };
  let stop = false;

  const parser = state.parser;
  const lines = sink?.lines;

  let leading = true;
  // Called synchronously for every event of a read chunk; output is flushed between chunks.
  const print = (evt: EventView): void => {
    if (stop) return;
    result.events++;
    const ctx = parser.process(evt);
    if (leading) {
      if (INITIAL_STATE.has(evt.type)) return;
      leading = false;
    }
    if (isHiddenEnterEvent(evt.type)) return;
    if (codes[evt.type] !== 1 || (filter !== undefined && !filter(ctx))) return;
    if (++result.selected >= limit) stop = true;
    // Internal events (procinfo ...) count for -n but are not printed, as in sysdig.
    if ((evt.info.category & EC.INTERNAL) !== 0) return;
    if (printer!.write(ctx, lines!)) result.output++;
  };

  // With -w: the selected event's original records, as the input has them.
  const copy = (evt: EventView): void => {
    if (stop) return;
    result.events++;
    const ctx = parser.process(evt);
    if (codes[evt.type] !== 1 || (filter !== undefined && !filter(ctx))) return;
    if (++result.selected >= limit) stop = true;
    for (const o of source.originals()) writer!.writeEvent(o.record, o.cpu, o.flags);
    result.output++;
  };

  try {
    await source.start({
      tables: (t) => {
        loadScapTables(state, t);
        writer?.writeTables(t);
      },
      event: writer === undefined ? print : copy,
      batchDone: async () => {
        await sink?.flush();
        if (writer?.wantsFlush) await writer.flush();
        return !stop && sink?.broken !== true;
      },
    });
    await source.ended;
  } finally {
    await sink?.flush();
    await writer?.close();
    state.close();
  }
  return result;
}
