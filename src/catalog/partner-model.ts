/**
 * A real-time partner instance (PARTNER-PROTOCOL.md; issue "Real-time inbound transfers"): which
 * provider to call, with which adapter, under which rules. Defaults are applied at compile time
 * (`src/partners/runner/compile-partners.ts`) and in the admin API schema.
 */
import type { Status } from './model.js';

export interface PartnerSendSettings {
  /** Send the Audex visitor id (`user.visitor`). Default false. */
  visitorId?: boolean;
  /** Send the page URL and referrer. Default false. */
  pageUrl?: boolean;
  /** Send the (truncated) IP. Default false. */
  ip?: boolean;
  /** Send the user agent and accept-language. Default false. */
  userAgent?: boolean;
  /** Signal keys the partner may receive (never `p_` keys). Default none. */
  signalKeys?: string[];
}

export interface PartnerBreakerSettings {
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  windowMs?: number;
  resetMs?: number;
  consecutiveFailures?: number;
  consecutiveSpanMs?: number;
}

export interface Partner {
  partnerId: number;
  name: string;
  description?: string;
  /** The provider's (third-party) data source: its id namespace and its onboarded traits. */
  dataSourceId: number;
  /** Adapter registry key: `audex`, `http-get`, `openrtb`. */
  adapter: string;
  endpoint: string;
  /** Adapter parameters, validated by the adapter's JSON Schema at save and at load. */
  params?: Record<string, unknown>;
  /** sync: answer folded into this reply; async: called after the reply, used next time; browser: the iframe fires a pixel. */
  mode: 'sync' | 'async' | 'browser';
  /** Default 80. */
  tmaxMs?: number;
  /** Default 3600 (1 h). */
  cacheTtlSec?: number;
  /** Default 60. */
  cacheTtlMinSec?: number;
  /** Default 604800 (7 d). */
  cacheTtlMaxSec?: number;
  /** Default 1000. */
  lateWindowMs?: number;
  /** Trait-rule language over the event's signals plus `trait` (ids of realised traits). */
  callRule?: string;
  /** Not called until an ID sync gave the provider's id for this visitor. Default false. */
  needsIdSync?: boolean;
  /** Provider sync URL fired by the iframe when no id is known; `${DCS_IBS}` = our encoded /ibs URL. */
  idSyncUrl?: string;
  /** IAB TCF vendor id: required to call this partner when GDPR applies. */
  tcfVendorId?: number;
  /** Percent of eligible events that call it. Default 100. */
  samplingPct?: number;
  /** Calls per second per node. Default unlimited. */
  rateLimitPerSec?: number;
  breaker?: PartnerBreakerSettings;
  /** HMAC secrets; the first signs. Two during rotation. */
  secrets?: string[];
  send?: PartnerSendSettings;
  status: Status;
  createTime: number;
  updateTime: number;
}
