// Falco's `webserver` section (enabled, listen_address, listen_port, k8s_healthz_endpoint,
// prometheus_metrics_enabled, ssl_enabled, ssl_certificate) and Saker's additions (api_token,
// alerts_capacity), read from the configuration's raw object into typed settings. Saker binds
// 127.0.0.1 unless told otherwise (Falco binds 0.0.0.0) so the API is never open by accident.
import { shown } from '../config/index.js';
import { ConfigError } from '../config/index.js';

export interface WebserverSettings {
  enabled: boolean;
  listenAddress: string;
  listenPort: number;
  healthzEndpoint: string;
  /** Falco serves /metrics when both webserver.prometheus_metrics_enabled and metrics.enabled. */
  prometheusMetrics: boolean;
  sslEnabled: boolean;
  /** One PEM file with the private key and the certificate (Falco's falco.pem). */
  sslCertificate: string;
  /** Bearer token for /api and the UI; required when bound off loopback (else they answer 401). */
  apiToken?: string;
  /** How many recent alerts the API and the UI keep. */
  alertsCapacity: number;
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`configuration key '${key}' must be a map`);
  return v as Record<string, unknown>;
}

function flag(s: Record<string, unknown>, where: string, key: string, dflt: boolean): boolean {
  const v = s[key];
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  throw new ConfigError(`configuration key '${where}.${key}' must be true or false, got '${shown(v)}'`);
}

function text(s: Record<string, unknown>, where: string, key: string, dflt: string): string {
  const v = s[key];
  if (v === undefined) return dflt;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new ConfigError(`configuration key '${where}.${key}' must be a string`);
}

function integer(s: Record<string, unknown>, where: string, key: string, dflt: number, min: number, max: number): number {
  const v = s[key];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`configuration key '${where}.${key}' must be an integer from ${min} to ${max}, got '${shown(v)}'`);
  }
  return n;
}

/** The webserver settings; `env` supplies SAKER_API_TOKEN (a Kubernetes Secret as an env var). */
export function webserverSettings(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): WebserverSettings {
  const w = section(raw, 'webserver');
  const metrics = section(raw, 'metrics');
  const endpoint = text(w, 'webserver', 'k8s_healthz_endpoint', '/healthz');
  if (!endpoint.startsWith('/')) throw new ConfigError(`configuration key 'webserver.k8s_healthz_endpoint' must start with '/', got '${endpoint}'`);
  const token = text(w, 'webserver', 'api_token', env.SAKER_API_TOKEN ?? '');
  return {
    enabled: flag(w, 'webserver', 'enabled', true),
    listenAddress: text(w, 'webserver', 'listen_address', '127.0.0.1'),
    listenPort: integer(w, 'webserver', 'listen_port', 8765, 0, 65535),
    healthzEndpoint: endpoint,
    prometheusMetrics: flag(w, 'webserver', 'prometheus_metrics_enabled', false) && flag(metrics, 'metrics', 'enabled', false),
    sslEnabled: flag(w, 'webserver', 'ssl_enabled', false),
    sslCertificate: text(w, 'webserver', 'ssl_certificate', '/etc/falco/falco.pem'),
    apiToken: token === '' ? undefined : token,
    alertsCapacity: integer(w, 'webserver', 'alerts_capacity', 10_000, 1, 1_000_000),
  };
}

/** True for addresses only this machine can reach. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === 'localhost' || a === '::1' || a.startsWith('127.') || a === '::ffff:127.0.0.1';
}
