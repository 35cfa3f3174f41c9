// The line Falco writes for an alert to stdout, a file, a program or syslog: the text output, or
// the JSON alert when json_output is on (with the json_include_* choices).
import type { OutputsConfig } from '../config/index.js';
import { alertJson, alertText, type Alert, type JsonAlertOptions } from './alert.js';

export type LineFormat = (a: Alert) => string;

/** A batch as the text a line output writes: one line per alert, each ending in a newline. */
export function batchLines(batch: readonly Alert[], format: LineFormat): string {
  let text = '';
  for (const a of batch) text += `${format(a)}\n`;
  return text;
}

export function falcoLineFormat(cfg: OutputsConfig, extra: Partial<JsonAlertOptions> = {}): LineFormat {
  if (!cfg.json) return alertText;
  const o: JsonAlertOptions = {
    includeOutput: cfg.jsonIncludeOutput, includeOutputFields: cfg.jsonIncludeOutputFields,
    includeTags: cfg.jsonIncludeTags, includeMessage: cfg.jsonIncludeMessage, ...extra,
  };
  return (a) => alertJson(a, o);
}
