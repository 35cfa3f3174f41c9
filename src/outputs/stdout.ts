// Falco's stdout_output: one line per alert on standard output. Written with asynchronous writes
// to fd 1 rather than process.stdout, which writes to a pipe synchronously on Linux: a reader that
// stops would freeze the whole agent. Here it only stalls this output; its queue fills and the
// channel counts what it drops. A closed reader (EPIPE) is this output's error, not a crash.
import { write } from 'node:fs';
import type { Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import { batchLines, type LineFormat } from './falco-line.js';

export class StdoutDestination implements Destination {
  readonly maxBatch = 1000;

  /** `stream`: write there instead of fd 1 (tests, an embedding program). */
  constructor(private readonly format: LineFormat, private readonly stream?: NodeJS.WritableStream) {
    stream?.on('error', () => undefined);
  }

  send(batch: readonly Alert[]): Promise<void> {
    const text = batchLines(batch, this.format);
    if (this.stream) {
      const s = this.stream;
      return new Promise((resolve, reject) => {
        s.write(text, (e) => (e ? reject(new DeliveryError(`stdout: ${e.message}`, false)) : resolve()));
      });
    }
    return writeAll(1, Buffer.from(text));
  }

  async close(): Promise<void> {}
}

/** Writes the whole buffer to an fd, waiting out EAGAIN (a non-blocking pipe that is full). */
async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    try {
      off += await new Promise<number>((resolve, reject) => write(fd, buf, off, buf.length - off, null, (e, n) => (e ? reject(e) : resolve(n))));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EAGAIN') throw new DeliveryError(`stdout: ${err.code ?? err.message}`, false);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
