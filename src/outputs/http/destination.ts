// One HTTP destination: a format (slack.ts, loki.ts, ...) over the shared client (client.ts).
import type { Alert } from '../alert.js';
import type { Destination } from '../destination.js';
import type { HttpClient } from './client.js';
import type { HttpFormat } from './format.js';

export class HttpDestination implements Destination {
  readonly maxBatch: number;

  constructor(
    private readonly client: HttpClient,
    private readonly url: string,
    private readonly format: HttpFormat,
    private readonly opts: { method?: 'POST' | 'PUT'; headers?: Record<string, string>; gzip?: boolean; echo?: (body: string) => void } = {},
  ) {
    this.maxBatch = format.maxBatch;
  }

  async send(batch: readonly Alert[]): Promise<void> {
    const r = this.format.request(batch);
    const answer = await this.client.send(r.url ?? this.url, this.opts.method ?? 'POST', { ...r.headers, ...this.opts.headers }, r.body, this.opts.gzip);
    this.format.checkAnswer?.(answer.body);
    this.opts.echo?.(answer.body);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
