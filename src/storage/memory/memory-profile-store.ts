/**
 * In-memory `ProfileStore`. Profiles are kept in the profile codec's bytes, exactly what the SQLite
 * adapter stores, so tests see the same copy semantics (no shared objects) and the same round trip.
 * A merge is one synchronous read-modify-write, hence atomic on Node's single thread.
 */
import { applyDelta, emptyProfile, type Profile, type ProfileDelta } from '../../profiles/profile.js';
import { decodeProfile, encodeProfile } from '../../profiles/profile-codec.js';
import type { MergeBasis, ProfileStore } from '../ports.js';

export class MemoryProfileStore implements ProfileStore {
  readonly #profiles = new Map<string, { data: Buffer; seen: number; rev: number }>();

  get(visitorId: string): Promise<Profile | undefined> {
    const row = this.#profiles.get(visitorId);
    if (row === undefined) return Promise.resolve(undefined);
    const profile = decodeProfile(row.data);
    profile.rev = row.rev;
    return Promise.resolve(profile);
  }

  merge(visitorId: string, delta: ProfileDelta, now: number, basis?: MergeBasis): Promise<Profile> {
    const row = this.#profiles.get(visitorId);
    const rev = row?.rev ?? 0;
    let profile: Profile;
    if (basis !== undefined && basis.rev === rev) profile = basis.merged;
    else {
      profile = row === undefined ? emptyProfile(now) : decodeProfile(row.data);
      applyDelta(profile, delta, now);
    }
    profile.rev = rev + 1;
    const data = Buffer.from(encodeProfile(profile));
    this.#profiles.set(visitorId, { data, seen: profile.seen, rev: profile.rev });
    const stored = decodeProfile(data);
    stored.rev = profile.rev;
    return Promise.resolve(stored);
  }

  delete(visitorId: string): Promise<boolean> {
    return Promise.resolve(this.#profiles.delete(visitorId));
  }

  purgeInactive(olderThan: number): Promise<number> {
    let removed = 0;
    for (const [id, row] of this.#profiles) {
      if (row.seen < olderThan) {
        this.#profiles.delete(id);
        removed += 1;
      }
    }
    return Promise.resolve(removed);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
