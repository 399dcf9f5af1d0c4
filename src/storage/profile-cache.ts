/**
 * A read cache in front of any `ProfileStore`: the profile an event wrote is kept in memory, so the
 * visitor's next event reads it without a storage round trip and without decoding it again.
 *
 * Ownership instead of copies: `get` hands the cached object out and forgets it, so two events of
 * one visitor never share (and mutate) one object — the second reads the store. `merge` caches the
 * profile it resolves with, keeping whichever has the higher `rev`. Writes go to the store as
 * before, revision-checked, so a stale cached copy can never lose an update (see `MergeBasis`).
 *
 * Admission ("doorkeeper"): a profile is kept from its visitor's second event on, never after the
 * first (`rev` 1, a visitor the store had not seen). Most visitors of a site come once; keeping
 * each new visitor's profile filled the cache with entries nobody reads again, and, at a steady
 * rate of new visitors, made every young-generation GC copy and promote them (docs/benchmarks.md,
 * "what survives a scavenge"). The cost: a returning visitor's second event reads the store, as
 * without a cache; from its third event on the cache serves it as before. The store's `rev`
 * counts the writes, so the rule needs no memory of its own. Only an event's write (a merge with
 * a basis) admits: a merge without one (a late partner answer, ID sync, opt-out) refreshes a copy
 * already held but does not make a one-time visitor's profile a cached one.
 *
 * When other processes write the same profiles (cluster workers), pass `validate`: a cached copy
 * is then used only while the store still holds its revision, otherwise the stored profile is
 * returned (the SQLite store batches these checks, one read transaction per turn). Bounded: least
 * recently written entries are dropped first.
 */
import type { Profile, ProfileDelta } from '../profiles/profile.js';
import type { MergeBasis, ProfileStore } from './ports.js';

/** A validator's answer when the stored profile is still at the revision of the cached copy. */
export const STILL_CURRENT = Symbol('still current');

/**
 * Checks a cached copy against storage: resolves STILL_CURRENT when the stored revision is `rev`,
 * otherwise the stored profile (undefined = none).
 */
export type CacheValidator = (
  visitorId: string,
  rev: number | undefined,
) => Promise<Profile | undefined | typeof STILL_CURRENT>;

export class CachedProfileStore implements ProfileStore {
  readonly #inner: ProfileStore;
  readonly #capacity: number;
  /** visitor id → last written profile; Map order is write order, oldest first. */
  readonly #entries = new Map<string, Profile>();

  readonly #validate: CacheValidator | undefined;

  /**
   * @param validate checks a cached copy against storage, for stores shared with other writers;
   *   omit it when this process is the only writer.
   */
  constructor(inner: ProfileStore, capacity: number, validate?: CacheValidator) {
    this.#inner = inner;
    this.#capacity = Math.max(0, Math.floor(capacity));
    this.#validate = validate;
  }

  /** Number of cached profiles (metrics, tests). */
  get size(): number {
    return this.#entries.size;
  }

  get(visitorId: string): Promise<Profile | undefined> {
    const cached = this.#entries.get(visitorId);
    if (cached === undefined) return this.#inner.get(visitorId);
    this.#entries.delete(visitorId);
    if (this.#validate !== undefined)
      return this.#validate(visitorId, cached.rev).then((got) => (got === STILL_CURRENT ? cached : got));
    return Promise.resolve(cached);
  }

  async merge(visitorId: string, delta: ProfileDelta, now: number, basis?: MergeBasis): Promise<Profile> {
    // A merge without a basis (late partner answers, opt-out, ID sync) may race an event that holds
    // the cached copy; that event's write then fails its revision check and re-reads the store.
    const merged = await this.#inner.merge(visitorId, delta, now, basis);
    this.#remember(visitorId, merged, basis !== undefined);
    return merged;
  }

  async delete(visitorId: string): Promise<boolean> {
    this.#entries.delete(visitorId);
    const deleted = await this.#inner.delete(visitorId);
    this.#entries.delete(visitorId); // a merge that resolved meanwhile must not bring it back
    return deleted;
  }

  purgeInactive(olderThan: number): Promise<number> {
    for (const [id, p] of this.#entries) if (p.seen < olderThan) this.#entries.delete(id);
    return this.#inner.purgeInactive(olderThan);
  }

  close(): Promise<void> {
    this.#entries.clear();
    return this.#inner.close();
  }

  /** Keeps `profile` as the visitor's cached copy; `admit` false: only in place of one held. */
  #remember(visitorId: string, profile: Profile, admit: boolean): void {
    if (this.#capacity === 0) return;
    if (profile.rev === 1) {
      // The doorkeeper (see the header): a first write is not admitted. An entry held for this id
      // belongs to a profile that has since been deleted (by another writer), so it goes too.
      this.#entries.delete(visitorId);
      return;
    }
    const held = this.#entries.get(visitorId);
    if (held === undefined && !admit) return;
    if (held !== undefined) {
      if ((held.rev ?? 0) > (profile.rev ?? 0)) return;
      this.#entries.delete(visitorId); // re-insert at the young end
    }
    this.#entries.set(visitorId, profile);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
