// Alerts and receivers for the outputs' tests: a synthetic alert, a configuration from -o
// options, a loopback HTTP server that records requests (and can be made to fail), and waiting
// for a condition.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { loadConfig, type Config } from '../config/index.js';
import type { Alert } from './alert.js';

export function testAlert(i: number, over: Partial<Alert> = {}): Alert {
  const ts = 1_765_000_000_000_000_000n + BigInt(i) * 1000n;
  return {
    ts, rule: 'Read sensitive file', priority: 4, priorityName: 'Warning', source: 'syscall', tags: ['filesystem', 'mitre_credential_access'],
    hostname: 'node-1', output: `12:00:00.000000000: Warning Sensitive file opened (file=/etc/shadow n=${i})`, message: `Sensitive file opened (file=/etc/shadow n=${i})`,
    outputFields: { 'evt.time': ts, 'fd.name': '/etc/shadow', 'proc.name': 'cat', n: i, 'container.id': 'host', 'k8s.pod.name': null },
    ...over,
  };
}

export function testConfig(...options: string[]): Config {
  return loadConfig({ overrides: ['stdout_output.enabled=false', 'syslog_output.enabled=false', ...options] });
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP receiver. `respond` decides the status (200 by default). */
export class Receiver {
  readonly requests: Recorded[] = [];
  private server: Server | undefined;
  port = 0;
  respond: (r: Recorded) => { status: number; body?: string } = () => ({ status: 200, body: '{}' });

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw.toString('utf8') };
        const answer = this.respond(r);
        if (answer.status < 300) this.requests.push(r);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? '{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A loopback port nothing listens on (a destination that is down), until something does. */
export async function deadPort(): Promise<number> {
  const rx = await new Receiver().start();
  const port = rx.port;
  await rx.stop();
  return port;
}
