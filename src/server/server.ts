// The agent's web server: Falco's endpoints (/healthz or the configured k8s_healthz_endpoint,
// /versions, /metrics), the JSON API the UI and scripts use (/api/...), the live alert stream and
// the UI's files. It sees the agent only through AgentHandle and keeps the recent alerts itself.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AgentHandle } from '../agent/index.js';
import { ConfigError } from '../config/index.js';
import { AlertStore, priorityNumber, type AlertQuery } from './alert-store.js';
import { alertView } from './alert-view.js';
import { Authorizer, TOKEN_COOKIE } from './auth.js';
import { LiveStream } from './live-stream.js';
import { isLoopback, type WebserverSettings } from './settings.js';
import { defaultUiDir, loadStaticFiles, type StaticFile } from './static-files.js';
import { versions } from './versions.js';

export interface ServerOptions {
  /** Operational messages (bind address, refused starts). */
  log?: (message: string) => void;
  /** Where the built UI is (default dist/ui of the package). */
  uiDir?: string;
  now?: () => number;
}

/** A policy as the UI lists it; an agent with policies offers them through `policies()`. */
interface PolicySummary {
  name: string;
  actions: readonly string[];
  [key: string]: unknown;
}

class BadRequest extends Error {}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
};

export class SakerServer {
  readonly store: AlertStore;
  readonly stream = new LiveStream();
  private readonly auth: Authorizer;
  private readonly files: Map<string, StaticFile>;
  private readonly server: Server;
  private readonly unsubscribe: () => void;
  private readonly log: (m: string) => void;

  constructor(private readonly agent: AgentHandle, readonly settings: WebserverSettings, opts: ServerOptions = {}) {
    this.log = opts.log ?? (() => {});
    this.store = new AlertStore(settings.alertsCapacity, 3600, opts.now);
    this.auth = new Authorizer(!isLoopback(settings.listenAddress), settings.apiToken);
    this.files = loadStaticFiles(opts.uiDir ?? defaultUiDir());
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    if (settings.sslEnabled) {
      let pem: Buffer;
      try {
        pem = readFileSync(settings.sslCertificate);
      } catch (e) {
        throw new ConfigError(`webserver.ssl_certificate: cannot read ${settings.sslCertificate}: ${(e as Error).message}`);
      }
      this.server = createHttpsServer({ key: pem, cert: pem }, handler);
    } else {
      this.server = createHttpServer(handler);
    }
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
    this.unsubscribe = agent.onAlert((a) => {
      const stored = this.store.add(a);
      if (this.stream.size > 0) this.stream.event('alert', stored.id, JSON.stringify(alertView(stored)));
    });
  }

  /** Listens; resolves with the bound address (port 0 picks a free one). */
  async start(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.listenPort, this.settings.listenAddress, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const scheme = this.settings.sslEnabled ? 'https' : 'http';
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.log(`webserver: listening on ${scheme}://${host}:${addr.port} (health ${this.settings.healthzEndpoint}` +
      `${this.settings.prometheusMetrics ? ', /metrics' : ''}, UI and /api${isLoopback(this.settings.listenAddress) ? '' : ' with bearer token'})`);
    if (!isLoopback(this.settings.listenAddress) && this.settings.apiToken === undefined) {
      this.log('webserver: bound off loopback without webserver.api_token or SAKER_API_TOKEN: the UI and /api refuse every request');
    }
    return addr;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    this.stream.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (e) {
      if (e instanceof BadRequest) this.json(res, 400, { error: e.message });
      else {
        this.log(`webserver: ${req.method} ${req.url}: ${(e as Error).message}`);
        if (!res.headersSent) this.json(res, 500, { error: 'internal error' });
        else res.destroy();
      }
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && !(method === 'POST' && path === '/api/reload')) {
      this.json(res, 405, { error: `method ${method} not allowed` });
      return;
    }
    if (path === this.settings.healthzEndpoint) return this.healthz(res);
    if (path === '/versions') return this.json(res, 200, versions());
    if (path === '/metrics') {
      if (!this.settings.prometheusMetrics) return this.json(res, 404, { error: '/metrics needs webserver.prometheus_metrics_enabled and metrics.enabled' });
      const text = await this.agent.metrics.text();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', ...SECURITY_HEADERS });
      res.end(text);
      return;
    }
    // Everything below is the API or the UI: behind the token when bound off loopback.
    const token = url.searchParams.get('token');
    if (token !== null && !path.startsWith('/api/') && this.auth.accepts(token)) {
      // The UI's sign-in: a cookie the browser sends with every later request, the token out of the URL.
      res.writeHead(303, { location: '/', 'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`, ...SECURITY_HEADERS });
      res.end();
      return;
    }
    const allowed = this.auth.check(req);
    if (!allowed.ok) {
      res.setHeader('www-authenticate', 'Bearer realm="saker"');
      return this.json(res, allowed.status, { error: allowed.reason });
    }
    if (path.startsWith('/api/')) return this.api(method, path.slice(5), url.searchParams, res);
    const file = this.files.get(path);
    if (file) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(method === 'HEAD' ? undefined : file.body);
      return;
    }
    if (path === '/' && this.files.size === 0) return this.json(res, 503, { error: 'the web UI is not built (npm run build makes dist/ui)' });
    this.json(res, 404, { error: `no such page: ${path}` });
  }

  private healthz(res: ServerResponse): void {
    const s = this.agent.status();
    const live = s.phase === 'running' && (s.sensor === undefined || s.sensor.alive);
    if (live) this.json(res, 200, { status: 'ok' });
    else this.json(res, 503, { status: s.sensor && !s.sensor.alive ? 'sensor stopped' : s.phase });
  }

  private async api(method: string, route: string, q: URLSearchParams, res: ServerResponse): Promise<void> {
    if (method === 'POST' && route === 'reload') return this.json(res, 200, await this.agent.reload());
    if (route === 'status') {
      return this.json(res, 200, { ...this.agent.status(), versions: versions(), server: { alertsStored: this.store.added, streamClients: this.stream.size, streamDropped: this.stream.dropped } });
    }
    if (route === 'alerts') {
      const page = this.store.query(alertQuery(q));
      return this.json(res, 200, { ...page, items: page.items.map(alertView) });
    }
    const one = /^alerts\/(\d+)$/.exec(route);
    if (one) {
      const s = this.store.get(Number(one[1]));
      return s ? this.json(res, 200, alertView(s)) : this.json(res, 404, { error: `no alert ${one[1]} (it may have left the ring of ${this.store.capacity})` });
    }
    if (route === 'counts') return this.json(res, 200, this.store.countSeries(num(q, 'span') ?? 300, num(q, 'step') ?? 5));
    if (route === 'rules') return this.json(res, 200, this.agent.rules());
    if (route === 'policies') return this.json(res, 200, policiesOf(this.agent));
    if (route === 'metrics') return this.json(res, 200, await this.agent.metrics.registry.getMetricsAsJSON());
    if (route === 'stream') {
      this.stream.open(res);
      return;
    }
    this.json(res, 404, { error: `no such API route: /api/${route}` });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS });
    res.end(text);
  }
}

function num(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new BadRequest(`query parameter '${key}' must be a non-negative number, got '${v}'`);
  return n;
}

function str(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  return v === null || v === '' ? undefined : v;
}

/** The query string of /api/alerts as a store query; a bad value is a 400 naming it. */
function alertQuery(q: URLSearchParams): AlertQuery {
  const p = str(q, 'priority');
  const priority = p === undefined ? undefined : priorityNumber(p);
  if (p !== undefined && priority === undefined) throw new BadRequest(`query parameter 'priority': unknown priority '${p}'`);
  return {
    priority, rule: str(q, 'rule'), tag: str(q, 'tag'), container: str(q, 'container'), pod: str(q, 'pod'), text: str(q, 'text'),
    after: num(q, 'after'), limit: num(q, 'limit'), offset: num(q, 'offset'),
  };
}

function policiesOf(agent: AgentHandle): PolicySummary[] {
  const withPolicies = agent as AgentHandle & { policies?: () => PolicySummary[] };
  return typeof withPolicies.policies === 'function' ? withPolicies.policies() : [];
}
