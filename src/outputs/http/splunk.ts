// Splunk HTTP Event Collector (POST /services/collector/event, `Authorization: Splunk <token>`):
// the events of a batch as concatenated JSON objects, each {time (epoch seconds), host, source,
// sourcetype, index?, event: the Falco JSON alert}.
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from '../alert.js';
import { joinUrl, type HttpFormat } from './format.js';

export function splunkFormat(url: string, token: string, sourcetype: string, index?: string): HttpFormat {
  const endpoint = url.includes('/services/collector') ? url : joinUrl(url, '/services/collector/event');
  const headers = { 'content-type': 'application/json', authorization: `Splunk ${token}` };
  const json = { ...DEFAULT_JSON_OPTIONS, includeUuid: true };
  const one = (a: Alert) => {
    const time = `${a.ts / 1_000_000_000n}.${String(a.ts % 1_000_000_000n).padStart(9, '0').slice(0, 6)}`;
    const idx = index ? `,"index":${JSON.stringify(index)}` : '';
    return `{"time":${time},"host":${JSON.stringify(a.hostname)},"source":"saker","sourcetype":${JSON.stringify(sourcetype)}${idx},"event":${alertJson(a, json)}}`;
  };
  return { maxBatch: 100, request: (batch) => ({ url: endpoint, headers, body: batch.map(one).join('\n') }) };
}
