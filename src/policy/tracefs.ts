// Tracepoint formats from tracefs (`events/<subsystem>/<event>/format`): the field list a
// non-raw tracepoint hook's `args[].index` counts into (the 4 common fields included, as
// Tetragon counts), with each field's C type, size and signedness for `type: auto`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgType } from './types.js';

export interface TracepointField { name: string; ctype: string; size: number; signed: boolean }

const TRACEFS_DIRS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The mounted tracefs, mounted at /sys/kernel/tracing when root and it is not; or undefined. */
export function tracefsRoot(): string | undefined {
  const found = TRACEFS_DIRS.find((d) => existsSync(join(d, 'events')));
  if (found || process.getuid?.() !== 0 || !existsSync(TRACEFS_DIRS[0]!)) return found;
  spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_DIRS[0]!], { stdio: 'ignore', timeout: 5000 });
  return TRACEFS_DIRS.find((d) => existsSync(join(d, 'events')));
}

/** Parses a tracepoint format file's `field:` lines. */
export function parseFormat(text: string): TracepointField[] {
  const fields: TracepointField[] = [];
  for (const m of text.matchAll(/^\s*field:(.+?);\s*offset:\d+;\s*size:(\d+);\s*signed:(\d);/gm)) {
    const decl = m[1]!.trim();
    const name = /([A-Za-z_][A-Za-z0-9_]*)(\[\d*\])?$/.exec(decl)?.[1] ?? decl;
    const ctype = decl.slice(0, decl.length - (/([A-Za-z_][A-Za-z0-9_]*)(\[\d*\])?$/.exec(decl)?.[0].length ?? 0)).trim();
    fields.push({ name, ctype: /\[\d*\]$/.test(decl) ? `${ctype}[]` : ctype, size: Number(m[2]), signed: m[3] === '1' });
  }
  return fields;
}

/** The fields of `subsystem/event`, or undefined when tracefs does not have it. */
export function readTracepointFormat(subsystem: string, event: string, root = tracefsRoot()): TracepointField[] | undefined {
  if (!root || !/^[\w.-]+$/.test(subsystem) || !/^[\w.-]+$/.test(event)) return undefined;
  try {
    return parseFormat(readFileSync(join(root, 'events', subsystem, event, 'format'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Tetragon's `type: auto` for a tracepoint field (generictracepoint.go getGenericTypeId, simplified). */
export function autoType(f: TracepointField): ArgType {
  if (/char\s*\*$/.test(f.ctype) || f.ctype.startsWith('__data_loc')) return 'string';
  if (f.ctype.endsWith('[]')) return 'const_buf';
  if (f.ctype === 'size_t') return 'size_t';
  if (f.size === 8) return f.signed ? 'int64' : 'uint64';
  if (f.size === 4) return f.signed ? 'int32' : 'uint32';
  if (f.size === 2) return f.signed ? 'int16' : 'uint16';
  return f.signed ? 'int8' : 'uint8';
}
