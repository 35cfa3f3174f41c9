// One metrics registry per agent (prom-client's Registry, never its global default), into which
// every component registers what it counts. The hot path keeps its own plain number counters —
// a prom-client inc() per event would cost more than the rule evaluation — and the registry reads
// them when it is collected (a scrape of /metrics, the exit line, --stats).
// prom-client (and the OpenTelemetry API it loads) is loaded at the first scrape, not at start:
// every command builds an agent's metrics, few ever expose them, and the values the agent reads
// itself (its exit line, drop reports) are the same sums read straight from the components.
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { LabelValues, Registry } from 'prom-client';

const load = createRequire(import.meta.url);
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

interface Registered {
  kind: 'counter' | 'gauge';
  spec: MetricSpec<string>;
}

export class Metrics {
  /** In registration order (a replaced metric moves to the end, as in prom-client's registry). */
  private readonly specs = new Map<string, Registered>();
  private promRegistry: Registry | undefined;

  /** prom-client's registry of every metric (built at the first call). */
  get registry(): Registry {
    if (!this.promRegistry) {
      const prom = load('prom-client') as typeof PromClient;
      this.promRegistry = new prom.Registry();
      for (const r of this.specs.values()) addTo(prom, this.promRegistry, r);
    }
    return this.promRegistry;
  }

  /** A monotonic counter whose value the component keeps itself. */
  counter<L extends string = string>(spec: MetricSpec<L>): void {
    this.add({ kind: 'counter', spec });
  }

  /** A value that goes up and down (queue depth, table sizes, timestamps). */
  gauge<L extends string = string>(spec: MetricSpec<L>): void {
    this.add({ kind: 'gauge', spec });
  }

  private add(r: Registered): void {
    const name = r.spec.name;
    if (this.specs.has(name)) {
      if (!r.spec.replace) throw new Error(`A metric with the name ${name} has already been registered.`);
      this.specs.delete(name);
      this.promRegistry?.removeSingleMetric(name);
    }
    this.specs.set(name, r);
    if (this.promRegistry) addTo(load('prom-client') as typeof PromClient, this.promRegistry, r);
  }

  /** The registry's current value of a metric without labels (or the sum over its labels); 0
   *  when it is not registered. */
  async value(name: string): Promise<number> {
    return (await this.samples(name)).reduce((sum, s) => sum + s.value, 0);
  }

  /** Every sample of a metric, as label values and number: what prom-client's collect makes of
   *  the reading (a counter adds the samples of one label set, a gauge keeps the last). */
  async samples(name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
    const r = this.specs.get(name);
    if (!r) return [];
    const byLabels = new Map<string, { labels: Record<string, string | number>; value: number }>();
    apply(r.spec.read(), (labels, v) => {
      const l = { ...labels } as Record<string, string | number>;
      const key = JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));
      const had = byLabels.get(key);
      if (!had) byLabels.set(key, { labels: l, value: v });
      else had.value = r.kind === 'counter' ? had.value + v : v;
    });
    // prom-client keeps a metric without label names at 0 when nothing was read
    if (byLabels.size === 0 && (r.spec.labelNames ?? []).length === 0) return [{ labels: {}, value: 0 }];
    return [...byLabels.values()];
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Registers a collect-time metric with prom-client's registry. */
function addTo(prom: typeof PromClient, registry: Registry, { kind, spec }: Registered): void {
  const read = spec.read;
  const common = { name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry] };
  if (kind === 'counter') {
    new prom.Counter({
      ...common,
      collect() {
        this.reset();
        apply(read(), (labels, v) => (labels ? this.inc(labels, v) : this.inc(v)));
      },
    });
  } else {
    new prom.Gauge({
      ...common,
      collect() {
        this.reset();
        apply(read(), (labels, v) => (labels ? this.set(labels, v) : this.set(v)));
      },
    });
  }
}

function apply<L extends string>(r: Reading<L>, set: (labels: LabelValues<L> | undefined, v: number) => void): void {
  if (typeof r === 'number') {
    set(undefined, r);
    return;
  }
  for (const s of r) set(s.labels, s.value);
}
