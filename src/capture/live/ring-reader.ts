// The sensor's rings read in this process (sensor/src/reader/ring-reader.c, built by the sensor's
// Makefile as sensor/build/saker-ring.node): the loader, started with --external-reader, names
// its maps in its ready line and this takes them (pidfd_getfd, else by id), maps them and drains
// them on the event loop, instead of the loader draining them into a socket (record-socket.ts).
// One process hop and one copy fewer per record: the first record after a quiet spell wakes this
// process itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';

/** What the loader's ready line says of its rings ("rings"): its fds of the maps, their ids, and
 *  where in .bss the ring positions and the doorbell are. */
const RING_KEYS = ['chunks_fd', 'overflow_fd', 'bss_fd', 'chunks_map', 'overflow_map', 'bss_map', 'ring_pos_offset', 'wake_offset', 'chunk_bits', 'cpus'] as const;
type RingDescription = Record<(typeof RING_KEYS)[number], number>;

export interface RingReader {
  /** Starts draining on the event loop: onRead(bytes) after each drain that read anything. */
  start(): void;
  /** Reads what the rings hold now into the buffer (whole records); the bytes read, 0 when empty. */
  drain(): number;
  /** Records and bytes read so far. */
  counts(): [number, number];
  /** Stops and unmaps; the reader cannot be used after. */
  close(): void;
}

/** The addon's one export. */
export interface RingReaderAddon {
  open(o: {
    pid: number; chunksFd: number; overflowFd: number; bssFd: number; chunksMap: number; overflowMap: number; bssMap: number; ringPosOffset: number; wakeOffset: number;
    chunkBits: number; cpus: number; buffer: Buffer; pollMs: number; batchUs: number; onRead: (bytes: number) => void;
  }): RingReader;
}

/** The addon's path under the package root. */
export function ringReaderPath(root = packageRoot()): string {
  return join(root, 'sensor', 'build', 'saker-ring.node');
}

/** The addon, or why it cannot be used (not built: no Node headers when the sensor was built;
 *  built for another Node). */
export function loadRingReader(path = ringReaderPath()): { addon: RingReaderAddon } | { reason: string } {
  if (!existsSync(path)) return { reason: `${path} is not built` };
  const module = { exports: {} as Partial<RingReaderAddon> };
  try {
    process.dlopen(module, path);
  } catch (e) {
    return { reason: `cannot load ${path}: ${(e as Error).message}` };
  }
  return typeof module.exports.open === 'function' ? { addon: module.exports as RingReaderAddon } : { reason: `${path} is not the ring reader` };
}

/** Checks the ready line's "rings" of the loader `pid` (in this process's pid namespace) and
 *  opens them; throws saying what is wrong. */
export function openRings(addon: RingReaderAddon, pid: number, rings: unknown, buffer: Buffer, pace: { pollMs: number; batchUs: number }, onRead: (bytes: number) => void): RingReader {
  const given = rings as Partial<Record<string, unknown>> | undefined;
  const missing = RING_KEYS.filter((k) => !Number.isInteger(given?.[k]) || (given![k] as number) < 0);
  if (missing.length > 0) throw new Error(`the sensor did not describe its rings (${missing.join(', ')})`);
  const r = given as RingDescription;
  return addon.open({
    pid, chunksFd: r.chunks_fd, overflowFd: r.overflow_fd, bssFd: r.bss_fd, chunksMap: r.chunks_map, overflowMap: r.overflow_map, bssMap: r.bss_map,
    ringPosOffset: r.ring_pos_offset, wakeOffset: r.wake_offset, chunkBits: r.chunk_bits, cpus: r.cpus, buffer, ...pace, onRead,
  });
}
