// From a configured destination to the module that delivers to it: the one place that knows
// every kind. Certificate files and templates are read and compiled here, so their errors come
// at start with the destination's name.
import type { DestinationConfig, OutputsConfig } from '../config/index.js';
import { durationMs } from '../config/index.js';
import type { Destination } from './destination.js';
import { falcoLineFormat } from './falco-line.js';
import { FileDestination } from './file.js';
import { alertmanagerFormat } from './http/alertmanager.js';
import { chatFormat } from './http/chat.js';
import { HttpClient, type TlsSettings } from './http/client.js';
import { HttpDestination } from './http/destination.js';
import { elasticsearchFormat } from './http/elasticsearch.js';
import { lokiFormat } from './http/loki.js';
import { PAGERDUTY_URL, pagerdutyFormat } from './http/pagerduty.js';
import { splunkFormat } from './http/splunk.js';
import { falcoJsonFormat, falcoLineHttpFormat } from './http/webhook.js';
import { KafkaDestination, type KafkaSettings } from './kafka.js';
import { NatsDestination } from './nats.js';
import { ProgramDestination } from './program.js';
import { SmtpDestination, type SmtpSettings } from './smtp.js';
import { StdoutDestination } from './stdout.js';
import { SyslogLocalDestination } from './syslog-local.js';
import { SyslogRemoteDestination, type SyslogSettings } from './syslog-remote.js';
import { compileTemplate } from './template.js';

export interface BuildDeps {
  log: (msg: string) => void;
  stdout?: NodeJS.WritableStream;
}

export function buildDestination(d: DestinationConfig, cfg: OutputsConfig, deps: BuildDeps): Destination {
  const s = d.settings;
  const line = falcoLineFormat(cfg);
  const message = d.message ? compileTemplate(d.message) : undefined;
  const url = s.url as string;
  const client = (tls: TlsSettings = (s.tls as TlsSettings | undefined) ?? {}, keepAlive = true) => new HttpClient({ tls, keepAlive, timeoutMs: d.timeoutMs });
  const http = (format: ReturnType<typeof falcoJsonFormat>, target = url, c = client()) =>
    new HttpDestination(c, target, format, { method: s.method as 'POST' | 'PUT' | undefined, headers: s.headers as Record<string, string> | undefined, gzip: s.compress === true });
  switch (d.type) {
    case 'stdout': return new StdoutDestination(line, deps.stdout);
    case 'file': return new FileDestination(String(s.filename), s.keep_alive === true, line);
    case 'program': return new ProgramDestination(['/bin/sh', '-c', String(s.program)], s.keep_alive === true, line, deps.log);
    case 'syslog_local': return new SyslogLocalDestination((s.socket as string | undefined) ?? '/dev/log', (s.facility as number | undefined) ?? 1, (s.ident as string | undefined) ?? 'saker', line, deps.log);
    case 'http': {
      // Falco's http_output keys: TLS files apply with mtls for the client certificate
      const tls: TlsSettings = { insecure: s.insecure as boolean, ca_cert: s.ca_cert as string, ca_bundle: s.ca_bundle as string, ca_path: s.ca_path as string };
      if (s.mtls === true) Object.assign(tls, { client_cert: s.client_cert, client_key: s.client_key });
      const format = falcoLineHttpFormat(line, cfg.json, (s.user_agent as string | undefined) ?? 'falcosecurity/falco');
      return new HttpDestination(client(tls, s.keep_alive !== false), url, format, {
        gzip: s.compress_uploads === true,
        echo: s.echo === true ? (body) => deps.log(`http_output: ${body}`) : undefined,
      });
    }
    case 'webhook': case 'falcosidekick': return http(falcoJsonFormat());
    case 'slack': case 'teams': case 'discord': case 'googlechat': return http(chatFormat(d.type, message));
    case 'alertmanager': return http(alertmanagerFormat(url, durationMs(s.expires_after, 600_000)));
    case 'loki': return http(lokiFormat(url, (s.labels as Record<string, string> | undefined) ?? {}, s.tenant as string | undefined));
    case 'elasticsearch': case 'opensearch': {
      const auth: Record<string, string> = {};
      // the schema made these strings
      const key = s.api_key as string | undefined;
      const user = s.username as string | undefined;
      if (key) auth.authorization = `ApiKey ${key}`;
      else if (user) auth.authorization = `Basic ${Buffer.from(`${user}:${(s.password as string | undefined) ?? ''}`).toString('base64')}`;
      return http(elasticsearchFormat(url, (s.index as string | undefined) ?? 'falco', auth));
    }
    case 'splunk': return http(splunkFormat(url, String(s.token), (s.sourcetype as string | undefined) ?? 'falco', s.splunk_index as string | undefined));
    case 'pagerduty': return http(pagerdutyFormat(String(s.routing_key), message), url ?? PAGERDUTY_URL);
    case 'nats': return new NatsDestination(typeof s.servers === 'string' ? [s.servers] : (s.servers as string[]), s.subject as string | undefined, d.timeoutMs);
    case 'kafka': return new KafkaDestination(s as unknown as KafkaSettings, d.timeoutMs, deps.log);
    case 'syslog': return new SyslogRemoteDestination(s as unknown as SyslogSettings, d.timeoutMs);
    case 'smtp': return new SmtpDestination(s as unknown as SmtpSettings, message, d.timeoutMs);
  }
}
