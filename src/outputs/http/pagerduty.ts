// PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue): one `trigger` event per
// alert with the routing key, the alert's uuid as dedup_key (a repeat is folded by PagerDuty),
// and payload {summary (1,024 characters at most), source = host, severity, timestamp, class =
// rule, custom_details = output fields}.
import { iso8601Z } from '../../filter/fields/index.js';
import type { Alert } from '../alert.js';
import type { Template } from '../template.js';
import type { HttpFormat } from './format.js';

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's four severities for Falco's eight priorities. */
function pagerdutySeverity(priority: number): 'critical' | 'error' | 'warning' | 'info' {
  return priority <= 2 ? 'critical' : priority === 3 ? 'error' : priority === 4 ? 'warning' : 'info';
}

export function pagerdutyFormat(routingKey: string, message: Template | undefined): HttpFormat {
  const summary = message ?? ((a: Alert) => `${a.priorityName} ${a.rule}: ${a.message}`);
  const one = (a: Alert) => ({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: a.uuid,
    payload: {
      summary: summary(a).slice(0, 1024), source: a.hostname, severity: pagerdutySeverity(a.priority), timestamp: iso8601Z(a.ts),
      class: a.rule, group: a.source, custom_details: { ...Object.fromEntries(Object.entries(a.outputFields).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])), tags: a.tags },
    },
  });
  return { maxBatch: 1, request: (batch) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(one(batch[0]!)) }) };
}
