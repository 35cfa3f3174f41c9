// Folds repeats: alerts equal on the rule and chosen output fields, seen within a window that
// opens with the first of them, become one alert sent when the window closes, carrying the count
// and the first and last times (output_fields dedup.count, dedup.first_time, dedup.last_time, and
// "(seen N times ...)" at the end of its output). Per destination: a file can keep every alert
// while a chat channel gets one message a minute.
import type { Alert } from './alert.js';

interface Group {
  first: Alert;
  count: number;
  lastTs: bigint;
  timer: NodeJS.Timeout;
}

export class Deduplicator {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly windowMs: number, private readonly fields: readonly string[], private readonly emit: (a: Alert) => void) {}

  add(a: Alert): void {
    let key = a.rule;
    for (const f of this.fields) key += `\u0000${String(a.outputFields[f] ?? '')}`;
    const g = this.groups.get(key);
    if (g) {
      g.count++;
      if (a.ts > g.lastTs) g.lastTs = a.ts;
      return;
    }
    const timer = setTimeout(() => this.flush(key), this.windowMs);
    timer.unref();
    this.groups.set(key, { first: a, count: 1, lastTs: a.ts, timer });
  }

  private flush(key: string): void {
    const g = this.groups.get(key);
    if (!g) return;
    this.groups.delete(key);
    clearTimeout(g.timer);
    this.emit(g.count === 1 ? g.first : folded(g));
  }

  /** Sends every open group now (shutdown). */
  flushAll(): void {
    for (const key of [...this.groups.keys()]) this.flush(key);
  }
}

function folded(g: Group): Alert {
  const a = g.first;
  return {
    ...a,
    output: `${a.output} (seen ${g.count} times)`,
    message: `${a.message} (seen ${g.count} times)`,
    outputFields: { ...a.outputFields, 'dedup.count': g.count, 'dedup.first_time': a.ts, 'dedup.last_time': g.lastTs },
  };
}
