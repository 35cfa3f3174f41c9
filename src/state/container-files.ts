// Reads a small text file under /etc of a root a container controls (/proc/<pid>/root), safely
// whatever the container put there: the directory and the file are opened without following a
// symlink (a link out of the container root would read the host's files), non-blocking (a FIFO
// never blocks the open), only a regular file is read (not a device that never ends), and only
// up to a size cap. The async form runs in libuv's thread pool, so a file on a filesystem that
// stalls (a container's FUSE mount) never stalls the event loop.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
const FILE_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/** Default cap: far more than any real /etc/passwd, small enough to read in one go. */
const ETC_FILE_MAX_BYTES = 1 << 20;

/** Why a file was not read: absent or unreadable, not a regular file, over the cap. */
type EtcReadRefusal = 'missing' | 'not-regular' | 'too-big';

export interface EtcRead {
  text?: string;
  refused?: EtcReadRefusal;
}

/** The path that opens `name` in the directory `dirFd` without resolving the directory again. */
function inDir(dirFd: number, name: string): string {
  return `/proc/self/fd/${dirFd}/${name}`;
}

/** `${root}/etc/${name}` read synchronously under the rules above (for trusted roots: the host). */
export function readEtcFileSync(root: string, name: string, maxBytes = ETC_FILE_MAX_BYTES): EtcRead {
  let dir: number;
  try {
    dir = openSync(`${root}/etc`, DIR_FLAGS);
  } catch {
    return { refused: 'missing' };
  }
  let fd: number | undefined;
  try {
    fd = openSync(inDir(dir, name), FILE_FLAGS);
    const st = fstatSync(fd);
    if (!st.isFile()) return { refused: 'not-regular' };
    if (st.size > maxBytes) return { refused: 'too-big' };
    const buf = Buffer.allocUnsafe(maxBytes + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r <= 0) break;
      n += r;
      if (n > maxBytes) return { refused: 'too-big' }; // grew while read
    }
    return { text: buf.toString('utf8', 0, n) };
  } catch (e) {
    return { refused: (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'not-regular' : 'missing' };
  } finally {
    if (fd !== undefined) closeSync(fd);
    closeSync(dir);
  }
}

/** readEtcFileSync off the event loop. */
export async function readEtcFile(root: string, name: string, maxBytes = ETC_FILE_MAX_BYTES): Promise<EtcRead> {
  let dir;
  try {
    dir = await open(`${root}/etc`, DIR_FLAGS);
  } catch {
    return { refused: 'missing' };
  }
  let file;
  try {
    file = await open(inDir(dir.fd, name), FILE_FLAGS);
    const st = await file.stat();
    if (!st.isFile()) return { refused: 'not-regular' };
    if (st.size > maxBytes) return { refused: 'too-big' };
    const buf = Buffer.allocUnsafe(maxBytes + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await file.read(buf, n, buf.length - n, null);
      if (bytesRead <= 0) break;
      n += bytesRead;
      if (n > maxBytes) return { refused: 'too-big' };
    }
    return { text: buf.toString('utf8', 0, n) };
  } catch (e) {
    return { refused: (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'not-regular' : 'missing' };
  } finally {
    await file?.close();
    await dir.close();
  }
}
