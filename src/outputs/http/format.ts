// What an HTTP destination module provides: how a batch of alerts becomes one request to its API
// (path, headers, body), and how many alerts a request may carry. The transport, retries and
// spooling are the same for all of them (destination.ts in this folder, channel.ts).
import type { Alert } from '../alert.js';

export interface HttpRequestSpec {
  /** Full URL; the destination's configured `url` when absent. */
  url?: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpFormat {
  readonly maxBatch: number;
  request(batch: readonly Alert[]): HttpRequestSpec;
  /** Checks a 2xx answer's body where the API reports failures inside it (bulk APIs). */
  checkAnswer?(body: string): void;
}

/** `url` with `path` appended, without doubling the slash. */
export function joinUrl(url: string, path: string): string {
  return url.replace(/\/+$/, '') + path;
}

/** Colours chat messages use for a priority (0 Emergency .. 7 Debug). */
export function priorityColor(priority: number): string {
  return ['#e20b0b', '#ff5400', '#ff9000', '#ffc700', '#ffc700', '#5bffb5', '#68c2ff', '#ccfff2'][priority] ?? '#ccfff2';
}
