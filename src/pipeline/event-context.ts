/**
 * Everything one `/event` call carries through the pipeline. Created by the HTTP route, filled
 * by the stages in `stage-list.ts`, read by the route to send the reply and log the event.
 */
import type { DcsConfig } from '../config/config-schema.js';
import type { CatalogSnapshot } from '../catalog/snapshot.js';
import { wireError, type WireError } from '../errors/registry.js';
import type { Profile, ProfileDelta, Realize } from '../profiles/profile.js';
import type { DcsReply } from '../protocol/dcs-reply.js';
import { emptyEventParams, type EventParams } from '../signals/event-params.js';
import type { IdentityStore, ProfileStore } from '../storage/ports.js';
import type { Consent, GdprDefault } from '../privacy/consent.js';
import type { Call } from '../partners/runner/call.js';
import type { CallPlan, Settlement } from '../partners/runner/collector.js';
import type { PartnerBreakers } from '../partners/runner/breaker.js';
import type { PartnerMetrics } from '../partners/runner/partner-metrics.js';
import type { RateLimiter } from '../partners/runner/rate-limiter.js';
import type { CompiledPartner } from '../partners/runner/compiled-partner.js';
import type { DestItem } from '../protocol/dcs-reply.js';

/** The transport-independent request: what the HTTP layer hands to the pipeline. */
export interface EventRequest {
  /** Raw query string without `?`. */
  query: string;
  /** Raw form body (POST); undefined for a GET. */
  body: string | undefined;
  /** Request headers (lower-case names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  ip: string;
  /** Whether the caller proved an admin token (enables `d_debug`). */
  admin: boolean;
}

/** The partner runner's long-lived parts (per node: breakers, rate limits, pools). */
export interface PartnerServices {
  call: Call;
  breakers: PartnerBreakers;
  rateLimiter: RateLimiter;
  metrics: PartnerMetrics;
  /** Milliseconds of the event budget kept for qualifying, writing and replying. Default 5. */
  reserveMs: number;
  gdprDefault: GdprDefault;
  /** Uniform in [0, 100), for sampling. */
  random: () => number;
  /** Stores an answer that settled after its event was answered (late or asynchronous). */
  storeLate: (visitorId: string, partner: CompiledPartner, settlement: Settlement) => void;
}

/** A planned call with the partner it belongs to. */
export interface PartnerCall {
  partner: CompiledPartner;
  plan: CallPlan;
}

/** Long-lived collaborators shared by every event. */
export interface EventServices {
  config: DcsConfig;
  profiles: ProfileStore;
  identity: IdentityStore;
  /** Current catalog snapshot; read once per event. */
  catalog: () => CatalogSnapshot;
  now: () => number;
  partners: PartnerServices;
}

/** How the visitor was identified. */
export type IdentitySource = 'cookie' | 'd_uuid' | 'declared' | 'minted';

export class EventContext {
  readonly now: number;
  readonly snapshot: CatalogSnapshot;
  params: EventParams = emptyEventParams();
  /** Coded errors for the reply (parse errors are merged in by parse-signals). */
  readonly errors: WireError[] = [];
  tid = '';
  visitorId: string | undefined;
  identitySource: IdentitySource | undefined;
  /** Renew / set the visitor cookie in the reply. */
  setCookie = false;
  optedOut = false;
  /** GDPR applies and Purpose 1 is not granted: nothing is stored or set (error 315). */
  noConsent = false;
  /** Declared ids resolved to data sources: to (re)link to the visitor after the event. */
  readonly links: Array<{ dpid: number; id: string }> = [];
  /** Profile as read (undefined for a new visitor); after qualify-segments, the merged view. */
  profile: Profile | undefined;
  /** Revision of the profile as read (0 = none stored); -1 = unknown (read failed): no optimistic write. */
  readRev = -1;
  /** Trait sids realised on this call. */
  readonly realized = new Set<number>();
  readonly realizations: Realize[] = [];
  readonly delta: ProfileDelta & { realize: Realize[] };
  /** Segment sids the visitor belongs to after this event. */
  segments: number[] = [];
  /** Whether the profile write committed. */
  written = false;
  reply: DcsReply | undefined;
  readonly stageMs: Record<string, number> = {};
  /** performance.now() when the event started: the budget is measured from here. */
  readonly startedAt = performance.now();
  /** Consent, parsed once (plan-partners) and passed to every gate. */
  consent: Consent | undefined;
  /** Synchronous partner calls of this event, and the promise of their settlements. */
  readonly syncCalls: PartnerCall[] = [];
  inFlight: Promise<Settlement[]> | undefined;
  /** Asynchronous partner calls, started after the reply. */
  readonly asyncCalls: PartnerCall[] = [];
  /** Per partner key: outcome for metrics and the debug block. */
  readonly partnerOutcomes: Record<string, { outcome: string; ms?: number; detail?: string }> = {};
  /** ID-sync pixels and browser-side partner pixels for the iframe. */
  readonly pixels: DestItem[] = [];

  /** The visitor opted out: nothing is collected, the reply carries 171 instead of a uuid (AAM §10). */
  stopOptedOut(): 'respond' {
    this.optedOut = true;
    this.visitorId = undefined;
    this.errors.push(wireError('OPTED_OUT'));
    return 'respond';
  }

  constructor(
    readonly req: EventRequest,
    readonly services: EventServices,
  ) {
    this.now = services.now();
    this.snapshot = services.catalog();
    this.delta = { realize: this.realizations };
  }
}
