import { describe, expect, it } from 'vitest';
import { applyDelta, type Profile } from '../profiles/profile.js';
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
    const first = await cache.merge('v1', { segmentsAdd: [1] }, T0);
    expect(first.rev).toBe(1);
    expect(cache.size).toBe(0);
    const read = await cache.get('v1');
    expect(read).toEqual(first);
    expect(inner.reads()).toBe(1);
    const second = await cache.merge('v1', { segmentsAdd: [2] }, T0 + 1);
    expect(second.rev).toBe(2);
    expect(cache.size).toBe(1);
    expect(await cache.get('v1')).toBe(second);
    expect(inner.reads()).toBe(1);
  });

  it('serves the next read of a written profile from memory once admitted', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 10);
    await cache.merge('v1', { segmentsAdd: [1] }, T0);
    const written = await cache.merge('v1', { segmentsAdd: [2] }, T0 + 1);
    expect(await cache.get('v1')).toBe(written);
    expect(inner.reads()).toBe(0);
    // The event that read it writes revision 3, which is kept in its place.
    const third = await cache.merge('v1', { segmentsAdd: [3] }, T0 + 2);
    expect(third.rev).toBe(3);
    expect(await cache.get('v1')).toBe(third);
    expect(inner.reads()).toBe(0);
  });

  it('hands a cached profile to one reader only; a concurrent reader gets its own copy', async () => {
    const inner = counting(new MemoryProfileStore());
    const cache = new CachedProfileStore(inner.store, 10);
    await writeTwice(cache, 'v1');
    const a = (await cache.get('v1')) as Profile;
    const b = (await cache.get('v1')) as Profile;
    expect(a).not.toBe(b);
    expect(b).toEqual(a);
    expect(inner.reads()).toBe(1);
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
    await cache.get('v1');
    expect(inner.reads()).toBe(1);
    await cache.get('v3');
    expect(inner.reads()).toBe(1);
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
    const fresh = await cache.merge('v1', { segmentsAdd: [9] }, T0 + 5);
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

/** Two writes of one visitor: the second is the first one the cache admits. */
async function writeTwice(cache: CachedProfileStore, id: string): Promise<Profile> {
  await cache.merge(id, { segmentsAdd: [1] }, T0);
  return cache.merge(id, { segmentsAdd: [2] }, T0 + 1);
}

/** A profile Map's sids as strings, in the Map's order (what tests compare). */
function keysOf(m: ReadonlyMap<number, unknown> | undefined): string[] {
  return [...(m?.keys() ?? [])].map(String);
}
