// The JSON Schema of Saker's configuration: every key of Falco's falco.yaml (with its type, as
// Falco's own schema checks it since 0.38), plus Saker's `destinations` and `kafka_output`. Unknown
// keys are errors except under the sections other components own and check themselves
// (webserver, metrics, policies, container_engines, plugins), which stay open for them to grow.

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
/** Falco's syscall buffer size index: 1..10 for 1 MiB .. 512 MiB (0 is reserved). */
const bufSizePreset: Schema = { type: 'integer', minimum: 1, maximum: 10 };
const num: Schema = { type: 'number' };
const strList: Schema = { type: 'array', items: str };
/** A duration: milliseconds as a number, or text such as 500ms, 30s, 5m, 1h. */
const duration: Schema = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$' }] };

/** A closed object: only the listed keys. */
function obj(properties: Record<string, Schema>, extra: Schema = {}): Schema {
  return { type: 'object', additionalProperties: false, properties, ...extra };
}

/** A section another component owns: its known keys typed, the rest left to it. */
function open(properties: Record<string, Schema> = {}): Schema {
  return { type: 'object', additionalProperties: true, properties };
}

const priorityName: Schema = {
  type: 'string',
  enum: ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug',
    'Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Info', 'Debug'],
};

const enabled = obj({ enabled: bool });

const tls = obj({
  insecure: bool, ca_cert: str, ca_bundle: str, ca_path: str, client_cert: str, client_key: str, server_name: str,
});

/** What every destination may say about delivery and noise. */
const deliveryKeys: Record<string, Schema> = {
  minimum_priority: priorityName,
  rules: strList,
  exclude_rules: strList,
  tags: strList,
  message: str,
  timeout: duration,
  queue: obj({ capacity: { type: 'integer', minimum: 1 }, batch: { type: 'integer', minimum: 1 } }),
  retry: obj({ initial_delay: duration, max_delay: duration }),
  spool: obj({ enabled: bool, max_bytes: { type: 'integer', minimum: 0 } }),
  rate_limit: obj({ rate: { type: 'number', exclusiveMinimum: 0 }, max_burst: { type: 'integer', minimum: 1 }, per_rule: bool }),
  dedup: obj({ window: duration, fields: strList }, { required: ['window'] }),
};

/** What Falco's local outputs (stdout, syslog, file, program) may say besides Falco's keys:
 *  which alerts they take, their queue and noise control (they neither retry nor spool). */
const localDeliveryKeys: Record<string, Schema> = {
  minimum_priority: deliveryKeys.minimum_priority!, rules: strList, exclude_rules: strList, tags: strList,
  queue: deliveryKeys.queue!, rate_limit: deliveryKeys.rate_limit!, dedup: deliveryKeys.dedup!,
};

const DESTINATION_TYPES = [
  'slack', 'teams', 'discord', 'googlechat', 'webhook', 'falcosidekick', 'alertmanager', 'loki',
  'elasticsearch', 'opensearch', 'splunk', 'pagerduty', 'nats', 'kafka', 'syslog', 'smtp',
] as const;

const kafkaKeys: Record<string, Schema> = {
  brokers: { type: 'array', items: str, minItems: 1 },
  topic: str,
  client_id: str,
  tls: { anyOf: [bool, tls] },
  sasl: obj({ mechanism: { type: 'string', enum: ['plain', 'scram-sha-256', 'scram-sha-512'] }, username: str, password: str }, { required: ['mechanism', 'username', 'password'] }),
  acks: { type: 'integer', enum: [-1, 0, 1] },
};

/** Which keys each destination type needs. */
const REQUIRED: Record<(typeof DESTINATION_TYPES)[number], string[]> = {
  slack: ['url'], teams: ['url'], discord: ['url'], googlechat: ['url'], webhook: ['url'], falcosidekick: ['url'],
  alertmanager: ['url'], loki: ['url'], elasticsearch: ['url'], opensearch: ['url'], splunk: ['url', 'token'],
  pagerduty: ['routing_key'], nats: ['servers'], kafka: ['brokers', 'topic'], syslog: ['host', 'port'], smtp: ['host', 'from', 'to'],
};

const destination: Schema = obj({
  name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
  type: { type: 'string', enum: [...DESTINATION_TYPES] },
  enabled: bool,
  ...deliveryKeys,
  // HTTP family
  url: { type: 'string', pattern: '^https?://' },
  method: { type: 'string', enum: ['POST', 'PUT'] },
  headers: { type: 'object', additionalProperties: str },
  username: str,
  password: str,
  token: str,
  tls,
  compress: bool,
  // Loki
  labels: { type: 'object', additionalProperties: str },
  tenant: str,
  // Elasticsearch / OpenSearch
  index: str,
  api_key: str,
  // Splunk
  sourcetype: str,
  splunk_index: str,
  // PagerDuty
  routing_key: str,
  // Alertmanager
  expires_after: duration,
  // NATS
  servers: { anyOf: [str, { type: 'array', items: str, minItems: 1 }] },
  subject: str,
  // Kafka
  ...kafkaKeys,
  // syslog
  host: str,
  port: { type: 'integer', minimum: 1, maximum: 65535 },
  protocol: { type: 'string', enum: ['tcp', 'udp', 'tls'] },
  format: { type: 'string', enum: ['json', 'cef'] },
  facility: { type: 'integer', minimum: 0, maximum: 23 },
  // SMTP
  from: str,
  to: { anyOf: [str, { type: 'array', items: str, minItems: 1 }] },
  secure: bool,
  starttls: bool,
}, {
  required: ['name', 'type'],
  allOf: DESTINATION_TYPES.map((t) => ({ if: { properties: { type: { const: t } }, required: ['type'] }, then: { required: REQUIRED[t] } })),
});

export const CONFIG_SCHEMA: Schema = obj({
  config_files: strList,
  watch_config_files: bool,
  rules_files: { anyOf: [str, strList] },
  rules_file: { anyOf: [str, strList] },
  rules: { type: 'array', items: obj({ enable: obj({ rule: str, tag: str }), disable: obj({ rule: str, tag: str }) }, { minProperties: 1, maxProperties: 1 }) },
  engine: obj({
    kind: { type: 'string', enum: ['kmod', 'ebpf', 'modern_ebpf', 'replay', 'gvisor', 'nodriver'] },
    kmod: obj({ buf_size_preset: bufSizePreset, drop_failed_exit: bool }),
    ebpf: obj({ probe: str, buf_size_preset: bufSizePreset, drop_failed_exit: bool }),
    modern_ebpf: obj({ cpus_for_each_buffer: { type: 'integer', minimum: 0 }, buf_size_preset: bufSizePreset, drop_failed_exit: bool, disable_iterators: bool }),
    replay: obj({ capture_file: str }),
    gvisor: obj({ config: str, root: str }),
  }),
  capture: obj({ enabled: bool, path_prefix: str, mode: { type: 'string', enum: ['rules', 'all_rules'] }, default_duration: int, max_file_size_mb: int }),
  load_plugins: strList,
  plugins: { type: 'array', items: open({ name: str, library_path: str, init_config: {}, open_params: str }) },
  plugins_hostinfo: bool,
  container_engines: open(),
  time_format_iso_8601: bool,
  buffer_format_base64: bool,
  priority: priorityName,
  json_output: bool,
  json_include_output_property: bool,
  json_include_message_property: bool,
  json_include_output_fields_property: bool,
  json_include_tags_property: bool,
  buffered_outputs: bool,
  rule_matching: str,
  outputs_queue: obj({ capacity: { type: 'integer', minimum: 0 } }),
  append_output: {
    type: 'array',
    items: obj({
      match: obj({ source: str, tags: strList, rule: str }),
      extra_output: str,
      extra_fields: { type: 'array', items: { anyOf: [str, { type: 'object', additionalProperties: str }] } },
      suggested_output: bool,
    }),
  },
  static_fields: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
  stdout_output: obj({ enabled: bool, ...localDeliveryKeys }),
  syslog_output: obj({ enabled: bool, socket: str, facility: { type: 'integer', minimum: 0, maximum: 23 }, ident: str, ...localDeliveryKeys }),
  file_output: obj({ enabled: bool, keep_alive: bool, filename: str, ...localDeliveryKeys }),
  program_output: obj({ enabled: bool, keep_alive: bool, program: str, ...localDeliveryKeys }),
  http_output: obj({
    enabled: bool, url: { type: 'string', pattern: '^https?://' }, user_agent: str, insecure: bool, ca_cert: str, ca_bundle: str, ca_path: str,
    mtls: bool, client_cert: str, client_key: str, echo: bool, compress_uploads: bool, keep_alive: bool,
    max_consecutive_timeouts: { type: 'integer', minimum: 0 },
  }),
  grpc: obj({ enabled: bool, bind_address: str, threadiness: int }),
  grpc_output: enabled,
  kafka_output: obj({ enabled: bool, ...kafkaKeys, ...deliveryKeys }),
  destinations: { type: 'array', items: destination },
  /** Where delivery keeps its spool (one directory per destination). */
  state_dir: str,
  output_timeout: { type: 'integer', minimum: 0 },
  webserver: open({ enabled: bool, threadiness: int, listen_port: int, listen_address: str, k8s_healthz_endpoint: str, prometheus_metrics_enabled: bool, ssl_enabled: bool, ssl_certificate: str }),
  log_stderr: bool,
  log_syslog: bool,
  log_level: { type: 'string', enum: ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'] },
  libs_logger: obj({ enabled: bool, severity: str }),
  syscall_event_timeouts: obj({ max_consecutives: int }),
  syscall_event_drops: obj({ threshold: num, actions: strList, rate: num, max_burst: int, simulate_drops: bool }),
  metrics: open({ enabled: bool, interval: str, output_rule: bool, output_file: str }),
  base_syscalls: obj({ custom_set: strList, repair: bool, all: bool }),
  prefilter: obj({ enabled: bool }),
  scheduling: obj({ nice: { type: 'integer', minimum: -20, maximum: 19 } }),
  falco_libs: obj({ thread_table_size: int, thread_table_auto_purging_interval_s: int, thread_table_auto_purging_thread_timeout_s: int, snaplen: int }),
  policies: open(),
});
