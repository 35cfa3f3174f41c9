// Syslog to a remote collector over UDP, TCP or TLS: RFC 5424 messages
//   <PRI>1 TIMESTAMP HOSTNAME saker - falco [saker@32473 uuid="..." rule="..."] MSG
// whose MSG is the Falco JSON alert or a CEF record (CEF:0|Saker|Saker|0.1|rule|rule|severity|ext),
// as Falcosidekick's syslog output offers. TCP and TLS frame messages by octet counting (RFC 6587
// §3.4.1), which survives newlines inside alerts; UDP sends one message per datagram.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { iso8601Z } from '../filter/fields/index.js';
import { alertJson, DEFAULT_JSON_OPTIONS, type Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import { tlsConnectOptions, type TlsSettings } from './http/client.js';

export interface SyslogSettings {
  host: string;
  port: number;
  protocol?: 'tcp' | 'udp' | 'tls';
  format?: 'json' | 'cef';
  facility?: number;
  tls?: TlsSettings;
}

/** RFC 5424 PARAM-VALUE escaping: `"`, `\` and `]`. */
function sdValue(s: string): string {
  return s.replace(/["\\\]]/g, (c) => `\\${c}`);
}

function cefHeader(s: string): string {
  return s.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ');
}

function cefValue(s: string): string {
  return s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

/** CEF severity 0..10 for Falco's priorities (0 Emergency .. 7 Debug). */
const CEF_SEVERITY = [10, 9, 8, 7, 6, 4, 3, 1];

function cefRecord(a: Alert): string {
  const ext = [`rt=${a.ts / 1_000_000n}`, `dhost=${cefValue(a.hostname)}`, `msg=${cefValue(a.output)}`, `cs1Label=source`, `cs1=${cefValue(a.source)}`,
    `cs2Label=tags`, `cs2=${cefValue([...a.tags].sort().join(','))}`, `cs3Label=uuid`, `cs3=${a.uuid ?? ''}`];
  return `CEF:0|Saker|Saker|0.1|${cefHeader(a.rule)}|${cefHeader(a.rule)}|${CEF_SEVERITY[a.priority] ?? 5}|${ext.join(' ')}`;
}

function rfc5424(a: Alert, facility: number, format: 'json' | 'cef'): string {
  const host = (a.hostname || '-').replace(/[^\x21-\x7e]/g, '_').slice(0, 255);
  const sd = `[saker@32473 uuid="${sdValue(a.uuid ?? '')}" rule="${sdValue(a.rule)}" priority="${a.priorityName}"]`;
  const msg = format === 'cef' ? cefRecord(a) : alertJson(a, { ...DEFAULT_JSON_OPTIONS, includeUuid: true });
  return `<${facility * 8 + a.priority}>1 ${iso8601Z(a.ts).replace(/(\.\d{6})\d*Z$/, '$1Z')} ${host} saker - falco ${sd} ${msg}`;
}

export class SyslogRemoteDestination implements Destination {
  readonly maxBatch = 200;
  private socket: Socket | undefined;
  private udp: UdpSocket | undefined;
  private readonly tlsOptions: Record<string, unknown> | undefined;

  constructor(private readonly s: SyslogSettings, private readonly timeoutMs: number) {
    if ((s.protocol ?? 'tcp') === 'tls') this.tlsOptions = tlsConnectOptions(s.tls ?? {});
  }

  async send(batch: readonly Alert[]): Promise<void> {
    const fmt = this.s.format ?? 'json';
    const facility = this.s.facility ?? 1;
    if ((this.s.protocol ?? 'tcp') === 'udp') {
      this.udp ??= createSocket(this.s.host.includes(':') ? 'udp6' : 'udp4');
      for (const a of batch) {
        const msg = Buffer.from(rfc5424(a, facility, fmt));
        await new Promise<void>((resolve, reject) => this.udp!.send(msg, this.s.port, this.s.host, (e) => (e ? reject(new DeliveryError(`syslog udp: ${e.message}`, true)) : resolve())));
      }
      return;
    }
    const sock = await this.connection();
    let text = '';
    for (const a of batch) {
      const m = rfc5424(a, facility, fmt);
      text += `${Buffer.byteLength(m)} ${m}`;
    }
    await new Promise<void>((resolve, reject) => sock.write(text, (e) => (e ? reject(new DeliveryError(`syslog: ${e.message}`, true)) : resolve())));
  }

  private connection(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const opts = { host: this.s.host, port: this.s.port };
      const tls = this.tlsOptions;
      const sock: Socket = tls ? tlsConnect({ ...opts, ...tls }) : tcpConnect(opts);
      const ready = tls ? 'secureConnect' : 'connect';
      const t = setTimeout(() => sock.destroy(new Error(`no connection within ${this.timeoutMs} ms`)), this.timeoutMs);
      sock.once(ready, () => {
        clearTimeout(t);
        this.socket = sock;
        resolve(sock);
      });
      sock.on('error', (e) => {
        clearTimeout(t);
        if (this.socket === sock) this.socket = undefined;
        reject(new DeliveryError(`syslog ${this.s.host}:${this.s.port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, true));
      });
      sock.on('close', () => {
        if (this.socket === sock) this.socket = undefined;
      });
    });
  }

  async close(): Promise<void> {
    this.udp?.close();
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
  }
}
