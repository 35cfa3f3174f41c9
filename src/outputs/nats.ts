// NATS (@nats-io/transport-node): each alert published as the Falco JSON alert (with uuid) on a
// subject from a template — default `falco.<priority>.<rule>`, lower case, with characters NATS
// subjects cannot carry made `_` — and a flush, whose answer from the server says it has them.
// The client's own reconnection is off: a lost connection fails the batch, and the channel's
// retries and spool take over, so a publish is never buffered twice.
import type { NatsConnection } from '@nats-io/transport-node';
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import { compileTemplate, type Template } from './template.js';

/** A subject token from free text: no spaces, dots, wildcards or control characters. */
function token(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_';
}

export class NatsDestination implements Destination {
  readonly maxBatch = 500;
  private nc: NatsConnection | undefined;
  private readonly subject: Template;
  private readonly json = { ...DEFAULT_JSON_OPTIONS, includeUuid: true };

  constructor(private readonly servers: string[], subject: string | undefined, private readonly timeoutMs: number) {
    this.subject = subject ? compileTemplate(subject) : (a: Alert) => `falco.${token(a.priorityName)}.${token(a.rule)}`;
  }

  private async connection(): Promise<NatsConnection> {
    if (this.nc && !this.nc.isClosed()) return this.nc;
    try {
      // Loaded on the first connection, not when Saker starts (start-up time every command would pay).
      const { connect } = await import('@nats-io/transport-node');
      const nc = await connect({ servers: this.servers, reconnect: false, timeout: this.timeoutMs, name: 'saker' });
      this.nc = nc;
      return nc;
    } catch (e) {
      throw new DeliveryError(`nats ${this.servers.join(',')}: ${(e as Error).message}`, true);
    }
  }

  async send(batch: readonly Alert[]): Promise<void> {
    const nc = await this.connection();
    try {
      for (const a of batch) nc.publish(this.subject(a), alertJson(a, this.json));
      await nc.flush();
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw new DeliveryError(`nats: ${(e as Error).message}`, true);
    }
  }

  async close(): Promise<void> {
    await this.nc?.drain().catch(() => undefined);
  }
}
