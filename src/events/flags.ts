// Flag and enum tables of the libs event format (driver/flags_table.c), and how libsinsp turns a
// FLAGS*/ENUMFLAGS*/MODE parameter value into names. Values are the PPM_* values the drivers put on
// the wire (e.g. PPM_O_RDONLY = 1), not the kernel's.
import { FLAG_TABLES } from './libs-facts.js';

/** [name, value] pairs in driver order. */
export type FlagTable = ReadonlyArray<readonly [string, number]>;

/** The table called `name` in flags_table.c (e.g. 'file_flags', 'socket_families'), if any. */
export function flagTable(name: string): FlagTable | undefined {
  return FLAG_TABLES[name];
}

/**
 * Bit flags as libsinsp renders them: walk the table in order, take each entry whose bits are all
 * still set (a 0-valued entry only when the value is 0), clear them, and stop after the entry that
 * equals the whole value. Names are joined by '|'; '' when nothing matches.
 */
export function renderFlags(table: FlagTable, value: number): string {
  let rest = value >>> 0;
  const initial = rest;
  let out = '';
  for (const [name, v] of table) {
    if ((v === 0 && initial === 0) || (v !== 0 && rest !== 0 && ((rest & v) >>> 0) === v >>> 0)) {
      out = out ? `${out}|${name}` : name;
      rest = (rest & ~v) >>> 0;
      if (v >>> 0 === initial) break;
    }
  }
  return out;
}

/** Enum values: every name in table order whose value equals `value` ('' if none). */
export function renderEnum(table: FlagTable, value: number): string {
  // A table may name one value twice (socket families: AF_LOCAL|AF_UNIX, AF_ROUTE|AF_NETLINK): libs
  // master prints both (event.cpp, PT_ENUMFLAGS*), sysdig 0.29 only the first.
  const u = value >>> 0;
  let out = '';
  for (const [name, v] of table) if (v >>> 0 === u) out = out === '' ? name : `${out}|${name}`;
  return out;
}

/**
 * MODE parameters: like bit flags, except that the walk stops *before* the entry equal to the whole
 * value and then appends that entry (libsinsp's loop shape for PT_MODE).
 */
export function renderMode(table: FlagTable, value: number): string {
  let rest = value >>> 0;
  const initial = rest;
  let out = '';
  let i = 0;
  for (; i < table.length; i++) {
    const [name, v] = table[i]!;
    if (v >>> 0 === initial) break;
    if ((v === 0 && initial === 0) || (v !== 0 && rest !== 0 && ((rest & v) >>> 0) === v >>> 0)) {
      out = out ? `${out}|${name}` : name;
      rest = (rest & ~v) >>> 0;
    }
  }
  if (i < table.length) out = out ? `${out}|${table[i]![0]}` : table[i]![0];
  return out;
}

/** The value of flag `name` in `table` (e.g. flagValue('file_flags', 'O_CREAT') = 4), or undefined. */
export function flagValue(tableName: string, name: string): number | undefined {
  const t = FLAG_TABLES[tableName];
  if (!t) return undefined;
  for (const [n, v] of t) if (n === name) return v;
  return undefined;
}
