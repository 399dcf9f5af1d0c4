/**
 * A Prometheus histogram for the hot path: an observation is a bucket search over a few bounds and
 * three additions on a bound child. prom-client's `Histogram#observe`, even through a label child
 * bound once, validates the labels, builds a hash string and a result object per call
 * (≈ 3 µs on this project's machines, five calls per event: docs/benchmarks.md, 2026-12-04
 * afternoon). The exposition is prom-client's own: the metric registers in a prom-client
 * `Registry` and hands it the same value records its `Histogram` does, so `/metrics` prints the
 * same lines (`bucket-histogram.test.ts` compares the two on random observations).
 */
import type { Metric, Registry } from 'prom-client';

/** What the hot path holds: a histogram, or one of its label children. */
export interface Observer {
  /** Counts `value`; a value that is not a finite number is dropped (a metric never throws on the hot path). */
  observe(value: number): void;
}

export interface BucketHistogramConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  /** Upper bounds, strictly increasing and finite; `+Inf` is implied. */
  readonly buckets: readonly number[];
  readonly labelNames?: readonly L[];
  readonly registers: readonly Registry[];
}

/** One exported sample, in the shape prom-client's registry formats. */
interface Sample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName: string;
  readonly exemplar?: null;
}

/** One label set's counts. */
class Series implements Observer {
  /** Observations per bucket, not cumulative; the last slot is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: Float64Array,
    readonly labels: Readonly<Record<string, string>>,
    private readonly onFirst: (s: Series) => void,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i]! += 1;
    this.sum += value;
    if (this.count++ === 0) this.onFirst(this);
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export class BucketHistogram<L extends string = never> implements Observer {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #bounds: Float64Array;
  readonly #labelNames: readonly L[];
  /** Children by their label values joined with NUL. */
  readonly #children = new Map<string, Series>();
  /** Series in the order of their first observation (prom-client's export order). */
  #observed: Series[] = [];
  readonly #unlabelled: Series | undefined;
  readonly #noteFirst = (s: Series): void => void this.#observed.push(s);

  constructor(config: BucketHistogramConfig<L>) {
    const { buckets } = config;
    buckets.forEach((b, i) => {
      if (!Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))
        throw new Error(`${config.name}: buckets must be finite and strictly increasing`);
    });
    this.name = config.name;
    this.help = config.help;
    this.#bounds = Float64Array.from(buckets);
    this.#labelNames = config.labelNames ?? [];
    if (this.#labelNames.includes('le' as L)) throw new Error(`${config.name}: "le" is a reserved label`);
    if (this.#labelNames.length === 0) {
      // prom-client exports an unlabelled histogram from the start, zeros included.
      this.#unlabelled = new Series(this.#bounds, {}, () => {});
      this.#observed.push(this.#unlabelled);
    }
    // The registry only reads name, help, type, aggregator and get(); its TypeScript type names
    // prom-client's own classes.
    for (const r of config.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The child for these label values (one per label name, in order); bind it once, off the hot path. */
  labels(...values: string[]): Observer {
    if (values.length !== this.#labelNames.length)
      throw new Error(`${this.name}: expected ${this.#labelNames.length} label values, got ${values.length}`);
    const key = values.join('\0');
    let child = this.#children.get(key);
    if (child === undefined) {
      const labels: Record<string, string> = {};
      this.#labelNames.forEach((n, i) => (labels[n] = values[i] as string));
      child = new Series(this.#bounds, labels, this.#noteFirst);
      this.#children.set(key, child);
    }
    return child;
  }

  observe(value: number): void {
    if (this.#unlabelled === undefined) throw new Error(`${this.name}: observe through labels(...)`);
    this.#unlabelled.observe(value);
  }

  reset(): void {
    for (const s of this.#children.values()) s.reset();
    this.#unlabelled?.reset();
    this.#observed = this.#unlabelled === undefined ? [] : [this.#unlabelled];
  }

  /** The samples as prom-client's registry formats them (labels beside the series' shared labels). */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Sample[];
  }> {
    const bucketName = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const s of this.#observed) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i] as number;
        values.push({
          labels: { le },
          sharedLabels: s.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucketName,
          exemplar: null,
        },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** As `Registry#getMetricsAsJSON` returns a prom-client histogram: each sample's labels in one record. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }>;
  }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
