// HTTP delivery over undici: one connection pool per destination (keep-alive), the TLS choices of
// Falco's http_output (insecure, a CA file, bundle or directory, a client certificate for mTLS),
// optional gzip of the body, and the answer's status turned into a delivery result — 2xx is
// delivered; 408, 425, 429 and 5xx (and no answer at all) are worth retrying; other 4xx are not.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as Undici from 'undici';
import { DeliveryError } from '../destination.js';

// undici is loaded when an HTTP destination is built, not when Saker starts: every command that
// loads the outputs would otherwise pay its ~400 modules at start-up for nothing.
const load = createRequire(import.meta.url);

export interface TlsSettings {
  insecure?: boolean;
  ca_cert?: string;
  ca_bundle?: string;
  ca_path?: string;
  client_cert?: string;
  client_key?: string;
  server_name?: string;
}

export interface ClientOptions {
  tls: TlsSettings;
  keepAlive: boolean;
  timeoutMs: number;
}

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The TLS connect options for the settings; certificate files are read now, so a missing one is
 *  an error at start, not at the first alert. */
export function tlsConnectOptions(t: TlsSettings): Record<string, unknown> {
  const ca: string[] = [];
  if (t.ca_cert) ca.push(read(t.ca_cert, 'ca_cert'));
  if (t.ca_bundle) ca.push(read(t.ca_bundle, 'ca_bundle'));
  if (t.ca_path) {
    for (const f of readdirSync(t.ca_path).filter((n) => /\.(pem|crt)$/.test(n)).sort()) ca.push(read(join(t.ca_path, f), 'ca_path'));
  }
  const o: Record<string, unknown> = { rejectUnauthorized: !t.insecure };
  if (ca.length) o.ca = ca;
  if (t.client_cert) o.cert = read(t.client_cert, 'client_cert');
  if (t.client_key) o.key = read(t.client_key, 'client_key');
  if (t.server_name) o.servername = t.server_name;
  return o;
}

export interface Answer {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: Undici.Agent;
  private readonly request: typeof Undici.request;

  constructor(private readonly opts: ClientOptions) {
    const { Agent, request } = load('undici') as typeof Undici;
    this.request = request;
    this.agent = new Agent({
      connect: { ...tlsConnectOptions(opts.tls), timeout: opts.timeoutMs },
      keepAliveTimeout: opts.keepAlive ? 30_000 : 1,
      pipelining: opts.keepAlive ? 1 : 0,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  /** Sends the request; resolves with the answer when it is 2xx, else throws a DeliveryError. */
  async send(url: string, method: 'POST' | 'PUT', headers: Record<string, string>, body: string, gzip = false): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    let payload: string | Buffer = body;
    if (gzip) {
      payload = gzipSync(body);
      h['content-encoding'] = 'gzip';
    }
    let status: number;
    let text: string;
    try {
      const res = await this.request(url, { method, headers: h, body: payload, dispatcher: this.agent });
      status = res.statusCode;
      text = await res.body.text();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new DeliveryError(`${url}: ${err.code ?? ''} ${err.message}`.trim(), true);
    }
    if (status >= 200 && status < 300) return { status, body: text };
    const retry = status === 408 || status === 425 || status === 429 || status >= 500;
    throw new DeliveryError(`${url}: HTTP ${status} ${text.slice(0, 200)}`.trim(), retry);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
