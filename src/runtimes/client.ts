// What every runtime client offers the runtime set (runtimes.ts): a version probe at start, the
// description of one container, and a stream of container lifecycle events. Clients talk to one
// socket each and never start a process.
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { ContainerInfo } from '../state/index.js';
import type { EngineName } from './config.js';

/** A container lifecycle event from a runtime's event stream. */
export interface RuntimeEvent {
  kind: 'create' | 'start' | 'delete';
  /** The id as the runtime gives it (full). */
  id: string;
  /** containerd namespace, for the containerd API. */
  namespace?: string;
}

export interface RuntimeClient {
  readonly engine: EngineName;
  readonly socket: string;
  /** Asks the runtime who it is ("docker 20.10.24"); rejects when it does not answer. */
  probe(signal: AbortSignal): Promise<string>;
  /**
   * The runtime's description of a container, by full id or (where the runtime accepts one) an
   * id prefix; undefined when the runtime does not know it.
   */
  inspect(id: string, signal: AbortSignal, namespace?: string): Promise<Partial<ContainerInfo> | undefined>;
  /** Follows the runtime's container events until stopped; errors end the stream (reported). */
  watch(onEvent: (e: RuntimeEvent) => void, onEnd: (err?: Error) => void): () => void;
  close(): void;
}

/** Labels kept for the fields: those not longer than `max` (the plugin's label_max_len). */
export function keepLabels(labels: Readonly<Record<string, string>> | null | undefined, max: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (typeof v === 'string' && v.length <= max) out[k] = v;
  return out;
}

/**
 * Follows a gRPC server stream: each message to `onData`, its end or error (unless stopped by
 * the returned function) to `onEnd`.
 */
export function followGrpcStream<T>(call: ClientReadableStream<T>, onData: (m: T) => void, onEnd: (err?: Error) => void): () => void {
  let stopped = false;
  call.on('data', onData);
  call.on('error', (err: ServiceError) => {
    if (!stopped) onEnd(err);
  });
  call.on('end', () => {
    if (!stopped) onEnd();
  });
  return () => {
    stopped = true;
    call.cancel();
  };
}
