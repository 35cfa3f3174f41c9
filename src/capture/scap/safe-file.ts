// Opens the file a capture is written to. A capture holds every process's command line and
// environment (tokens, passwords), so it is created readable by its owner only, and the path is
// never a trap: a symlink planted at it (say by a watched workload in /tmp) is refused rather than
// followed, and an existing file is not truncated unless the caller asked for that.
import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync } from 'node:fs';

// (libuv adds O_CLOEXEC to every open itself.)
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

export interface OutputFileOptions {
  /** Truncate and reuse an existing regular file (default false: an existing file is an error). */
  overwrite?: boolean;
  /** Permission bits of a file this creates (default 0o600). */
  mode?: number;
}

/** A file that could not be opened for writing, with the reason in words. */
export class OutputFileError extends Error {
  constructor(readonly path: string, message: string, readonly code?: string) {
    super(`${path}: ${message}`);
    this.name = 'OutputFileError';
  }
}

/**
 * Opens `path` for writing and returns its descriptor: a new file (mode 0600), or with `overwrite`
 * an existing regular file, truncated. An existing FIFO or character device (a pipe to a reader,
 * /dev/null) is written as is: there is nothing to truncate. A symlink at `path` is refused.
 */
export function openOutputFile(path: string, opts: OutputFileOptions = {}): number {
  const mode = opts.mode ?? 0o600;
  try {
    return openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw explain(path, e as NodeJS.ErrnoException);
  }
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_NOFOLLOW);
  } catch (e) {
    throw explain(path, e as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (st.isFIFO() || st.isCharacterDevice()) return fd;
    if (!st.isFile()) throw new OutputFileError(path, 'exists and is not a regular file', 'EEXIST');
    if (!opts.overwrite) throw new OutputFileError(path, 'already exists (refusing to overwrite it)', 'EEXIST');
    ftruncateSync(fd, 0);
    // A file kept from before may have been world-readable: the capture it will hold must not be.
    if (st.uid === process.getuid?.()) fchmodSync(fd, st.mode & mode & 0o777);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e instanceof OutputFileError ? e : explain(path, e as NodeJS.ErrnoException);
  }
}

function explain(path: string, e: NodeJS.ErrnoException): OutputFileError {
  if (e.code === 'ELOOP') return new OutputFileError(path, 'is a symbolic link (refusing to follow it)', e.code);
  if (e.code === 'EACCES' || e.code === 'EPERM') return new OutputFileError(path, 'permission denied', e.code);
  if (e.code === 'ENOENT') return new OutputFileError(path, 'no such directory', e.code);
  if (e.code === 'EISDIR') return new OutputFileError(path, 'is a directory', e.code);
  return new OutputFileError(path, e.message, e.code);
}
