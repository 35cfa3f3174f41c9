// The line Falco writes for an alert to stdout, a file, a program or syslog: the text output, or
// the JSON alert when json_output is on (with the json_include_* choices).
import type { OutputsConfig } from '../config/index.js';
import { alertJson, alertText, type Alert, type JsonAlertOptions } from './alert.js';

export type LineFormat = (a: Alert) => string;

export function falcoLineFormat(cfg: OutputsConfig, extra: Partial<JsonAlertOptions> = {}): LineFormat {
  if (!cfg.json) return alertText;
  const o: JsonAlertOptions = {
    includeOutput: cfg.jsonIncludeOutput, includeOutputFields: cfg.jsonIncludeOutputFields,
    includeTags: cfg.jsonIncludeTags, includeMessage: cfg.jsonIncludeMessage, ...extra,
  };
  return (a) => alertJson(a, o);
}
