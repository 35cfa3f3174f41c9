// What the UI reads from the agent's server: the JSON shapes of /api/* and one fetch helper.
// Requests carry the session cookie the server set at sign-in (same origin), never a token in JS.

export interface AlertView {
  id: number;
  time: string;
  rule: string;
  priority: string;
  priority_number: number;
  source: string;
  tags: string[];
  hostname: string;
  output: string;
  message: string;
  output_fields: Record<string, string | number | boolean | null | string[]>;
}

export interface AlertPage {
  total: number;
  offset: number;
  limit: number;
  items: AlertView[];
}

export interface Counts {
  step: number;
  start: number;
  series: Record<string, number[]>;
}

export interface RuleSummary {
  name: string;
  priority: string;
  enabled: boolean;
  tags: string[];
  source: string;
  hits: number;
}

export interface PolicySummary {
  name: string;
  actions: string[];
}

interface ReloadOutcome {
  at: number;
  ok: boolean;
  error?: string;
  enabledRules: number;
}

export interface Status {
  phase: string;
  source: string;
  startedAt: number;
  sensor?: { attach: string; syscalls: number; alive: boolean };
  events: number;
  alerts: number;
  drops: number;
  enabledRules: number;
  lastReload?: ReloadOutcome;
  versions: { saker_version: string; engine_version_semver: string };
  server: { alertsStored: number; streamClients: number; streamDropped: number };
}

/** prom-client's JSON form of one metric (GET /api/metrics). */
export interface MetricJson {
  name: string;
  help: string;
  type: string;
  values: Array<{ value: number; labels: Record<string, string | number> }>;
}

export async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];
