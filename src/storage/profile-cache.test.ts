import { describe, expect, it } from 'vitest';
import { applyDelta, emptyProfile, type Profile } from '../profiles/profile.js';
import { MemoryProfileStore } from './memory/memory-profile-store.js';
import { CachedProfileStore } from './profile-cache.js';
import type { ProfileStore } from './ports.js';

const T0 = 1_790_000_000_000;

/** Counts reads that reach the inner store. */
function counting(inner: ProfileStore): { store: ProfileStore; reads: () => number } {
  let reads = 0;
  const store: ProfileStore = {
    get: (id) => {
      reads++;
      return inner.get(id);
    },
    merge: (...a) => inner.merge(...a),
    delete: (id) => inner.delete(id),
    purgeInactive: (t) => inner.purgeInactive(t),
    close: () => inner.close(),
  };
  return { store, reads: () => reads };
}

describe('CachedProfileStore', () => {
  it("does not keep a visitor's first profile (rev 1): the doorkeeper admits on the second write", async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 10);
    const first = await eventWrite(cache, 'v1', undefined, 1, T0);
    expect(first.rev).toBe(1);
    expect(cache.size).toBe(0);
    const read = await cache.get('v1');
    expect(read).toEqual(first);
    expect(inner.reads()).toBe(1);
    const second = await eventWrite(cache, 'v1', read, 2, T0 + 1);
    expect(second.rev).toBe(2);
    expect(cache.size).toBe(1);
    expect(await cache.get('v1')).toBe(second);
    expect(inner.reads()).toBe(1);
  });

  it('serves the next read of a written profile from memory once admitted', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 10);
    const written = await writeTwice(cache, 'v1');
    const reads = inner.reads();
    const read = await cache.get('v1');
    expect(read).toBe(written);
    // The event that read it writes revision 3, which is kept in its place.
    const third = await eventWrite(cache, 'v1', read, 3, T0 + 2);
    expect(third.rev).toBe(3);
    expect(await cache.get('v1')).toBe(third);
    expect(inner.reads()).toBe(reads);
  });

  it('does not admit a profile on a merge without a basis (late answer), but refreshes a held copy', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 10);
    expect((await eventWrite(cache, 'v1', undefined, 1, T0)).rev).toBe(1);
    // A late partner answer for the new visitor: its second write, but not an event's.
    const late = await cache.merge('v1', { partners: { '7': { codes: ['A1'] } } }, T0 + 1);
    expect(late.rev).toBe(2);
    expect(cache.size).toBe(0);
    // The visitor's next event reads the store and writes revision 3 with a basis: admitted.
    const third = await eventWrite(cache, 'v1', await cache.get('v1'), 3, T0 + 2);
    expect(inner.reads()).toBe(1);
    expect(third.rev).toBe(3);
    expect(cache.size).toBe(1);
    // A late answer now refreshes the held copy.
    const refreshed = await cache.merge('v1', { partners: { '8': { codes: ['B1'] } } }, T0 + 3);
    expect(refreshed.rev).toBe(4);
    expect(await cache.get('v1')).toBe(refreshed);
    expect(inner.reads()).toBe(1);
  });

  it('hands a cached profile to one reader only; a concurrent reader gets its own copy', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 10);
    await writeTwice(cache, 'v1');
    const reads = inner.reads();
    const a = (await cache.get('v1')) as Profile;
    const b = (await cache.get('v1')) as Profile;
    expect(a).not.toBe(b);
    expect(b).toEqual(a);
    expect(inner.reads()).toBe(reads + 1);
  });

  it('never loses an update when two events of one visitor write from the same revision', async () => {
    const cache = new CachedProfileStore(new MemoryProfileStore(), 10);
    await cache.merge('v1', { realize: [{ traitId: 1, ttlDays: 120 }] }, T0);
    const a = (await cache.get('v1')) as Profile;
    const b = (await cache.get('v1')) as Profile;
    const da = { realize: [{ traitId: 2, ttlDays: 120 }] };
    const db = { realize: [{ traitId: 3, ttlDays: 120 }] };
    await cache.merge('v1', da, T0 + 1, { rev: a.rev ?? 0, merged: applyDelta(a, da, T0 + 1) });
    await cache.merge('v1', db, T0 + 2, { rev: b.rev ?? 0, merged: applyDelta(b, db, T0 + 2) });
    expect(keysOf((await cache.get('v1'))?.traits).sort()).toEqual(['1', '2', '3']);
  });

  it('drops the least recently written profile past its capacity', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 2);
    for (const id of ['v1', 'v2', 'v3']) await writeTwice(cache, id);
    expect(cache.size).toBe(2);
    const reads = inner.reads();
    await cache.get('v1');
    expect(inner.reads()).toBe(reads + 1);
    await cache.get('v3');
    expect(inner.reads()).toBe(reads + 1);
  });

  it('forgets a deleted profile', async () => {
    const cache = new CachedProfileStore(new MemoryProfileStore(), 10);
    await writeTwice(cache, 'v1');
    expect(await cache.delete('v1')).toBe(true);
    expect(await cache.get('v1')).toBeUndefined();
  });

  it('drops a held copy when the store starts the visitor over at rev 1 (deleted by another writer)', async () => {
    const inner = new MemoryProfileStore();
    const cache = new CachedProfileStore(inner, 10);
    await writeTwice(cache, 'v1');
    expect(cache.size).toBe(1);
    await inner.delete('v1'); // behind the cache's back
    const fresh = await eventWrite(cache, 'v1', undefined, 9, T0 + 5);
    expect(fresh.rev).toBe(1);
    expect(cache.size).toBe(0);
    const read = await cache.get('v1');
    expect(read?.rev).toBe(1);
    expect([...(read?.segments.keys() ?? [])]).toEqual([9]);
  });

  it('caches nothing with capacity 0', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 0);
    await cache.merge('v1', { segmentsAdd: [1] }, T0);
    await cache.get('v1');
    expect(inner.reads()).toBe(1);
    expect(cache.size).toBe(0);
  });
});

/**
 * An event's write as write-profile makes it: the delta applied to the profile the event read
 * (or to an empty one for a new visitor), with that read's revision as the basis.
 */
function eventWrite(
  cache: CachedProfileStore,
  id: string,
  read: Profile | undefined,
  sid: number,
  now: number,
): Promise<Profile> {
  const delta = { segmentsAdd: [sid] };
  const merged = applyDelta(read ?? emptyProfile(now), delta, now);
  return cache.merge(id, delta, now, { rev: read?.rev ?? 0, merged });
}

/** A new visitor's first event, then its second (which reads the store): the cache admits the second. */
async function writeTwice(cache: CachedProfileStore, id: string): Promise<Profile> {
  await eventWrite(cache, id, undefined, 1, T0);
  return eventWrite(cache, id, await cache.get(id), 2, T0 + 1);
}

/** A profile Map's sids as strings, in the Map's order (what tests compare). */
function keysOf(m: ReadonlyMap<number, unknown> | undefined): string[] {
  return [...(m?.keys() ?? [])].map(String);
}
