// The agent's operational log as Falco's: `log_level` (emergency .. debug) drops what is less
// severe, `log_stderr` writes "saker: <message>" lines to stderr, `log_syslog` sends each message
// to the local syslog with its level as the syslog severity (daemon facility), through one
// long-lived util-linux `logger --prio-prefix` process: Node has no unix datagram sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { shown } from '../config/index.js';
import { ConfigError } from '../config/index.js';

const LOG_LEVELS = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerSettings {
  level: LogLevel;
  stderr: boolean;
  syslog: boolean;
  /** The syslog socket (default /dev/log). */
  syslogSocket?: string;
}

/** log_level, log_stderr, log_syslog from the raw configuration (Falco's defaults: info, true,
 *  true — syslog only when the machine has a syslog socket, unless log_syslog asks for it). */
export function loggerSettings(raw: Record<string, unknown>): LoggerSettings {
  const level = raw.log_level ?? 'info';
  if (typeof level !== 'string' || !LOG_LEVELS.includes(level.toLowerCase() as LogLevel)) {
    throw new ConfigError(`configuration key 'log_level' must be one of ${LOG_LEVELS.join(', ')}, got '${shown(level)}'`);
  }
  const flag = (key: string, dflt: boolean): boolean => {
    const v = raw[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw new ConfigError(`configuration key '${key}' must be true or false, got '${shown(v)}'`);
    return v;
  };
  return { level: level.toLowerCase() as LogLevel, stderr: flag('log_stderr', true), syslog: flag('log_syslog', existsSync('/dev/log')) };
}

const DAEMON_FACILITY = 3;

export class Logger {
  private threshold: number;
  private settings: LoggerSettings;
  private syslogChild: ChildProcess | undefined;
  /** Why syslog is not written to, said once. */
  private syslogProblem: string | undefined;

  constructor(settings: LoggerSettings = { level: 'info', stderr: true, syslog: false }, private readonly write: (line: string) => void = (l) => process.stderr.write(l)) {
    this.settings = settings;
    this.threshold = LOG_LEVELS.indexOf(settings.level);
    this.openSyslog();
  }

  /** New settings (a reload); the syslog process is started or stopped as needed. */
  configure(settings: LoggerSettings): void {
    const wasSyslog = this.settings.syslog;
    this.settings = settings;
    this.threshold = LOG_LEVELS.indexOf(settings.level);
    if (wasSyslog && !settings.syslog) this.closeSyslog();
    else if (!wasSyslog && settings.syslog) this.openSyslog();
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= this.threshold;
  }

  log(level: LogLevel, message: string): void {
    const severity = LOG_LEVELS.indexOf(level);
    if (severity > this.threshold) return;
    if (this.settings.stderr) this.write(`saker: ${message}\n`);
    const child = this.syslogChild;
    if (child?.stdin?.writable) {
      // One syslog record per line of the message, each with its priority prefix.
      for (const line of message.split('\n')) child.stdin.write(`<${DAEMON_FACILITY * 8 + severity}>${line}\n`);
    }
  }

  error(message: string): void {
    this.log('error', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  debug(message: string): void {
    this.log('debug', message);
  }

  private openSyslog(): void {
    if (!this.settings.syslog || this.syslogChild) return;
    const socket = this.settings.syslogSocket ?? '/dev/log';
    if (!existsSync(socket)) {
      this.syslogProblem = `log_syslog: no syslog socket at ${socket}, logging to syslog is off`;
      if (this.settings.stderr) this.write(`saker: ${this.syslogProblem}\n`);
      return;
    }
    const child = spawn('logger', ['--prio-prefix', '-t', 'saker', `--id=${process.pid}`, '-u', socket, '--socket-errors=off'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', (e) => {
      this.syslogProblem = `log_syslog: cannot run logger (util-linux): ${e.message}`;
      if (this.settings.stderr) this.write(`saker: ${this.syslogProblem}\n`);
      this.syslogChild = undefined;
    });
    child.stdin.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    this.syslogChild = child;
  }

  private closeSyslog(): void {
    this.syslogChild?.stdin?.end();
    this.syslogChild = undefined;
  }

  close(): void {
    this.closeSyslog();
  }
}
