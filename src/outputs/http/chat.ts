// The chat webhooks — Slack, Microsoft Teams, Discord, Google Chat — as one family: the same
// message (the destination's template, or "<Priority> <rule>: <output>") and the alert's main
// facts, each in the body its incoming-webhook API takes: Slack's `text` + `attachments`, Teams'
// MessageCard, Discord's `content` + `embeds` (2,000 and 4,096 characters at most), Google Chat's
// `text`. One alert per request.
import type { Alert } from '../alert.js';
import type { Template } from '../template.js';
import { priorityColor, type HttpFormat } from './format.js';

export type ChatKind = 'slack' | 'teams' | 'discord' | 'googlechat';

const JSON_HEADERS = { 'content-type': 'application/json' };

function facts(a: Alert): Array<[string, string]> {
  const out: Array<[string, string]> = [['rule', a.rule], ['priority', a.priorityName], ['source', a.source], ['hostname', a.hostname]];
  if (a.tags.length) out.push(['tags', [...a.tags].sort().join(', ')]);
  for (const [k, v] of Object.entries(a.outputFields)) {
    if (v !== null && !k.startsWith('evt.time')) out.push([k, String(v)]);
  }
  return out;
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

export function chatFormat(kind: ChatKind, message: Template | undefined): HttpFormat {
  const text = message ?? ((a: Alert) => `${a.priorityName} ${a.rule}: ${a.message}`);
  const body = (a: Alert): unknown => {
    const color = priorityColor(a.priority);
    const time = Number(a.ts / 1_000_000_000n);
    switch (kind) {
      case 'slack':
        return {
          text: text(a),
          attachments: [{ color, fallback: a.output, fields: facts(a).map(([title, value]) => ({ title, value, short: value.length < 40 })), footer: 'saker', ts: time }],
        };
      case 'teams':
        return {
          '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: cut(text(a), 250), themeColor: color.slice(1),
          sections: [{ activityTitle: a.rule, activitySubtitle: a.priorityName, text: text(a), facts: facts(a).map(([name, value]) => ({ name, value })) }],
        };
      case 'discord':
        return {
          content: cut(text(a), 2000),
          embeds: [{
            title: cut(a.rule, 256), description: cut(a.output, 4096), color: parseInt(color.slice(1), 16),
            fields: facts(a).slice(0, 25).map(([name, value]) => ({ name: cut(name, 256), value: cut(value, 1024), inline: value.length < 40 })),
          }],
        };
      case 'googlechat':
        return { text: text(a) };
    }
  };
  return { maxBatch: 1, request: (batch) => ({ headers: JSON_HEADERS, body: JSON.stringify(body(batch[0]!)) }) };
}
