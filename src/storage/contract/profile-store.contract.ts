/**
 * The `ProfileStore` contract every adapter passes (STYLE.md §8): merge semantics are exactly
 * `applyDelta` from `profiles/profile.ts`, and concurrent merges for one visitor never lose updates.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, applyDelta, emptyProfile, type Profile, type ProfileDelta } from '../../profiles/profile.js';
import type { ProfileStore } from '../ports.js';

/** A fresh, empty store and how to dispose of it. */
export interface ProfileStoreHarness {
  store: ProfileStore;
  cleanup(): Promise<void>;
}

const T0 = 1_790_000_000_000;

/** The profile without the store-maintained revision, to compare with plain `applyDelta` results. */
function withoutRev(p: Profile): Profile {
  const { rev: _rev, ...rest } = p;
  return rest;
}

/** Deltas over a small id space so that traits, segments and partners collide often. */
const changeArb: fc.Arbitrary<ProfileDelta> = fc.record(
  {
    realize: fc.array(
      fc.record(
        {
          traitId: fc.integer({ min: 1, max: 6 }),
          ttlDays: fc.constantFrom(0, 1, 2, 120),
          countOnce: fc.boolean(),
        },
        { requiredKeys: ['traitId', 'ttlDays'] },
      ),
      { maxLength: 4 },
    ),
    segmentsAdd: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }),
    segmentsRemove: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
    partners: fc.dictionary(
      fc.constantFrom('7', '8'),
      fc.record({ uid: fc.string({ maxLength: 4 }), calledAt: fc.nat() }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: [] },
);

/** Mostly ordinary changes; an occasional opt-out, which must stick for the rest of the sequence. */
const deltaArb: fc.Arbitrary<ProfileDelta> = fc.oneof(
  { weight: 12, arbitrary: changeArb },
  { weight: 1, arbitrary: fc.constant<ProfileDelta>({ optOut: true }) },
);

/** Steps between events, from milliseconds to several days so expiry and sweeps happen. */
const stepArb = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 4 * DAY_MS }));

export function profileStoreContract(name: string, make: () => Promise<ProfileStoreHarness>): void {
  describe(`ProfileStore contract: ${name}`, () => {
    let h: ProfileStoreHarness;
    let store: ProfileStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('returns undefined for an unknown visitor', async () => {
      expect(await store.get('nobody')).toBeUndefined();
    });

    it('creates the profile on first merge and updates it afterwards', async () => {
      const first = await store.merge(
        'v1',
        { realize: [{ traitId: 5, ttlDays: 120 }], segmentsAdd: [9] },
        T0,
      );
      expect(first).toMatchObject({ created: T0, seen: T0, segments: new Map([[9, T0]]) });
      expect(first.traits.get(5)).toMatchObject({ first: T0, last: T0, count: 1 });
      const second = await store.merge(
        'v1',
        { realize: [{ traitId: 5, ttlDays: 120 }], segmentsRemove: [9] },
        T0 + 60_000,
      );
      expect(second).toMatchObject({ created: T0, seen: T0 + 60_000, segments: new Map() });
      expect(second.traits.get(5)).toMatchObject({ first: T0, last: T0 + 60_000, count: 2 });
      expect(await store.get('v1')).toEqual(second);
    });

    it('merges partner state field by field', async () => {
      await store.merge('v1', { partners: { '7': { uid: 'u1', syncedAt: T0 } } }, T0);
      const p = await store.merge('v1', { partners: { '7': { codes: ['a', 'b'] } } }, T0 + 1);
      expect(p.partners['7']).toEqual({ uid: 'u1', syncedAt: T0, codes: ['a', 'b'] });
    });

    it('keeps only the opt-out mark once the visitor opts out', async () => {
      await store.merge('v1', { realize: [{ traitId: 1, ttlDays: 0 }], segmentsAdd: [2] }, T0);
      await store.merge('v1', { optOut: true }, T0 + 1);
      const after = await store.merge('v1', { realize: [{ traitId: 3, ttlDays: 0 }] }, T0 + 2);
      expect(after).toMatchObject({ optedOut: T0 + 1, traits: new Map(), segments: new Map(), partners: {} });
      expect(await store.get('v1')).toEqual(after);
    });

    it('hands out copies: mutating what get returned does not change the store', async () => {
      await store.merge('v1', { segmentsAdd: [1] }, T0);
      const got = await store.get('v1');
      if (got !== undefined) got.segments.set(3, T0);
      expect(keysOf((await store.get('v1'))?.segments)).toEqual(['1']);
    });

    it('round-trips applyDelta semantics for any sequence of deltas', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(stepArb, deltaArb), { minLength: 1, maxLength: 8 }),
          async (steps) => {
            const visitor = `prop-${run++}`;
            let now = T0;
            let expected: Profile | undefined;
            let last: Profile | undefined;
            for (const [step, delta] of steps) {
              now += step;
              expected = applyDelta(expected ?? emptyProfile(now), delta, now);
              last = await store.merge(visitor, delta, now);
              expect(withoutRev(last)).toEqual(expected);
            }
            expect(await store.get(visitor)).toEqual(last);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('counts revisions: get returns the stored rev, each merge increments it', async () => {
      const a = await store.merge('v1', { segmentsAdd: [1] }, T0);
      const b = await store.merge('v1', { segmentsAdd: [2] }, T0 + 1);
      expect(b.rev).toBe((a.rev ?? 0) + 1);
      expect((await store.get('v1'))?.rev).toBe(b.rev);
    });

    it('stores a current basis as is (optimistic merge)', async () => {
      await store.merge('v1', { realize: [{ traitId: 1, ttlDays: 120 }] }, T0);
      const read = (await store.get('v1')) as Profile;
      const delta: ProfileDelta = { realize: [{ traitId: 2, ttlDays: 120 }], segmentsAdd: [7] };
      const merged = applyDelta(structuredClone(read), delta, T0 + 1);
      const stored = await store.merge('v1', delta, T0 + 1, { rev: read.rev ?? 0, merged });
      const expected = applyDelta(withoutRev(structuredClone(read)), delta, T0 + 1);
      expect(withoutRev(stored)).toEqual(expected);
      expect(withoutRev((await store.get('v1')) as Profile)).toEqual(expected);
    });

    it('applies the delta when the basis is stale: an optimistic merge never loses an update', async () => {
      await store.merge('v1', { realize: [{ traitId: 1, ttlDays: 120 }] }, T0);
      const read = (await store.get('v1')) as Profile;
      await store.merge('v1', { realize: [{ traitId: 9, ttlDays: 120 }] }, T0 + 1); // someone else writes
      const delta: ProfileDelta = { realize: [{ traitId: 2, ttlDays: 120 }] };
      const merged = applyDelta(structuredClone(read), delta, T0 + 2);
      await store.merge('v1', delta, T0 + 2, { rev: read.rev ?? 0, merged });
      const after = (await store.get('v1')) as Profile;
      expect(keysOf(after.traits).sort()).toEqual(['1', '2', '9']);
    });

    it('treats basis rev 0 as "no profile yet" and falls back when one appeared', async () => {
      const fresh = applyDelta(emptyProfile(T0), { segmentsAdd: [3] }, T0);
      await store.merge('new1', { segmentsAdd: [3] }, T0, { rev: 0, merged: fresh });
      expect(keysOf((await store.get('new1'))?.segments)).toEqual(['3']);
      const stale = applyDelta(emptyProfile(T0), { segmentsAdd: [4] }, T0 + 1);
      await store.merge('new1', { segmentsAdd: [4] }, T0 + 1, { rev: 0, merged: stale });
      expect(keysOf((await store.get('new1'))?.segments).sort()).toEqual(['3', '4']);
    });

    it('stores a fresh basis (an id the event minted) at rev 1; later merges build on it', async () => {
      const merged = applyDelta(emptyProfile(T0), { segmentsAdd: [5] }, T0);
      const stored = await store.merge('minted1', { segmentsAdd: [5] }, T0, { rev: 0, merged, fresh: true });
      expect(stored.rev).toBe(1);
      const read = await store.get('minted1');
      expect([read?.rev, keysOf(read?.segments)]).toEqual([1, ['5']]);
      await store.merge('minted1', { segmentsAdd: [6] }, T0 + 1);
      const after = await store.get('minted1');
      expect([after?.rev, keysOf(after?.segments).sort()]).toEqual([2, ['5', '6']]);
    });

    it('never loses an update: 200 concurrent merges of different traits', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => i + 1);
      await Promise.all(
        ids.map((id) => store.merge('hot', { realize: [{ traitId: id, ttlDays: 120 }] }, T0 + id)),
      );
      const p = await store.get('hot');
      expect(
        keysOf(p?.traits)
          .map(Number)
          .sort((a, b) => a - b),
      ).toEqual(ids);
      expect(p?.seen).toBe(T0 + 200);
    });

    it('never loses an update: 200 concurrent merges of one trait count 200, each seeing the one before', async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, () =>
          store.merge('hot', { realize: [{ traitId: 1, ttlDays: 120 }] }, T0),
        ),
      );
      expect((await store.get('hot'))?.traits.get(1)?.count).toBe(200);
      const counts = results.map((p) => p.traits.get(1)?.count ?? 0).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('keeps concurrent merges for many visitors apart', async () => {
      const visitors = Array.from({ length: 50 }, (_, i) => `v${i}`);
      await Promise.all(
        visitors.flatMap((v, i) => [
          store.merge(v, { segmentsAdd: [i] }, T0),
          store.merge(v, { realize: [{ traitId: i + 1000, ttlDays: 0 }] }, T0),
        ]),
      );
      for (const [i, v] of visitors.entries()) {
        const p = await store.get(v);
        expect(keysOf(p?.segments)).toEqual([String(i)]);
        expect(keysOf(p?.traits)).toEqual([String(i + 1000)]);
      }
    });

    it('deletes a profile and reports whether it existed', async () => {
      await store.merge('v1', { segmentsAdd: [1] }, T0);
      await store.merge('v2', { segmentsAdd: [1] }, T0);
      expect(await store.delete('v1')).toBe(true);
      expect(await store.delete('v1')).toBe(false);
      expect(await store.get('v1')).toBeUndefined();
      expect(await store.get('v2')).toBeDefined();
    });

    it('applies a merge and a delete called in the same turn in call order', async () => {
      const merged = store.merge('v1', { segmentsAdd: [1] }, T0);
      const deleted = store.delete('v1');
      await merged;
      expect(await deleted).toBe(true);
      expect(await store.get('v1')).toBeUndefined();
      const again = await store.merge('v1', { segmentsAdd: [2] }, T0 + 1);
      expect(again).toMatchObject({ created: T0 + 1, segments: new Map([[2, T0 + 1]]) });
    });

    it('purges profiles last seen before the cutoff, keeping the rest', async () => {
      await store.merge('old', { segmentsAdd: [1] }, T0);
      await store.merge('edge', { segmentsAdd: [1] }, T0 + 1000);
      await store.merge('new', { segmentsAdd: [1] }, T0 + 2000);
      await store.merge('revived', { segmentsAdd: [1] }, T0);
      await store.merge('revived', { segmentsAdd: [2] }, T0 + 3000);
      expect(await store.purgeInactive(T0 + 1000)).toBe(1);
      expect(await store.get('old')).toBeUndefined();
      for (const v of ['edge', 'new', 'revived']) expect(await store.get(v)).toBeDefined();
      expect(await store.purgeInactive(T0 + 1000)).toBe(0);
    });
  });
}

/** A profile Map's sids as strings, in the Map's order (what tests compare). */
function keysOf(m: ReadonlyMap<number, unknown> | undefined): string[] {
  return [...(m?.keys() ?? [])].map(String);
}
