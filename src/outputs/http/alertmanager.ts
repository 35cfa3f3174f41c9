// Prometheus Alertmanager's API v2 (POST /api/v2/alerts): a JSON array of alerts, each with
// labels (alertname = the rule, priority, source, hostname, and the alert's output fields as
// label-safe names) and annotations (summary, description = the output), startsAt the alert's
// time and endsAt `expires_after` later (default 10 min) so it resolves by itself.
import { iso8601Z } from '../../filter/fields/index.js';
import type { Alert } from '../alert.js';
import { joinUrl, type HttpFormat } from './format.js';

function labelName(k: string): string {
  const n = k.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : `_${n}`;
}

export function alertmanagerFormat(url: string, expiresMs: number): HttpFormat {
  const endpoint = joinUrl(url, '/api/v2/alerts');
  const one = (a: Alert) => {
    const labels: Record<string, string> = { alertname: a.rule, rule: a.rule, priority: a.priorityName, source: a.source, hostname: a.hostname };
    for (const [k, v] of Object.entries(a.outputFields)) {
      if (v === null || k.startsWith('evt.time') || k.startsWith('dedup.')) continue;
      labels[labelName(k)] ??= String(v);
    }
    const startsAt = iso8601Z(a.ts);
    const endsAt = new Date(Number(a.ts / 1_000_000n) + expiresMs).toISOString();
    return { labels, annotations: { summary: a.rule, description: a.output, uuid: a.uuid ?? '' }, startsAt, endsAt };
  };
  return { maxBatch: 100, request: (batch) => ({ url: endpoint, headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch.map(one)) }) };
}
