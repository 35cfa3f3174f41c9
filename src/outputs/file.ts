// Falco's file_output: alert lines appended to a file. The file is created 0600 and opened with
// O_NOFOLLOW (a symlink planted at its path is refused, not followed). keep_alive keeps it open;
// without it, as in Falco, it is opened for each write. reopen() (SIGUSR1) closes it so the next
// write opens the path again: log rotation. A failed write (ENOSPC, EACCES, EIO) is this output's
// error: the batch is counted as failed and the next one tries again.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import type { LineFormat } from './falco-line.js';

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export class FileDestination implements Destination {
  readonly maxBatch = 1000;
  private handle: FileHandle | undefined;

  constructor(readonly filename: string, private readonly keepAlive: boolean, private readonly format: LineFormat) {}

  async send(batch: readonly Alert[]): Promise<void> {
    let text = '';
    for (const a of batch) text += `${this.format(a)}\n`;
    try {
      this.handle ??= await open(this.filename, FLAGS, 0o600);
      await this.handle.write(text);
    } catch (e) {
      await this.closeHandle();
      const err = e as NodeJS.ErrnoException;
      throw new DeliveryError(`${this.filename}: ${err.code === 'ELOOP' ? 'is a symbolic link, not followed' : err.code ?? err.message}`, false);
    }
    if (!this.keepAlive) await this.closeHandle();
  }

  reopen(): void {
    void this.closeHandle();
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.closeHandle();
  }
}
