// Falco's file_output: alert lines appended to a file. The file is created 0600 and opened with
// O_NOFOLLOW (a symlink planted at its path is refused, not followed). keep_alive keeps it open;
// without it, as in Falco, it is opened for each write. reopen() (SIGUSR1) closes it so the next
// write opens the path again: log rotation. A failed write (ENOSPC, EACCES, EIO) is this output's
// error: the alerts of the batch not written are counted as failed (a line the full disk cut is
// taken back, so the file holds whole alerts only) and the next batch tries again.
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
    const ends: number[] = [];
    let text = '';
    for (const a of batch) {
      text += `${this.format(a)}\n`;
      ends.push(text.length);
    }
    const buf = Buffer.from(text);
    // byte offsets of the line ends (the same as the string's when the text is ASCII)
    const lineEnds = buf.length === text.length ? ends : ends.map((e) => Buffer.byteLength(text.slice(0, e)));
    let written = 0;
    try {
      this.handle ??= await open(this.filename, FLAGS, 0o600);
      // write() may take less than asked (a disk filling up): the rest is written next, until
      // the filesystem refuses with an error (ENOSPC)
      while (written < buf.length) {
        const { bytesWritten } = await this.handle.write(buf, written, buf.length - written);
        if (bytesWritten === 0) throw Object.assign(new Error('no progress'), { code: 'EIO' });
        written += bytesWritten;
      }
    } catch (e) {
      const whole = await this.takeBackCutLine(lineEnds, written);
      await this.closeHandle();
      const err = e as NodeJS.ErrnoException;
      throw new DeliveryError(`${this.filename}: ${err.code === 'ELOOP' ? 'is a symbolic link, not followed' : err.code ?? err.message}`, false, whole);
    }
    if (!this.keepAlive) await this.closeHandle();
  }

  /** After a write failed `written` bytes into the batch: cuts off a partly written line, so the
   *  file holds whole alerts only; returns how many whole lines were written. */
  private async takeBackCutLine(lineEnds: readonly number[], written: number): Promise<number> {
    let whole = 0;
    while (whole < lineEnds.length && lineEnds[whole]! <= written) whole++;
    const wholeBytes = whole === 0 ? 0 : lineEnds[whole - 1]!;
    if (written > wholeBytes && this.handle) {
      try {
        // appended at the end (O_APPEND) and nobody else writes this 0600 file: its last
        // written - wholeBytes bytes are the cut line
        const size = (await this.handle.stat()).size;
        await this.handle.truncate(size - (written - wholeBytes));
      } catch {
        // the cut line stays; its alert is counted as failed all the same
      }
    }
    return whole;
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
