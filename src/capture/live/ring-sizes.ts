// How big the sensor's rings are. By default the sensor sizes them to the host itself (16 MiB
// shared out among the CPUs, at least 1 MiB each, and a 1 MiB overflow ring: sensor/README.md
// "Ring sizes and wakeups"). A configuration that names Falco's buffer preset gets the memory Falco would
// use for it: falco.yaml's `engine.<kind>.buf_size_preset`, index 1..10 for 1 MiB .. 512 MiB
// per buffer, one buffer per CPU for kmod and ebpf, one per `cpus_for_each_buffer` CPUs (default
// 2, 0: one for all) for modern_ebpf. Saker's rings are always one per CPU (its probes write
// without a lock), so a buffer's bytes are shared out among the CPUs it would serve.

const MIB = 1024 * 1024;
/** The smallest ring a CPU can have: one chunk (sensor/src/shared.h SENSOR_CHUNK). */
const MIN_CPU_RING_KB = 256;
/** The overflow ring (shared by all CPUs, for a CPU whose ring is full): a power of two, this
 *  many MiB at most. */
const MAX_OVERFLOW_MB = 64;

export interface BufferSettings {
  /** engine.kind (default modern_ebpf). */
  kind?: string;
  /** buf_size_preset of that engine, 1..10. */
  preset?: number;
  /** engine.modern_ebpf.cpus_for_each_buffer. */
  cpusForEachBuffer?: number;
}

export interface RingSizes {
  /** Each CPU's ring, KiB (the sensor rounds it down to a power of two of 256 KiB chunks). */
  cpuRingKb: number;
  /** The shared overflow ring, MiB (a power of two). */
  overflowMb: number;
}

/** Falco's buffer preset index → bytes per buffer. */
export function presetBytes(preset: number): number {
  if (!Number.isInteger(preset) || preset < 1 || preset > 10) throw new RangeError(`buf_size_preset must be 1..10, got ${preset}`);
  return MIB * 2 ** (preset - 1);
}

/** The ring sizes for a configured preset, or undefined for the sensor's own default. */
export function ringSizes(b: BufferSettings, ncpus: number): RingSizes | undefined {
  if (b.preset === undefined) return undefined;
  const bytes = presetBytes(b.preset);
  const modern = (b.kind ?? 'modern_ebpf') === 'modern_ebpf';
  const share = modern ? Math.min(ncpus, b.cpusForEachBuffer === undefined ? 2 : b.cpusForEachBuffer || ncpus) : 1;
  const cpuRingKb = Math.max(MIN_CPU_RING_KB, Math.floor(bytes / Math.max(1, share) / 1024));
  // as large as one CPU's ring, so that a burst on one CPU can take about twice its share
  const overflowMb = Math.min(MAX_OVERFLOW_MB, 2 ** Math.max(0, Math.floor(Math.log2(cpuRingKb / 1024))));
  return { cpuRingKb, overflowMb };
}
