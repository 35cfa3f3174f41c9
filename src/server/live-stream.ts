// Server-sent events for the UI's live table: each alert is written once as JSON to every open
// stream. A client that stops reading is dropped once its unsent bytes pass a bound, so a stalled
// browser cannot make the agent buffer without end; a comment line every 15 s keeps proxies from
// closing an idle stream.
import type { ServerResponse } from 'node:http';

const MAX_PENDING_BYTES = 1 << 20;
const HEARTBEAT_MS = 15_000;

export class LiveStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Clients dropped for not reading. */
  dropped = 0;

  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response as an event stream. */
  open(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  /** Sends one event to every client; `data` must be one line (JSON is). */
  event(name: string, id: number, data: string): void {
    if (this.clients.size === 0) return;
    this.send(`event: ${name}\nid: ${id}\ndata: ${data}\n\n`);
  }

  private send(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_PENDING_BYTES) {
        this.dropped++;
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
