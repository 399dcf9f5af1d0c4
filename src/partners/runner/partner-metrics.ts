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
    this.calls.labels(partner).inc();
    if (result.ok || result.cause !== 'breaker-open') this.latency.labels(partner).observe(result.ms / 1000);
  }

  outcome(partner: string, outcome: string): void {
    this.outcomes.labels(partner, outcome).inc();
  }
}
