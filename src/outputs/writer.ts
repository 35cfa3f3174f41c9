// The alert writer the CLI's run and replay commands use until they build their pipeline from an
// Agent: a thin shim over createOutputs (index.ts), with its own metrics registry and operational
// messages on stderr.
import type { Config } from '../config/config.js';
import { Metrics } from '../metrics/metrics.js';
import type { Alert } from './alert.js';
import { createOutputs, type Outputs } from './index.js';

export class AlertWriter {
  private readonly outputs: Outputs;
  readonly metrics = new Metrics();
  count = 0;

  /** `stdout`: where stdout_output writes (default: fd 1, asynchronously). */
  constructor(cfg: Config, stdout?: NodeJS.WritableStream) {
    this.outputs = createOutputs(cfg, { metrics: this.metrics, log: (m) => process.stderr.write(`saker: ${m}\n`), stdout });
  }

  write(alert: Alert): void {
    this.count++;
    this.outputs.write(alert);
  }

  reopen(): void {
    this.outputs.reopen();
  }

  close(): Promise<void> {
    return this.outputs.close();
  }
}
