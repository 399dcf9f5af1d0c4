/** Per-partner Prometheus metrics (names in one table, STYLE.md §13). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CallResult } from './call.js';

export const PARTNER_METRIC_NAMES = {
  calls: 'audex_partner_calls_total',
  outcomes: 'audex_partner_outcomes_total',
  latency: 'audex_partner_latency_seconds',
  breakerOpen: 'audex_partner_breaker_open',
} as const;

export class PartnerMetrics {
  /** Label children per partner (and outcome): `labels()` allocates and hashes on every call. */
  readonly #callChildren = new Map<
    string,
    { calls: { inc(): void }; latency: { observe(v: number): void } }
  >();
  readonly #outcomeChildren = new Map<string, Map<string, { inc(): void }>>();

  readonly calls: Counter<'partner'>;
  /** Every planned partner's outcome per event: answered, cached, timeout, failed:<cause>, skipped:<reason>. */
  readonly outcomes: Counter<'partner' | 'outcome'>;
  readonly latency: Histogram<'partner'>;
  readonly breakerOpen: Gauge<'partner'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.calls = new Counter({
      name: PARTNER_METRIC_NAMES.calls,
      help: 'HTTP calls made to partners',
      labelNames: ['partner'],
      registers,
    });
    this.outcomes = new Counter({
      name: PARTNER_METRIC_NAMES.outcomes,
      help: 'Partner outcomes per event (answered, late, cached, timeout, failed:<cause>, skipped:<reason>)',
      labelNames: ['partner', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
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
      c = { calls: this.calls.labels(partner), latency: this.latency.labels(partner) };
      this.#callChildren.set(partner, c);
    }
    c.calls.inc();
    if (result.ok || result.cause !== 'breaker-open') c.latency.observe(result.ms / 1000);
  }

  outcome(partner: string, outcome: string): void {
    let byOutcome = this.#outcomeChildren.get(partner);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      this.#outcomeChildren.set(partner, byOutcome);
    }
    let child = byOutcome.get(outcome);
    if (child === undefined) {
      child = this.outcomes.labels(partner, outcome);
      byOutcome.set(outcome, child);
    }
    child.inc();
  }
}
