/**
 * Prometheus metrics, all names in one table (STYLE.md §13). Children with fixed labels are bound
 * once so the hot path does no label lookups; the per-event histograms are {@link BucketHistogram}s.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

export const METRIC_NAMES = {
  events: 'audex_events_total',
  eventDuration: 'audex_event_duration_seconds',
  stageDuration: 'audex_stage_duration_seconds',
  dcsErrors: 'audex_dcs_errors_total',
  profilesQuarantined: 'audex_profiles_quarantined_total',
  catalogReloads: 'audex_catalog_reloads_total',
} as const;

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class Metrics {
  readonly registry = new Registry();
  readonly events: Counter<'outcome'>;
  readonly eventDuration: BucketHistogram;
  readonly stageDuration: BucketHistogram<'stage'>;
  readonly dcsErrors: Counter<'code'>;
  readonly profilesQuarantined: Counter;
  readonly catalogReloads: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.events = new Counter({
      name: METRIC_NAMES.events,
      help: 'Events handled, by outcome (ok, ignored, opted_out, no_consent, error)',
      labelNames: ['outcome'],
      registers,
    });
    this.eventDuration = new BucketHistogram({
      name: METRIC_NAMES.eventDuration,
      help: 'Time from request parsed to reply built',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.stageDuration = new BucketHistogram<'stage'>({
      name: METRIC_NAMES.stageDuration,
      help: 'Time spent in each pipeline stage',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.dcsErrors = new Counter({
      name: METRIC_NAMES.dcsErrors,
      help: 'DCS wire errors reported to callers, by AAM code',
      labelNames: ['code'],
      registers,
    });
    this.profilesQuarantined = new Counter({
      name: METRIC_NAMES.profilesQuarantined,
      help: 'Stored profiles that could not be decoded: copied to profiles_quarantine and started afresh',
      registers,
    });
    this.catalogReloads = new Counter({
      name: METRIC_NAMES.catalogReloads,
      help: 'Catalog snapshots compiled and swapped',
      registers,
    });
    if (opts.defaultMetrics === true) collectDefaultMetrics({ register: this.registry });
  }
}
