// An alert as one line of text and back, for the disk spool: every field of the Alert survives,
// nanosecond times (bigints) included, which JSON numbers would round.
import type { JsonValue } from '../filter/index.js';
import type { Alert } from './alert.js';

interface Record_ {
  u?: string;
  ts: string;
  r: string;
  p: number;
  pn: string;
  s: string;
  t: readonly string[];
  h: string;
  o: string;
  m: string;
  f: Record<string, JsonValue>;
  /** Keys of `f` whose values are bigints, written as decimal strings. */
  b?: string[];
}

export function alertToRecord(a: Alert): string {
  let big: string[] | undefined;
  let fields = a.outputFields;
  for (const k in a.outputFields) {
    const v = a.outputFields[k];
    if (typeof v !== 'bigint') continue;
    if (!big) {
      big = [];
      fields = { ...a.outputFields };
    }
    big.push(k);
    fields[k] = v.toString();
  }
  const r: Record_ = { u: a.uuid, ts: a.ts.toString(), r: a.rule, p: a.priority, pn: a.priorityName, s: a.source, t: a.tags, h: a.hostname, o: a.output, m: a.message, f: fields, b: big };
  return JSON.stringify(r);
}

/** Throws on a line that is not a record (a torn write at the end of a crashed spool). */
export function alertFromRecord(line: string): Alert {
  const r = JSON.parse(line) as Record_;
  if (typeof r.ts !== 'string' || typeof r.r !== 'string' || typeof r.f !== 'object') throw new Error('not an alert record');
  const f = r.f;
  for (const k of r.b ?? []) f[k] = BigInt(f[k] as string);
  return { uuid: r.u, ts: BigInt(r.ts), rule: r.r, priority: r.p, priorityName: r.pn, source: r.s, tags: r.t, hostname: r.h, output: r.o, message: r.m, outputFields: f };
}
