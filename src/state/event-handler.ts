// What the process and socket event handlers see of the state parser: the members they use, as
// an interface the parser implements, and the handler type. A module of its own so that the
// handlers' modules (process-events.ts, socket-events.ts) and the parser's do not import each
// other: the parser imports the handlers, the handlers import only this.
import type { EventView } from '../events/index.js';
import type { FdPool, FdState } from './fds.js';
import type { SockTuple } from './sockaddr.js';
import type { Thread, ThreadTable } from './threads.js';
import type { EventContext } from './types.js';

/** The EventContext the parser fills, with the state's own thread and fd classes. */
export interface StateContext extends EventContext {
  thread: Thread | undefined;
  fd: FdState | undefined;
}

/** The parser as a handler uses it (StateParser implements it). */
export interface HandlerParser {
  readonly threads: ThreadTable;
  readonly ctx: StateContext;
  readonly bootTs: bigint;
  /** Where the fds events create come from (closed ones reused). */
  readonly fdPool: FdPool;
  /** The socket tuple of the event in hand, decoded into this one object (used before the next event). */
  readonly sockTuple: SockTuple;
  /** Adds an fd to `t`'s process and makes it the event's fd (sinsp_threadinfo::add_fd). */
  addEventFd(t: Thread, num: number, fd: FdState): FdState | undefined;
  scheduleThreadRemoval(tid: number): void;
  lookupUnknownThread(tid: number): Thread | undefined;
  getOrCreateThread(tid: number): Thread | undefined;
  notifyProcessChange(t: Thread): void;
  notifyCredentials(t: Thread): void;
}

/**
 * A per-event-type state update; `t` is the event's thread, when known. The parser's own
 * handlers take the whole StateParser (`EventHandler<StateParser>`); the others this interface.
 */
export type EventHandler<P extends HandlerParser = HandlerParser> = (p: P, evt: EventView, t: Thread | undefined) => void;
