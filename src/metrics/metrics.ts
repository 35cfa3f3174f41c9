// One metrics registry per agent (prom-client's Registry, never its global default), into which
// every component registers what it counts. The hot path keeps its own plain number counters —
// a prom-client inc() per event would cost more than the rule evaluation — and the registry reads
// them when it is collected (a scrape of /metrics, the exit line, --stats).
import { Counter, Gauge, Registry, type LabelValues } from 'prom-client';

/** One sample of a metric read by `collect`: label values and the number. */
interface Sample<L extends string> {
  labels?: LabelValues<L>;
  value: number;
}

/** What a collect-time metric reports: one number, or one sample per label set. */
type Reading<L extends string> = number | Iterable<Sample<L>>;

export interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Called when the registry is read. */
  read: () => Reading<L>;
  /** Takes the place of a metric of that name registered before (its label names change, e.g.
   *  with the rules' tags at a reload); otherwise a second registration is an error. */
  replace?: boolean;
}

export class Metrics {
  readonly registry = new Registry();

  /** A monotonic counter whose value the component keeps itself. */
  counter<L extends string = string>(spec: MetricSpec<L>): void {
    const read = spec.read;
    if (spec.replace) this.registry.removeSingleMetric(spec.name);
    new Counter<L>({
      name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.registry],
      collect() {
        this.reset();
        apply(read(), (labels, v) => (labels ? this.inc(labels, v) : this.inc(v)));
      },
    });
  }

  /** A value that goes up and down (queue depth, table sizes, timestamps). */
  gauge<L extends string = string>(spec: MetricSpec<L>): void {
    const read = spec.read;
    new Gauge<L>({
      name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.registry],
      collect() {
        this.reset();
        apply(read(), (labels, v) => (labels ? this.set(labels, v) : this.set(v)));
      },
    });
  }

  /** The registry's current value of a metric without labels (or the sum over its labels); 0
   *  when it is not registered. */
  async value(name: string): Promise<number> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return 0;
    const got = await m.get();
    return got.values.reduce((sum, s) => sum + s.value, 0);
  }

  /** Every sample of a metric, as label values and number. */
  async samples(name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return [];
    const got = await m.get();
    return got.values.map((s) => ({ labels: { ...s.labels } as Record<string, string | number>, value: s.value }));
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function apply<L extends string>(r: Reading<L>, set: (labels: LabelValues<L> | undefined, v: number) => void): void {
  if (typeof r === 'number') {
    set(undefined, r);
    return;
  }
  for (const s of r) set(s.labels, s.value);
}
