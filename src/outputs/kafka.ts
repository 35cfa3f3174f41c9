// Kafka (kafkajs): a batch of alerts produced to the topic in one request, each message the
// Falco JSON alert (with uuid) keyed by the rule name (one rule's alerts stay in order on one
// partition). TLS and SASL (plain, SCRAM) from the configuration; acks -1 (all in-sync replicas)
// by default. kafkajs' own retries are off: the channel retries and spools, so a message is not
// sent twice by two retry loops. Its log lines go to Saker's log.
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';
import type { Kafka, Producer, SASLOptions } from 'kafkajs';
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import { tlsConnectOptions, type TlsSettings } from './http/client.js';

// kafkajs is loaded when a Kafka destination is built, not when Saker starts: every command loads
// the outputs, and loading kafkajs costs start-up time that `saker replay` and the rest would pay for
// nothing.
const load = createRequire(import.meta.url);

export interface KafkaSettings {
  brokers: string[];
  topic: string;
  client_id?: string;
  tls?: boolean | TlsSettings;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  acks?: number;
}

export class KafkaDestination implements Destination {
  readonly maxBatch = 500;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private readonly json = { ...DEFAULT_JSON_OPTIONS, includeUuid: true };

  constructor(private readonly s: KafkaSettings, timeoutMs: number, log: (msg: string) => void) {
    const ssl = s.tls === undefined || s.tls === false ? undefined : s.tls === true ? true : tlsConnectOptions(s.tls);
    const { Kafka, logLevel } = load('kafkajs') as typeof KafkaJs;
    this.kafka = new Kafka({
      clientId: s.client_id ?? 'saker', brokers: s.brokers, ssl, sasl: s.sasl as SASLOptions | undefined,
      connectionTimeout: timeoutMs, requestTimeout: timeoutMs, retry: { retries: 0 },
      logLevel: logLevel.ERROR,
      logCreator: () => (entry) => log(`kafka: ${entry.log.message}`),
    });
  }

  async send(batch: readonly Alert[]): Promise<void> {
    try {
      if (!this.producer) {
        const p = this.kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
        await p.connect();
        this.producer = p;
      }
      await this.producer.send({
        topic: this.s.topic,
        acks: this.s.acks ?? -1,
        messages: batch.map((a) => ({ key: a.rule, value: alertJson(a, this.json), timestamp: String(a.ts / 1_000_000n) })),
      });
    } catch (e) {
      const p = this.producer;
      this.producer = undefined;
      await p?.disconnect().catch(() => undefined);
      throw new DeliveryError(`kafka ${this.s.brokers.join(',')}: ${(e as Error).message}`, true);
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
