/**
 * The visitor profile and its pure operations. Storage adapters persist `Profile` in the binary
 * form of `profile-codec.ts` and apply a `ProfileDelta` atomically with {@link applyDelta}, so
 * concurrent events for one visitor merge instead of overwriting (ARCHITECTURE.md "Hot-path rules").
 */

export const DAY_MS = 86_400_000;

/** AAM's per-profile cap on trait qualifications (reference/aam-dcs.md §4, §11). */
export const MAX_TRAIT_REALIZATIONS = 150_000;

/** Daily buckets kept per trait for recency/frequency (`frequency([..] <= ND)`); older days fold into the total only. */
export const MAX_DAY_BUCKETS = 400;

/** One trait the visitor has realised. Times are unix milliseconds. */
export interface TraitRealization {
  /** First realisation. */
  first: number;
  /** Most recent realisation. */
  last: number;
  /** Number of realisations in total (onboarded traits count at most 1, AAM §5.1). */
  count: number;
  /** When the realisation expires (trait TTL after `last`); `0` = never. */
  expires: number;
  /** Realisations per UTC day: `[dayNumber, count]`, ascending, at most {@link MAX_DAY_BUCKETS}. */
  days: Array<[number, number]>;
}

/** What Audex keeps about one provider for this visitor (AAM: "provider ID and segment values stored"). */
export interface PartnerState {
  /** The provider's own id for this visitor (from ID sync or its answer). */
  uid?: string;
  /** When the ID sync happened / was last confirmed. */
  syncedAt?: number;
  /** The provider's segment codes from its last answer. */
  codes?: string[];
  /** When the last answer arrived. */
  answeredAt?: number;
  /** Until when that answer may be reused instead of calling again (unix ms). */
  freshUntil?: number;
  /** Last time the provider was called for this visitor (rate limiting, `dextp`-like). */
  calledAt?: number;
  /** Last time the iframe was asked to fire this provider's ID-sync URL (at most once per sync interval). */
  syncTriedAt?: number;
}

/**
 * A visitor's profile. Traits and segments are Maps keyed by sid: V8 keeps an object with sparse
 * integer keys as a dictionary and sorts and stringifies its keys on every enumeration, which was
 * the largest single cost of an event's profile work (docs/benchmarks.md, "/event throughput").
 */
export interface Profile {
  /** Realised traits by trait sid. */
  traits: Map<number, TraitRealization>;
  /** Segments the visitor currently belongs to: segment sid → since (unix ms). */
  segments: Map<number, number>;
  /** Per provider (data source id) state. */
  partners: Record<string, PartnerState>;
  /** First and last activity (unix ms). */
  created: number;
  seen: number;
  /** UTC day of the last sweep of expired realisations. */
  sweptDay: number;
  /**
   * Earliest `expires` among the realisations that was still ahead at the last write (`0`: none
   * was). Lets the segment evaluator rule out an expiry since the last event with one comparison
   * instead of a pass over every trait (docs/rules.md "When segments are re-evaluated"). May be
   * early (an expiry since extended), never late. Absent in rows written before it existed.
   */
  nextExpiry?: number;
  /** Set when the visitor opted out (server-side mark for `d_uuid` / declared-id opt-outs, AAM §10.2). */
  optedOut?: number;
  /** Revision of the stored row, set by the profile store on read and write (0 = never stored). */
  rev?: number;
}

/** One trait realisation to apply. */
export interface Realize {
  traitId: number;
  /** The trait's TTL in days (AAM default 120, `0` = never, `1` = until the end of the next UTC day). */
  ttlDays: number;
  /** Onboarded traits count at most once per profile. */
  countOnce?: boolean;
}

/** Changes an event makes to a profile; applied atomically by the profile store. */
export interface ProfileDelta {
  realize?: readonly Realize[];
  segmentsAdd?: readonly number[];
  segmentsRemove?: readonly number[];
  /** Per provider patches, merged field by field. */
  partners?: Readonly<Record<string, PartnerState>>;
  /** Opt the visitor out: clears traits, segments and partner data and keeps only the mark. */
  optOut?: boolean;
}

export function emptyProfile(now: number): Profile {
  return {
    traits: new Map(),
    segments: new Map(),
    partners: {},
    created: now,
    seen: now,
    sweptDay: utcDay(now),
  };
}

export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Expiry of a realisation at `at` for a TTL in days (AAM §5.3, including the 1-day rule). */
export function expiryFor(at: number, ttlDays: number): number {
  if (ttlDays <= 0) return 0;
  if (ttlDays === 1) return (utcDay(at) + 2) * DAY_MS;
  return at + ttlDays * DAY_MS;
}

export function isLive(r: TraitRealization, now: number): boolean {
  return r.expires === 0 || r.expires > now;
}

/**
 * Applies a delta to a profile in place and returns it. Pure apart from mutating `profile`;
 * deterministic for a given `now`. Drops expired realisations once per UTC day and enforces the
 * realisation cap by evicting the least recently realised traits.
 */
export function applyDelta(profile: Profile, delta: ProfileDelta, now: number): Profile {
  profile.seen = Math.max(profile.seen, now);
  const today = utcDay(now);
  if (delta.optOut === true || profile.optedOut !== undefined) {
    // Opted-out profiles collect nothing (AAM §10.1); only the mark is kept.
    profile.optedOut ??= now;
    profile.traits = new Map();
    profile.segments = new Map();
    profile.partners = {};
    profile.nextExpiry = 0;
    return profile;
  }
  let added = 0;
  if (delta.realize !== undefined) {
    for (const r of delta.realize) added += realizeTrait(profile, r, now, today);
  }
  if (delta.segmentsRemove !== undefined) {
    for (const id of delta.segmentsRemove) profile.segments.delete(id);
  }
  if (delta.segmentsAdd !== undefined) {
    for (const id of delta.segmentsAdd) if (!profile.segments.has(id)) profile.segments.set(id, now);
  }
  if (delta.partners !== undefined) {
    for (const [dpid, patch] of Object.entries(delta.partners)) {
      profile.partners[dpid] = { ...profile.partners[dpid], ...patch };
    }
  }
  if (profile.sweptDay !== today) sweepExpired(profile, now);
  // Only a new trait can push the profile over the cap.
  if (added > 0 && profile.traits.size > MAX_TRAIT_REALIZATIONS)
    evictOldest(profile, profile.traits.size - MAX_TRAIT_REALIZATIONS);
  profile.sweptDay = today;
  profile.nextExpiry = nextExpiryAfter(profile, delta.realize, now);
  return profile;
}

/**
 * The profile's next pending expiry after this change: the previous one, moved earlier by this
 * change's realisations; a pass over every trait only when the previous one has passed (or was
 * never recorded), i.e. about once per expiry rather than once per event.
 */
function nextExpiryAfter(profile: Profile, realized: readonly Realize[] | undefined, now: number): number {
  const previous = profile.nextExpiry;
  let next = 0;
  if (previous === undefined || (previous !== 0 && previous <= now)) {
    for (const r of profile.traits.values()) next = earlier(next, r.expires, now);
    return next;
  }
  next = previous;
  if (realized !== undefined)
    for (const r of realized) next = earlier(next, profile.traits.get(r.traitId)?.expires ?? 0, now);
  return next;
}

/** The earlier of `next` and `expires`, counting only expiries still ahead (`0` = none). */
function earlier(next: number, expires: number, now: number): number {
  return expires > now && (next === 0 || expires < next) ? expires : next;
}

/** Realises one trait; returns 1 when the trait was not in the profile before, else 0. */
function realizeTrait(profile: Profile, r: Realize, now: number, today: number): number {
  const existing = profile.traits.get(r.traitId);
  const expires = expiryFor(now, r.ttlDays);
  if (existing === undefined || !isLive(existing, now)) {
    profile.traits.set(r.traitId, { first: now, last: now, count: 1, expires, days: [[today, 1]] });
    return existing === undefined ? 1 : 0;
  }
  existing.last = Math.max(existing.last, now);
  existing.expires = expires === 0 ? 0 : Math.max(existing.expires, expires);
  if (r.countOnce === true) return 0;
  existing.count += 1;
  const lastBucket = existing.days[existing.days.length - 1];
  if (lastBucket !== undefined && lastBucket[0] === today) lastBucket[1] += 1;
  else existing.days.push([today, 1]);
  if (existing.days.length > MAX_DAY_BUCKETS) existing.days.splice(0, existing.days.length - MAX_DAY_BUCKETS);
  return 0;
}

function sweepExpired(profile: Profile, now: number): void {
  // Deleting the entry being visited is safe in a Map iteration.
  for (const [sid, r] of profile.traits) if (!isLive(r, now)) profile.traits.delete(sid);
}

function evictOldest(profile: Profile, excess: number): void {
  const sids = [...profile.traits.keys()];
  sids.sort((a, b) => (profile.traits.get(a)?.last ?? 0) - (profile.traits.get(b)?.last ?? 0));
  for (let i = 0; i < excess; i++) profile.traits.delete(sids[i] as number);
}

/** Realisations of a trait within the last `days` days (inclusive of today), from daily buckets. */
export function countWithinDays(r: TraitRealization, days: number, now: number): number {
  const from = utcDay(now) - days + 1;
  let n = 0;
  for (let i = r.days.length - 1; i >= 0; i--) {
    const bucket = r.days[i] as [number, number];
    if (bucket[0] < from) break;
    n += bucket[1];
  }
  return n;
}
