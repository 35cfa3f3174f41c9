// Falco's syslog_output: each alert to the local syslog socket (/dev/log) with the alert's
// priority as the syslog severity (Falco's priorities map 1:1 to syslog levels) and the user
// facility. Node cannot send datagrams to a unix socket, so util-linux's logger does it: one
// long-lived `logger --prio-prefix` reading "<PRI>line" lines, restarted with backoff if it exits.
// No socket: the alerts are this output's failures (counted), as a missing syslog daemon is.
import { existsSync } from 'node:fs';
import type { Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import type { LineFormat } from './falco-line.js';
import { ProgramDestination } from './program.js';

export class SyslogLocalDestination implements Destination {
  readonly maxBatch = 1000;
  private readonly logger: ProgramDestination;
  private checkedAt = -Infinity;
  private there = false;
  /** The failure of every send while the socket is missing (one error, not one per alert). */
  private missing: DeliveryError | undefined;

  constructor(private readonly socket: string, facility: number, ident: string, format: LineFormat, log: (msg: string) => void) {
    const line = (a: Alert) => `<${facility * 8 + a.priority}>${format(a)}`;
    this.logger = new ProgramDestination(['logger', '--prio-prefix', '--socket-errors=on', '-S', '65536', '-u', socket, '-t', ident], true, line, log);
  }

  send(batch: readonly Alert[]): Promise<void> {
    if (!this.socketThere()) return Promise.reject((this.missing ??= new DeliveryError(`no syslog socket at ${this.socket} (syslog_output.enabled=false turns this output off)`, false)));
    return this.logger.send(batch);
  }

  /** Whether the socket exists, looked at once a second: without a syslog daemon every alert
   *  fails here, and a stat plus a new error (its stack trace) per alert cost ~60 µs of the
   *  event thread (a CPU profile of bench/agent-latency). */
  private socketThere(): boolean {
    const now = Date.now();
    if (now - this.checkedAt >= 1000) {
      this.checkedAt = now;
      this.there = existsSync(this.socket);
    }
    return this.there;
  }

  reopen(): void {
    this.logger.reopen();
  }

  close(): Promise<void> {
    return this.logger.close();
  }
}
