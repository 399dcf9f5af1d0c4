/**
 * Property tests of the per-key index structures (key-index.ts) against the plain operations they
 * replace: interval stabbing vs testing every range, the literal automaton vs `includes` /
 * `startsWith` / `endsWith`, finite-language regexes vs RE2, and the numeric scan vs `NUMBER_RE`.
 */
import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { ArenaBuilder } from './arena.js';
import { EqKind, EqualityTableBuilder, EqualityTables } from './equality-index.js';
import { AutomatonPackBuilder, Place } from './literal-automaton.js';
import { RangeIndex, RangePackBuilder, type RangeEntry } from './range-index.js';
import { RefBuffer } from './ref-buffer.js';
import { IdSet } from './id-table.js';
import { finiteRegex } from './regex-literals.js';
import { SegmentLists } from './segment-lists.js';
import { NUMBER_RE, numericValue } from './value-compare.js';

const bound = fc.option(
  fc.record({ n: fc.integer({ min: -3, max: 3 }).map((n) => n / 2), inclusive: fc.boolean() }),
  { nil: undefined },
);
/** Integer bounds only: the materialised ranges then also get a direct table by integer. */
const integerBound = fc.option(fc.record({ n: fc.integer({ min: -2, max: 2 }), inclusive: fc.boolean() }), {
  nil: undefined,
});

describe('per-key index structures', () => {
  /** The refs of the ranges containing `x`, by testing every range. */
  const containing = (entries: readonly RangeEntry[], x: number): number[] =>
    entries
      .filter(
        ({ lo, hi }) =>
          (lo === undefined || (lo.inclusive ? x >= lo.n : x > lo.n)) &&
          (hi === undefined || (hi.inclusive ? x <= hi.n : x < hi.n)),
      )
      .map((e) => e.ref);
  const ranges = fc.array(fc.record({ lo: bound, hi: bound }), { maxLength: 12 });
  const integerRanges = fc.array(fc.record({ lo: integerBound, hi: integerBound }), { maxLength: 12 });
  const points = fc.array(
    fc.integer({ min: -8, max: 8 }).map((n) => n / 4),
    { minLength: 1, maxLength: 10 },
  );

  it('RangeIndex.stab returns exactly the ranges containing the point', () => {
    fc.assert(
      fc.property(ranges, points, (rs, xs) => {
        const entries: RangeEntry[] = rs.map((r, ref) => ({ ref, lo: r.lo, hi: r.hi }));
        const index = new RangeIndex(entries);
        for (const x of xs) {
          const buffer = new RefBuffer(1);
          index.stab(x, buffer);
          const out = [...buffer.data.subarray(0, buffer.length)];
          expect(out.sort((a, b) => a - b)).toEqual(containing(entries, x)); // each range once
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('RangePack.stab (materialised pieces, several keys in one pack) returns exactly the ranges containing the point', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(ranges, integerRanges), { minLength: 1, maxLength: 3 }),
        points,
        (keys, xs) => {
          const arena = new ArenaBuilder();
          const builder = new RangePackBuilder(arena);
          const entries = keys.map((rs) => rs.map((r, ref): RangeEntry => ({ ref, lo: r.lo, hi: r.hi })));
          const bases = entries.map((e) => builder.add(e));
          const pack = builder.build(arena.freeze());
          entries.forEach((e, k) => {
            for (const x of xs) {
              const buffer = new RefBuffer(1);
              pack.stab(bases[k] as number, x, buffer);
              expect([...buffer.data.subarray(0, buffer.length)].sort((a, b) => a - b)).toEqual(
                containing(e, x),
              );
            }
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an automaton pushes exactly the postings includes/startsWith/endsWith/=== would', () => {
    const str = (max: number): fc.Arbitrary<string> =>
      fc.array(fc.constantFrom('a', 'b', 'ab', 'é', '😀', '-'), { maxLength: max }).map((s) => s.join(''));
    const place = fc.constantFrom(
      Place.contains,
      Place.startswith,
      Place.endswith,
      Place.equals,
      Place.prefilter,
    );
    const holds = (p: Place, text: string, literal: string): boolean =>
      p === Place.contains || p === Place.prefilter
        ? text.includes(literal)
        : p === Place.startswith
          ? text.startsWith(literal)
          : p === Place.endswith
            ? text.endsWith(literal)
            : text === literal;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ literal: str(3), place }), { minLength: 1, maxLength: 8 }), {
          minLength: 1,
          maxLength: 3,
        }),
        str(8),
        (automata, text) => {
          const arena = new ArenaBuilder();
          const builder = new AutomatonPackBuilder(arena);
          const postings = automata.map((list) => list.map((p, ref) => ({ ...p, ref })));
          const bases = postings.map((list) => builder.add(list));
          const pack = builder.build(arena.freeze());
          postings.forEach((list, k) => {
            const hits = new RefBuffer(1);
            const prefiltered = pack.scan(bases[k] as number, text, hits);
            const found = new Set(hits.data.subarray(0, hits.length));
            for (const p of list) {
              if (p.place === Place.prefilter) continue;
              expect(found.has(p.ref), `${p.literal} ${p.place} in ${text}`).toBe(
                holds(p.place, text, p.literal),
              );
            }
            const anyPrefilter = list.some((p) => p.place === Place.prefilter && text.includes(p.literal));
            expect(prefiltered).toBe(anyPrefilter);
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an equality table finds exactly the entries equal to the value, by kind', () => {
    const text = fc
      .array(fc.constantFrom('a', 'B', 'é', '😀', '1', '-'), { maxLength: 4 })
      .map((cs) => cs.join(''));
    const number = fc.constantFrom(0, -0, 1, 2.5, -3, 1e21);
    const entry = fc.oneof(
      fc.record({ kind: fc.constantFrom(EqKind.text, EqKind.raw), value: text }),
      fc.record({ kind: fc.constant(EqKind.number), value: number }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(entry, { maxLength: 12 }), { minLength: 1, maxLength: 3 }),
        text,
        number,
        (tables, probe, x) => {
          const arena = new ArenaBuilder();
          const bases = tables.map((list) => {
            const builder = new EqualityTableBuilder();
            list.forEach((e, ref) => builder.add(e.kind, e.value, ref));
            return builder.write(arena);
          });
          const index = new EqualityTables(arena.freeze());
          tables.forEach((list, k) => {
            const base = bases[k] as number;
            const lower = probe.toLowerCase();
            const found = (fill: (out: RefBuffer) => void): number[] => {
              const out = new RefBuffer(1);
              fill(out);
              return [...out.data.subarray(0, out.length)].sort((a, b) => a - b);
            };
            const expected = (test: (e: (typeof list)[number]) => boolean): number[] =>
              list.flatMap((e, ref) => (test(e) ? [ref] : []));
            expect(found((out) => index.collectStrings(base, lower, probe, true, true, out))).toEqual(
              expected(
                (e) =>
                  (e.kind === EqKind.text && e.value === lower) ||
                  (e.kind === EqKind.raw && e.value === probe),
              ),
            );
            expect(found((out) => index.collectNumber(base, x, out))).toEqual(
              expected((e) => e.kind === EqKind.number && e.value === x),
            );
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a finite-language regex matches exactly the values RE2 matches', () => {
    const atom = fc.constantFrom(
      'a',
      'b',
      'é',
      '\\.',
      '.',
      '-',
      '[ab]',
      '[a-c1]',
      '(a|bb)',
      '(?:a|)',
      '\\d',
      ']',
    );
    const quant = fc.constantFrom('', '', '', '?', '{2}', '{0,2}', '*', '+');
    const pattern = fc
      .tuple(
        fc.constantFrom('', '^'),
        fc.array(fc.tuple(atom, quant), { minLength: 0, maxLength: 4 }),
        fc.constantFrom('', '$', '|b'),
      )
      .map(([start, parts, end]) => start + parts.map(([a, q]) => a + q).join('') + end);
    const value = fc
      .array(fc.constantFrom('a', 'b', 'c', 'é', '.', '-', '1', ']'), { maxLength: 6 })
      .map((cs) => cs.join(''));
    let finite = 0;
    fc.assert(
      fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 12 }), (p, values) => {
        let re: RE2;
        try {
          re = new RE2(p, 'u');
        } catch {
          return;
        }
        const f = finiteRegex(p);
        if (f === undefined) return;
        finite++;
        for (const v of values) {
          const hit = f.strings.some((s) =>
            f.mode === 'equals'
              ? v === s
              : f.mode === 'startswith'
                ? v.startsWith(s)
                : f.mode === 'endswith'
                  ? v.endsWith(s)
                  : v.includes(s),
          );
          expect(hit, `${p} on ${JSON.stringify(v)}`).toBe(re.test(v));
        }
      }),
      { numRuns: 3000 },
    );
    expect(finite).toBeGreaterThan(300); // the generator does reach the finite subset
  });

  it('IdMarks lists exactly the ids a Set would hold, ascending, and is empty after', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 120 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 200 }),
        fc.integer({ min: -5_000, max: 5_000_000 }),
        (offsets, ops, base) => {
          const ids = offsets.map((o) => base + o);
          const marks = new IdSet(ids).marks();
          expect(marks).toBeDefined();
          if (marks === undefined) return;
          for (let round = 0; round < 2; round++) {
            const expected = new Set<number>();
            for (const [add, k] of ops) {
              const id = ids[k % ids.length] as number;
              if (add) {
                marks.add(id);
                expected.add(id);
              } else {
                marks.delete(id);
                expected.delete(id);
              }
              expect(marks.has(id)).toBe(expected.has(id));
            }
            expect(marks.size).toBe(expected.size);
            expect(marks.drain()).toEqual([...expected].sort((a, b) => a - b));
            expect(marks.size).toBe(0);
          }
        },
      ),
    );
  });

  it('SegmentLists visits exactly the listed segments, as a direct table (dense sids) or a hash table', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }),
        // Spacing 1: dense sids (direct table); a large one: sparse (hash table).
        fc.constantFrom(1, 3, 1_000_003),
        fc.integer({ min: -1_000, max: 5_000_000 }),
        fc.array(fc.array(fc.nat({ max: 5_000 }), { minLength: 1, maxLength: 6 }), {
          minLength: 60,
          maxLength: 60,
        }),
        (offsets, spacing, base, segmentLists) => {
          const lists = new Map(offsets.map((o, i) => [base + o * spacing, segmentLists[i] as number[]]));
          const table = new SegmentLists(lists);
          const probes = [...lists.keys(), base - 1, base + 0.5, base + 401 * spacing, Number.NaN, -0];
          for (let o = 0; o <= 400; o += 7) probes.push(base + o * spacing);
          for (const sid of probes) {
            const seen: number[] = [];
            table.forEach(sid, (segment) => seen.push(segment));
            expect(seen).toEqual(lists.get(sid) ?? []);
          }
        },
      ),
    );
  });

  it('numericValue parses exactly the NUMBER_RE grammar', () => {
    const text = fc
      .array(fc.constantFrom('0', '5', '9', '.', '+', '-', 'e', ' ', 'x'), { maxLength: 6 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(numericValue(t)).toBe(NUMBER_RE.test(t) ? Number(t) : Number.NaN);
      }),
      { numRuns: 3000 },
    );
  });
});
