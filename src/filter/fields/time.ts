// Timestamp renderings of evt.time*, evt.datetime* (local time, as libsinsp) and ISO 8601 (UTC).

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const nanos = (ts: bigint): string => pad(Number(ts % 1_000_000_000n), 9);
const toDate = (ts: bigint): Date => new Date(Number(ts / 1_000_000n));

/** HH:MM:SS.nnnnnnnnn in local time (evt.time). */
export function timeOfDay(ts: bigint, withNs = true): string {
  const d = toDate(ts);
  const s = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withNs ? `${s}.${nanos(ts)}` : s;
}

/** YYYY-MM-DD HH:MM:SS.nnnnnnnnn in local time (evt.datetime). */
export function dateTime(ts: bigint, withNs = true): string {
  const d = toDate(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${timeOfDay(ts, withNs)}`;
}

/** YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000 in UTC (evt.time.iso8601, Falco's alert prefix). */
export function iso8601(ts: bigint): string {
  const d = toDate(ts);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${nanos(ts)}+0000`;
}

/** The JSON alert "time": UTC with nanoseconds and Z. */
export function iso8601Z(ts: bigint): string {
  return `${iso8601(ts).slice(0, -5)}Z`;
}
