// A generic webhook, Falcosidekick's POST / and Falco's http_output: one alert per request, the
// Falco JSON alert (with `uuid`, Falcosidekick's key for the id it would otherwise add) — or for
// http_output without json_output, the text line as text/plain, as Falco sends it.
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from '../alert.js';
import type { LineFormat } from '../falco-line.js';
import type { HttpFormat, HttpRequestSpec } from './format.js';

/** The Falco JSON alert with every property Falcosidekick checks (output, output_fields, tags). */
export function falcoJsonFormat(): HttpFormat {
  const o = { ...DEFAULT_JSON_OPTIONS, includeUuid: true };
  return {
    maxBatch: 1,
    request: (batch: readonly Alert[]): HttpRequestSpec => ({ headers: { 'content-type': 'application/json' }, body: alertJson(batch[0]!, o) }),
  };
}

/** Falco's http_output: the configured line format, JSON or text. */
export function falcoLineHttpFormat(line: LineFormat, json: boolean, userAgent: string): HttpFormat {
  const headers = { 'content-type': json ? 'application/json' : 'text/plain', 'user-agent': userAgent };
  return { maxBatch: 1, request: (batch) => ({ headers, body: line(batch[0]!) }) };
}
