// For tests of the agent's web server: a free loopback port to give it, JSON over HTTP, and
// polling until a condition holds (the server and the browser update asynchronously).
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Polls `read` every 50 ms until `ok` accepts its value; fails with the last value seen. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (e) {
      error = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)}${error ? `, error: ${(error as Error).message}` : ''})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The agent's Prometheus metrics at `port`, as text. */
export async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** The value of one series of Prometheus `text`, `name{labels}` as the agent prints it; NaN when absent. */
export function metricValue(text: string, series: string): number {
  const escaped = series.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text)?.[1]);
}
