// The one small interface every alert destination implements (stdout, a file, a program, syslog,
// an HTTP API, NATS, Kafka, SMTP ...): send a batch of alerts and say, by resolving, that the
// receiver has them. Queueing, retries, the spool and noise control live in front of it (channel.ts),
// so a destination module only knows its wire format and its client.
import type { Alert } from './alert.js';

export interface Destination {
  /** Most alerts one send() takes (1 for APIs that take one alert per request). */
  readonly maxBatch: number;
  /** Resolves once the receiver accepted every alert of the batch; rejects with a DeliveryError. */
  send(batch: readonly Alert[]): Promise<void>;
  /** SIGUSR1: reopen files, respawn programs. */
  reopen?(): void;
  close(): Promise<void>;
}

/** A failed send: `retryable` when trying again later may work (connection refused, 5xx, 429,
 *  timeout); otherwise the alerts are counted as failed (a 400 will not become a 200). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  /** `delivered`: how many alerts at the batch's start the receiver did take before it failed
   *  (a file that filled up midway); they count as sent, only the rest as failed. */
  constructor(message: string, readonly retryable: boolean, readonly delivered = 0) {
    super(message);
  }
}

/** The error of a failed send as a DeliveryError (errors from clients count as retryable). */
export function asDeliveryError(e: unknown): DeliveryError {
  if (e instanceof DeliveryError) return e;
  const err = e as NodeJS.ErrnoException;
  return new DeliveryError(err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? e), true);
}
