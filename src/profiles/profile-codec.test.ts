import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyDelta, DAY_MS, emptyProfile, type PartnerState, type Profile } from './profile.js';
import { decodeProfile, encodeProfile, FORMAT_V1, ProfileDecodeError } from './profile-codec.js';

const T0 = 1_790_000_000_000;
const num = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 53 - 1 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, T0, 2 ** 31, -1),
);
const sid = fc.oneof(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.double(), fc.constant(-0));
const key = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }).map(String),
  fc.string({ maxLength: 12 }),
  fc.constant('__proto__'),
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));

const partnerArb: fc.Arbitrary<PartnerState> = fc.record(
  {
    uid: text,
    syncedAt: num,
    codes: fc.array(text, { maxLength: 6 }),
    answeredAt: num,
    freshUntil: num,
    calledAt: num,
    syncTriedAt: num,
  },
  { requiredKeys: [], noNullPrototype: true },
);

const profileArb: fc.Arbitrary<Profile> = fc
  .record(
    {
      traits: fc
        .array(
          fc.tuple(
            sid,
            fc.record(
              {
                first: num,
                last: num,
                count: num,
                expires: num,
                days: fc.array(fc.tuple(num, num), { maxLength: 5 }),
              },
              { noNullPrototype: true },
            ),
          ),
          { maxLength: 20 },
        )
        .map((entries) => new Map(entries)),
      segments: fc.array(fc.tuple(sid, num), { maxLength: 10 }).map((entries) => new Map(entries)),
      partners: fc.dictionary(key, partnerArb, { maxKeys: 4, noNullPrototype: true }),
      created: num,
      seen: num,
      sweptDay: num,
      nextExpiry: num,
      optedOut: num,
    },
    {
      requiredKeys: ['traits', 'segments', 'partners', 'created', 'seen', 'sweptDay'],
      noNullPrototype: true,
    },
  )
  .map((p) => p as Profile);

const roundTrip = (p: Profile): Profile => decodeProfile(Buffer.from(encodeProfile(p)));

describe('profile codec', () => {
  it('decodes exactly what it encoded (every field, key and number, -0 and NaN included)', () => {
    fc.assert(
      fc.property(profileArb, (p) => {
        expect(Object.is(roundTrip(p), p)).toBe(false);
        expect(roundTrip(p)).toStrictEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips profiles built by applyDelta, and leaves rev to the store', () => {
    const p = emptyProfile(T0);
    applyDelta(
      p,
      {
        realize: [
          { traitId: 1001, ttlDays: 120 },
          { traitId: 7, ttlDays: 1 },
        ],
        segmentsAdd: [2001, 5],
        partners: { '2': { codes: ['A1', 'B7'], answeredAt: T0, freshUntil: T0 + 3_600_000, uid: 'p-1' } },
      },
      T0,
    );
    applyDelta(p, { realize: [{ traitId: 1001, ttlDays: 120 }] }, T0 + 2 * DAY_MS);
    p.rev = 9;
    const back = roundTrip(p);
    expect(back.rev).toBeUndefined();
    delete p.rev;
    expect(back).toStrictEqual(p);
  });

  it('still reads the JSON text earlier versions stored (records keyed by sid strings)', () => {
    const r = { first: T0, last: T0, count: 2, expires: 0, days: [[20_717, 2]] };
    const legacy = {
      traits: { '3': r, '1001': r },
      segments: { '7': T0 },
      partners: { '2': { uid: 'p-1', codes: ['A1'] } },
      created: T0,
      seen: T0,
      sweptDay: 20_717,
      nextExpiry: 0,
      traitCount: 2,
    };
    expect(decodeProfile(JSON.stringify(legacy))).toStrictEqual({
      traits: new Map([
        [3, r],
        [1001, r],
      ]),
      segments: new Map([[7, T0]]),
      partners: { '2': { uid: 'p-1', codes: ['A1'] } },
      created: T0,
      seen: T0,
      sweptDay: 20_717,
      nextExpiry: 0,
    });
  });

  it('is smaller than the JSON text', () => {
    const p = emptyProfile(T0);
    applyDelta(p, { realize: [1, 2, 3, 4, 5, 6].map((traitId) => ({ traitId, ttlDays: 120 })) }, T0);
    const asJson = JSON.stringify({ ...p, traits: Object.fromEntries(p.traits), segments: {} });
    expect(encodeProfile(p).length).toBeLessThan(asJson.length);
  });

  it('rejects bytes it did not write', () => {
    const good = Buffer.from(encodeProfile(emptyProfile(T0)));
    expect(() => decodeProfile(Buffer.from([0x00]))).toThrow(ProfileDecodeError);
    expect(() => decodeProfile(good.subarray(0, good.length - 1))).toThrow(ProfileDecodeError);
    expect(() => decodeProfile(Buffer.concat([good, Buffer.from([0])]))).toThrow(ProfileDecodeError);
    expect(good[0]).toBe(FORMAT_V1);
  });

  it('grows its scratch space for large profiles', () => {
    const p = emptyProfile(T0);
    applyDelta(
      p,
      { realize: Array.from({ length: 5000 }, (_, i) => ({ traitId: i + 1, ttlDays: 120 })) },
      T0,
    );
    expect(roundTrip(p)).toStrictEqual(p);
  });
});
