import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DAY_MS,
  MAX_TRAIT_REALIZATIONS,
  applyDelta,
  countWithinDays,
  emptyProfile,
  expiryFor,
  isLive,
} from './profile.js';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

describe('expiryFor (AAM §5.3)', () => {
  it('adds the TTL in days to the realisation time; 0 never expires', () => {
    expect(expiryFor(T0, 120)).toBe(T0 + 120 * DAY_MS);
    expect(expiryFor(T0, 0)).toBe(0);
  });
  it('applies the 1-day rule: until the end of the next UTC day', () => {
    const at0100 = Date.UTC(2026, 0, 1, 1);
    const at2300 = Date.UTC(2026, 0, 1, 23);
    expect((expiryFor(at0100, 1) - at0100) / 3_600_000).toBe(47);
    expect((expiryFor(at2300, 1) - at2300) / 3_600_000).toBe(25);
  });
});

describe('applyDelta', () => {
  it('realises a trait with first/last/count/expiry and daily buckets', () => {
    const p = applyDelta(emptyProfile(T0), { realize: [{ traitId: 7, ttlDays: 30 }] }, T0);
    applyDelta(p, { realize: [{ traitId: 7, ttlDays: 30 }] }, T0 + 1000);
    applyDelta(p, { realize: [{ traitId: 7, ttlDays: 30 }] }, T0 + 2 * DAY_MS);
    expect(p.traits.get(7)).toMatchObject({
      first: T0,
      last: T0 + 2 * DAY_MS,
      count: 3,
      expires: T0 + 32 * DAY_MS,
    });
    expect(p.traits.get(7)?.days.map((d) => d[1])).toEqual([2, 1]);
    expect(countWithinDays(p.traits.get(7)!, 1, T0 + 2 * DAY_MS)).toBe(1);
    expect(countWithinDays(p.traits.get(7)!, 3, T0 + 2 * DAY_MS)).toBe(3);
  });

  it('counts onboarded traits once but renews them', () => {
    const p = emptyProfile(T0);
    applyDelta(p, { realize: [{ traitId: 1, ttlDays: 10, countOnce: true }] }, T0);
    applyDelta(p, { realize: [{ traitId: 1, ttlDays: 10, countOnce: true }] }, T0 + DAY_MS);
    expect(p.traits.get(1)).toMatchObject({ count: 1, last: T0 + DAY_MS, expires: T0 + 11 * DAY_MS });
  });

  it('restarts an expired realisation and sweeps expired traits on a new day', () => {
    const p = applyDelta(
      emptyProfile(T0),
      {
        realize: [
          { traitId: 1, ttlDays: 1 },
          { traitId: 2, ttlDays: 0 },
        ],
      },
      T0,
    );
    const later = T0 + 5 * DAY_MS;
    expect(isLive(p.traits.get(1)!, later)).toBe(false);
    applyDelta(p, { realize: [{ traitId: 3, ttlDays: 5 }] }, later);
    expect(p.traits.get(1)).toBeUndefined();
    expect(p.traits.get(2)).toBeDefined();
    applyDelta(p, { realize: [{ traitId: 1, ttlDays: 1 }] }, later);
    expect(p.traits.get(1)).toMatchObject({ first: later, count: 1 });
  });

  it('adds and removes segments, keeping the first qualification time', () => {
    const p = applyDelta(emptyProfile(T0), { segmentsAdd: [5, 6] }, T0);
    applyDelta(p, { segmentsAdd: [5], segmentsRemove: [6] }, T0 + 10);
    expect(p.segments).toEqual(new Map([[5, T0]]));
  });

  it('merges partner state field by field', () => {
    const p = applyDelta(emptyProfile(T0), { partners: { '2': { uid: 'p-1', syncedAt: T0 } } }, T0);
    applyDelta(p, { partners: { '2': { codes: ['A1'], answeredAt: T0 + 1 } } }, T0 + 1);
    expect(p.partners['2']).toEqual({ uid: 'p-1', syncedAt: T0, codes: ['A1'], answeredAt: T0 + 1 });
  });

  it('opt-out empties the profile and keeps it empty', () => {
    const p = applyDelta(emptyProfile(T0), { realize: [{ traitId: 1, ttlDays: 10 }], segmentsAdd: [1] }, T0);
    applyDelta(p, { optOut: true }, T0 + 1);
    applyDelta(p, { realize: [{ traitId: 2, ttlDays: 10 }] }, T0 + 2);
    expect(p).toMatchObject({ traits: new Map(), segments: new Map(), partners: {}, optedOut: T0 + 1 });
  });

  it('evicts the least recently realised traits past the cap', () => {
    const p = emptyProfile(T0);
    for (let i = 0; i < MAX_TRAIT_REALIZATIONS; i++)
      p.traits.set(i, { first: T0 + i, last: T0 + i, count: 1, expires: 0, days: [] });
    applyDelta(
      p,
      { realize: [{ traitId: MAX_TRAIT_REALIZATIONS + 1, ttlDays: 0 }] },
      T0 + MAX_TRAIT_REALIZATIONS + 5,
    );
    expect(keysOf(p.traits)).toHaveLength(MAX_TRAIT_REALIZATIONS);
    expect(p.traits.get(0)).toBeUndefined();
    expect(p.traits.get(MAX_TRAIT_REALIZATIONS + 1)).toBeDefined();
  });

  it('is order-independent for realisations at one instant (merge, not overwrite)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 40 }), (ids) => {
        const a = emptyProfile(T0);
        const b = emptyProfile(T0);
        for (const id of ids) applyDelta(a, { realize: [{ traitId: id, ttlDays: 10 }] }, T0);
        for (const id of [...ids].reverse()) applyDelta(b, { realize: [{ traitId: id, ttlDays: 10 }] }, T0);
        expect(a.traits).toEqual(b.traits);
        const total = [...a.traits.values()].reduce((n, r) => n + r.count, 0);
        expect(total).toBe(ids.length);
      }),
    );
  });
});

describe('bookkeeping kept by applyDelta', () => {
  const stepArb = fc.record({
    advance: fc.integer({ min: 0, max: 3 * DAY_MS }),
    realize: fc.array(
      fc.record({ traitId: fc.integer({ min: 1, max: 12 }), ttlDays: fc.constantFrom(0, 1, 2, 3) }),
      { maxLength: 4 },
    ),
  });

  it('nextExpiry is never later than a pending expiry', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        const profile = emptyProfile(T0);
        let now = T0;
        for (const step of steps) {
          now += step.advance;
          applyDelta(profile, { realize: step.realize }, now);
          const pending = [...profile.traits.values()].map((r) => r.expires).filter((e) => e > now);
          if (pending.length > 0) {
            expect(profile.nextExpiry).toBeGreaterThan(0);
            expect(profile.nextExpiry).toBeLessThanOrEqual(Math.min(...pending));
          }
        }
      }),
    );
  });

  it('fills nextExpiry in for a profile stored before it existed', () => {
    const profile = emptyProfile(T0);
    applyDelta(
      profile,
      {
        realize: [
          { traitId: 1, ttlDays: 2 },
          { traitId: 2, ttlDays: 0 },
        ],
      },
      T0,
    );
    delete profile.nextExpiry;
    applyDelta(profile, { segmentsAdd: [5] }, T0 + 1);
    expect(profile.nextExpiry).toBe(T0 + 2 * DAY_MS);
  });
});

/** A profile Map's sids as strings, in the Map's order (what tests compare). */
function keysOf(m: ReadonlyMap<number, unknown> | undefined): string[] {
  return [...(m?.keys() ?? [])].map(String);
}
