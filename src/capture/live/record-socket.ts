// The stream the sensor writes its records to, read into one buffer that is used again for every
// read. A child's stdout ('pipe') hands out a new Buffer per read (an allocation of up to 64 KiB
// by Node's stream machinery, garbage once its records are out); net.Socket's onread option
// reads into a buffer of the caller's, but a child's stdio sockets cannot be given one. So the
// sensor's stdout is a socket of a pair made here instead: a Unix stream socket pair, as spawn's
// 'pipe' makes, with the same back-pressure (a reader that is busy leaves the socket full and
// the sensor's write blocks; its rings then fill and the kernel counts the drops).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';

export interface RecordSocket {
  /** The sensor's end: given to spawn as its stdout, then destroyed here (the child has its own
   *  copy; this process must not hold one, or the reader would never see the end of the stream). */
  writer: Socket;
  /** This process's end: each read lands at the start of the buffer, onRead(bytes) follows. */
  reader: Socket;
}

/** How long making the pair may take (it is all local: a connect and 16 bytes). */
const PAIR_TIMEOUT_MS = 5_000;
const TOKEN_BYTES = 16;

/**
 * A connected pair whose reading end reads into `buffer`. Node has no socketpair(): the pair is
 * a connection to a listening socket in the abstract namespace under a random name, which exists
 * only until the connection is accepted. Any process of the network namespace could connect there
 * too, so the accepted end is taken only when it receives the random token the reader sends.
 */
export async function recordSocketPair(buffer: Buffer, onRead: (bytes: number) => void): Promise<RecordSocket> {
  const token = randomBytes(TOKEN_BYTES);
  const path = `\0saker-records-${process.pid}-${randomBytes(8).toString('hex')}`;
  const server = createServer({ pauseOnConnect: false });
  let reader: Socket | undefined;
  try {
    const accepted = new Promise<Socket>((resolve, reject) => {
      server.on('error', reject);
      server.on('connection', (s) => acceptIfToken(s, token, resolve));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    reader = connect({ path, onread: { buffer, callback: (bytes) => { onRead(bytes); return true; } } });
    const failed = new Promise<never>((_resolve, reject) => reader!.once('error', reject));
    reader.write(token);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${PAIR_TIMEOUT_MS} ms`)), PAIR_TIMEOUT_MS);
    });
    const writer = await Promise.race([accepted, failed, timeout]).finally(() => clearTimeout(timer));
    failed.catch(() => {}); // later errors are the caller's ('error' handlers of its own)
    return { writer, reader };
  } catch (e) {
    reader?.destroy();
    throw e;
  } finally {
    server.close();
  }
}

/** Reads the first TOKEN_BYTES of a connection: ours when they are the token (reading then
 *  stops, what follows is for the child), anyone else's connection is closed. */
function acceptIfToken(s: Socket, token: Buffer, resolve: (s: Socket) => void): void {
  let got = Buffer.alloc(0);
  s.on('error', () => s.destroy());
  const onData = (chunk: Buffer): void => {
    got = Buffer.concat([got, chunk]);
    if (got.length < TOKEN_BYTES) return;
    s.off('data', onData);
    if (got.length === TOKEN_BYTES && timingSafeEqual(got, token)) {
      s.pause();
      resolve(s);
    } else s.destroy();
  };
  s.on('data', onData);
}
