// The events layer's surface: libs' event table and parameter layouts, the zero-copy EventView
// over a record, parameter rendering, and the encoder tests and benchmarks build records with.

export { encodeEvent, eventCode, type ParamValue } from './encode.js';
export { errnoName } from './errno.js';
export { EC, EF, fixedParamSize, isExitCode, type ParamType, PT } from './event-info.js';
export { EVENT_TABLE } from './event-table.js';
export { EventView, EVT_HDR_SIZE, recordLength } from './event-view.js';
export { type ConversionRow, CONVERSIONS, SYSDIG_EVENT_MAX, SYSDIG_NPARAMS } from './libs-facts.js';
export { PARAM_NAMES, paramSlot } from './param-names.js';
export { ASYNC_EVENT_NAMES, eventName, ipv6, type ParamResolver, renderArgs, type RenderOptions, rawArgText, renderParam, renderParamParts } from './render.js';
export { syscallCode } from './syscall-codes.js';
export { syscallName } from './syscall-codes.js';
export { SIGNAL_NAMES } from './libs-facts.js';
export { isHiddenEnterEvent } from './parser-only.js';
export { X64_SYSCALLS } from './x64-syscalls.js';
