/** Per-partner Prometheus metrics (names in one table, STYLE.md §13). */
import { Counter, Gauge, type Registry } from 'prom-client';
import { BucketHistogram, type Observer } from '../../observability/bucket-histogram.js';
import type { CallResult } from './call.js';

export const PARTNER_METRIC_NAMES = {
  calls: 'audex_partner_calls_total',
  outcomes: 'audex_partner_outcomes_total',
  latency: 'audex_partner_latency_seconds',
  breakerOpen: 'audex_partner_breaker_open',
} as const;

/** A counter's increments since the last scrape, for one label set. */
interface Pending {
  readonly labels: Record<string, string>;
  n: number;
}

/**
 * Counters are counted here as plain numbers and handed to prom-client when it collects (a scrape):
 * prom-client's `inc()`, even through a cached label child, builds a label hash string and
 * a result object on every call, three times per partner per event. The latency histogram is a
 * {@link BucketHistogram} for the same reason.
 */
export class PartnerMetrics {
  /** Pending call counts and the latency child per partner. */
  readonly #callChildren = new Map<string, { calls: Pending; latency: Observer }>();
  /** Pending outcome counts per partner and outcome. */
  readonly #outcomes = new Map<string, Map<string, Pending>>();

  readonly calls: Counter<'partner'>;
  /** Every planned partner's outcome per event: answered, cached, timeout, failed:<cause>, skipped:<reason>. */
  readonly outcomes: Counter<'partner' | 'outcome'>;
  readonly latency: BucketHistogram<'partner'>;
  readonly breakerOpen: Gauge<'partner'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const callChildren = this.#callChildren;
    const outcomeCounts = this.#outcomes;
    this.calls = new Counter({
      name: PARTNER_METRIC_NAMES.calls,
      help: 'HTTP calls made to partners',
      labelNames: ['partner'],
      registers,
      collect() {
        for (const c of callChildren.values()) flush(this, c.calls);
      },
    });
    this.outcomes = new Counter({
      name: PARTNER_METRIC_NAMES.outcomes,
      help: 'Partner outcomes per event (answered, late, cached, timeout, failed:<cause>, skipped:<reason>)',
      labelNames: ['partner', 'outcome'],
      registers,
      collect() {
        for (const byOutcome of outcomeCounts.values()) for (const p of byOutcome.values()) flush(this, p);
      },
    });
    this.latency = new BucketHistogram<'partner'>({
      name: PARTNER_METRIC_NAMES.latency,
      help: 'Partner call latency (to the end of the body)',
      labelNames: ['partner'],
      buckets: [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28],
      registers,
    });
    this.breakerOpen = new Gauge({
      name: PARTNER_METRIC_NAMES.breakerOpen,
      help: '1 while the partner circuit breaker is open (per node)',
      labelNames: ['partner'],
      registers,
    });
  }

  observeCall(partner: string, result: CallResult): void {
    let c = this.#callChildren.get(partner);
    if (c === undefined) {
      c = { calls: { labels: { partner }, n: 0 }, latency: this.latency.labels(partner) };
      this.#callChildren.set(partner, c);
    }
    c.calls.n++;
    if (result.ok || result.cause !== 'breaker-open') c.latency.observe(result.ms / 1000);
  }

  outcome(partner: string, outcome: string): void {
    let byOutcome = this.#outcomes.get(partner);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      this.#outcomes.set(partner, byOutcome);
    }
    const p = byOutcome.get(outcome);
    if (p === undefined) byOutcome.set(outcome, { labels: { partner, outcome }, n: 1 });
    else p.n++;
  }
}

function flush(counter: Counter<string>, p: Pending): void {
  if (p.n === 0) return;
  counter.inc(p.labels, p.n);
  p.n = 0;
}
