// Elasticsearch / OpenSearch bulk API (POST /_bulk, NDJSON): one `create` action per alert into
// the day's index (`<index>-YYYY.MM.DD` from the alert's UTC time) with the alert's uuid as the
// document id, so a repeat after a retry is refused as a conflict (409) instead of stored twice.
// A 200 answer can still carry failed items: conflicts are fine, 429/5xx items make the batch
// retry, others fail it.
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from '../alert.js';
import { DeliveryError } from '../destination.js';
import { joinUrl, type HttpFormat } from './format.js';
import { iso8601Z } from '../../filter/fields/index.js';

function dailyIndex(index: string, ts: bigint): string {
  return `${index}-${iso8601Z(ts).slice(0, 10).replace(/-/g, '.')}`;
}

export function elasticsearchFormat(url: string, index: string, auth: Record<string, string>): HttpFormat {
  const endpoint = joinUrl(url, '/_bulk');
  const headers = { 'content-type': 'application/x-ndjson', ...auth };
  const json = { ...DEFAULT_JSON_OPTIONS, includeUuid: true };
  return {
    maxBatch: 500,
    request(batch: readonly Alert[]) {
      let body = '';
      for (const a of batch) {
        const action: Record<string, string> = { _index: dailyIndex(index, a.ts) };
        if (a.uuid) action._id = a.uuid;
        const doc = alertJson(a, json);
        body += `${JSON.stringify({ create: action })}\n{"@timestamp":${JSON.stringify(iso8601Z(a.ts))},${doc.slice(1)}\n`;
      }
      return { url: endpoint, headers, body };
    },
    checkAnswer(text: string) {
      const r = JSON.parse(text) as { errors?: boolean; items?: Array<Record<string, { status: number; error?: { reason?: string } }>> };
      if (!r.errors) return;
      const bad = (r.items ?? []).map((it) => Object.values(it)[0]!).filter((x) => x.status >= 300 && x.status !== 409);
      if (bad.length === 0) return;
      const retry = bad.some((x) => x.status === 429 || x.status >= 500);
      throw new DeliveryError(`bulk: ${bad.length} item(s) failed: ${bad[0]!.status} ${bad[0]!.error?.reason ?? ''}`, retry);
    },
  };
}
