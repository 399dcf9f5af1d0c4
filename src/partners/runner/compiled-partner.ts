/**
 * A partner instance as the hot path uses it: adapter resolved, params validated, call rule
 * compiled, defaults applied — built once per catalog snapshot (STYLE.md §11).
 */
import type { PartnerAdapter } from '../adapter.js';
import type { SignalMap } from '../../signals/signal-map.js';
import type { BreakerSettings } from './breaker.js';

export type PartnerMode = 'sync' | 'async' | 'browser';

export interface CompiledPartner {
  /** Stable key for metrics, breaker and rate limit: `p<partnerId>`. */
  readonly key: string;
  readonly partnerId: number;
  readonly name: string;
  /** The provider's (third-party) data source: its onboarded traits and its id namespace. */
  readonly dataSourceId: number;
  readonly adapter: PartnerAdapter<unknown>;
  readonly params: unknown;
  readonly endpoint: string;
  readonly mode: PartnerMode;
  readonly tmaxMs: number;
  readonly lateWindowMs: number;
  readonly cacheTtlSec: number;
  readonly cacheTtlMinSec: number;
  readonly cacheTtlMaxSec: number;
  /** Compiled call rule over the event's signals (plus `trait` = realised trait ids); absent = always. */
  readonly callRule?: (signals: SignalMap) => boolean;
  /** Whether the call rule reads the `trait` pseudo-key (only then is it built). */
  readonly callRuleUsesTraits: boolean;
  readonly needsIdSync: boolean;
  /** URL the iframe fires to learn the provider's id when none is known (`${DCS_IBS}` macro). */
  readonly idSyncUrl?: string;
  readonly tcfVendorId?: number;
  /** 0–100. */
  readonly samplingPct: number;
  readonly rateLimitPerSec?: number;
  readonly breaker: BreakerSettings;
  readonly secrets?: readonly string[];
  readonly send: {
    readonly visitorId: boolean;
    readonly pageUrl: boolean;
    readonly ip: boolean;
    readonly userAgent: boolean;
    readonly signalKeys: readonly string[];
  };
}

/** Clamps a provider's TTL wish to the partner's bounds (PARTNER-PROTOCOL.md caching defaults). */
export function clampTtl(partner: CompiledPartner, ttlSec: number | undefined): number {
  const wanted = ttlSec ?? partner.cacheTtlSec;
  return Math.min(partner.cacheTtlMaxSec, Math.max(partner.cacheTtlMinSec, wanted));
}
