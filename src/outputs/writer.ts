// Where alerts go for now: stdout and an append-only file, as text lines or JSON lines
// (Falco's stdout_output and file_output). Writes are buffered and flushed on close.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Config } from '../config/index.js';
import { alertJson, alertText, type Alert, type JsonAlertOptions } from './alert.js';

export interface AlertSink {
  write(line: string): void;
  close(): Promise<void>;
}

class StreamSink implements AlertSink {
  constructor(private readonly stream: NodeJS.WritableStream, private readonly owned: boolean) {}
  write(line: string): void {
    this.stream.write(`${line}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.owned) (this.stream as WriteStream).end(resolve);
      else if (this.stream.write('')) resolve();
      else this.stream.once('drain', () => resolve());
    });
  }
}

/** Formats alerts per configuration and fans them out to the enabled sinks. */
export class AlertWriter {
  private readonly sinks: AlertSink[] = [];
  private readonly json: boolean;
  private readonly jsonOptions: JsonAlertOptions;
  count = 0;

  constructor(cfg: Config, stdout: NodeJS.WritableStream = process.stdout) {
    this.json = cfg.jsonOutput;
    this.jsonOptions = {
      includeOutput: cfg.jsonIncludeOutputProperty,
      includeOutputFields: cfg.jsonIncludeOutputFieldsProperty,
      includeTags: cfg.jsonIncludeTagsProperty,
      includeMessage: cfg.jsonIncludeMessageProperty,
    };
    if (cfg.stdoutOutput.enabled) this.sinks.push(new StreamSink(stdout, false));
    if (cfg.fileOutput.enabled) this.sinks.push(new StreamSink(createWriteStream(cfg.fileOutput.filename, { flags: 'a' }), true));
  }

  write(alert: Alert): void {
    this.count++;
    const line = this.json ? alertJson(alert, this.jsonOptions) : alertText(alert);
    for (const s of this.sinks) s.write(line);
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }
}
