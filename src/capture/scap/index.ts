// .scap capture files: the block format, the reader, the writer, the converter of old event
// layouts and the EventSource over a file. Loads nothing of the live sensor.

export { SCAP_FD, SCAP_L4, type ScapFd, ScapFormatError, type ScapInterface, type ScapMachineInfo, type ScapProcess, type ScapTables } from './file-format.js';
export { readScap } from './reader.js';
export { CaptureEventError, ScapFileSource } from './scap-source.js';
export { ScapWriter } from './writer.js';
export { ScapParser } from './reader.js';
