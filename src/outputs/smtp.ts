// E-mail (nodemailer over SMTP): one message per alert — subject "[<Priority>] <rule>" (or the
// destination's template), a plain-text body with the output and every field, and the Falco JSON
// alert attached as text. The server's acceptance of the message is delivery; a refusal of the
// recipients (5xx) is final, anything else is retried.
import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import { tlsConnectOptions, type TlsSettings } from './http/client.js';
import type { Template } from './template.js';

// nodemailer is loaded when an SMTP destination is built, not when Saker starts (start-up time
// every command would pay for nothing).
const load = createRequire(import.meta.url);

export interface SmtpSettings {
  host: string;
  port?: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Refuse to send without STARTTLS. */
  starttls?: boolean;
  username?: string;
  password?: string;
  from: string;
  to: string | string[];
  tls?: TlsSettings;
}

export class SmtpDestination implements Destination {
  readonly maxBatch = 1;
  private readonly transport: Transporter;

  constructor(private readonly s: SmtpSettings, private readonly subject: Template | undefined, timeoutMs: number) {
    const nodemailer = load('nodemailer') as typeof Nodemailer;
    this.transport = nodemailer.createTransport({
      host: s.host, port: s.port ?? (s.secure ? 465 : 25), secure: s.secure ?? false, requireTLS: s.starttls ?? false,
      auth: s.username ? { user: s.username, pass: s.password ?? '' } : undefined,
      tls: s.tls ? tlsConnectOptions(s.tls) : undefined,
      connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
    });
  }

  async send(batch: readonly Alert[]): Promise<void> {
    const a = batch[0]!;
    const fields = Object.entries(a.outputFields).map(([k, v]) => `  ${k}: ${v === null ? '<NA>' : String(v)}`).join('\n');
    const text = `${a.output}\n\nRule: ${a.rule}\nPriority: ${a.priorityName}\nSource: ${a.source}\nHost: ${a.hostname}\nTags: ${[...a.tags].sort().join(', ')}\nFields:\n${fields}\nAlert id: ${a.uuid ?? ''}\n`;
    try {
      await this.transport.sendMail({
        from: this.s.from, to: this.s.to, subject: this.subject ? this.subject(a) : `[${a.priorityName}] ${a.rule}`, text,
        headers: a.uuid ? { 'X-Saker-Alert-Id': a.uuid } : undefined,
        attachments: [{ filename: 'alert.json', content: alertJson(a, { ...DEFAULT_JSON_OPTIONS, includeUuid: true }), contentType: 'application/json' }],
      });
    } catch (e) {
      const err = e as { responseCode?: number; message: string };
      throw new DeliveryError(`smtp ${this.s.host}: ${err.message}`, !(err.responseCode && err.responseCode >= 500));
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
