// Grafana Loki's push API (POST /loki/api/v1/push, JSON): alerts grouped into streams by their
// labels (rule, priority, source, hostname, plus configured ones), each entry [time in ns as a
// string, the Falco JSON alert line]. `tenant` goes in X-Scope-OrgID.
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from '../alert.js';
import { joinUrl, type HttpFormat } from './format.js';

export function lokiFormat(url: string, extraLabels: Record<string, string>, tenant?: string): HttpFormat {
  const endpoint = joinUrl(url, '/loki/api/v1/push');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (tenant) headers['x-scope-orgid'] = tenant;
  const json = { ...DEFAULT_JSON_OPTIONS, includeUuid: true };
  return {
    maxBatch: 500,
    request(batch: readonly Alert[]) {
      const streams = new Map<string, { stream: Record<string, string>; values: Array<[string, string]> }>();
      for (const a of batch) {
        const stream = { ...extraLabels, rule: a.rule, priority: a.priorityName, source: a.source, hostname: a.hostname };
        const key = JSON.stringify(stream);
        let s = streams.get(key);
        if (!s) streams.set(key, (s = { stream, values: [] }));
        s.values.push([a.ts.toString(), alertJson(a, json)]);
      }
      return { url: endpoint, headers, body: JSON.stringify({ streams: [...streams.values()] }) };
    },
  };
}
