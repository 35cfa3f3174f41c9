// The live eBPF sensor: the client of the sensor process, the EventSource over it, and the
// syscall set it is asked to capture.

export { LiveSource, type LiveSourceOptions } from './live-source.js';
export { checkCanStart, LiveSensor, SensorError, type SensorStats } from './sensor.js';
export { type BufferSettings, ringSizes } from './ring-sizes.js';
export { hostTgid } from './host-tgid.js';
export { type BaseSyscalls, selectSyscalls, SENSOR_SYSCALLS } from './syscall-set.js';
export { undecodedEventTypes, unsupportedEventTypes } from './syscall-set.js';
export { RecordSplitter, RecordStreamError } from './record-splitter.js';
export { ALWAYS_BIT, MAX_FLAG_GROUPS, MAX_PATH_ENTRIES, type OpenPrefilterTable, openSendReason, PREFILTER_BASE_MAX, prefilterCommands } from './open-prefilter.js';
