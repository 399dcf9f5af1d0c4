/**
 * Everything one `/event` call carries through the pipeline. Created by the HTTP route, filled
 * by the stages in `stage-list.ts`, read by the route to send the reply and log the event.
 */
import type { DcsConfig } from '../config/config-schema.js';
import type { CatalogSnapshot } from '../catalog/snapshot.js';
import type { WireError } from '../errors/registry.js';
import type { Profile, ProfileDelta, Realize } from '../profiles/profile.js';
import type { DcsReply } from '../protocol/dcs-reply.js';
import { emptyEventParams, type EventParams } from '../signals/event-params.js';
import type { IdentityStore, ProfileStore } from '../storage/ports.js';

/** The transport-independent request: what the HTTP layer hands to the pipeline. */
export interface EventRequest {
  /** Raw query string without `?`. */
  query: string;
  /** Raw form body (POST), if any. */
  body?: string;
  /** Request headers (lower-case names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  ip: string;
  /** Whether the caller proved an admin token (enables `d_debug`). */
  admin: boolean;
}

/** Long-lived collaborators shared by every event. */
export interface EventServices {
  config: DcsConfig;
  profiles: ProfileStore;
  identity: IdentityStore;
  /** Current catalog snapshot; read once per event. */
  catalog: () => CatalogSnapshot;
  now: () => number;
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
  /** Declared ids resolved to data sources: to (re)link to the visitor after the event. */
  readonly links: Array<{ dpid: number; id: string }> = [];
  /** Profile as read (undefined for a new visitor); after qualify-segments, the merged view. */
  profile: Profile | undefined;
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

  constructor(
    readonly req: EventRequest,
    readonly services: EventServices,
  ) {
    this.now = services.now();
    this.snapshot = services.catalog();
    this.delta = { realize: this.realizations };
  }
}
