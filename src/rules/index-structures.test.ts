/**
 * Property tests of the per-key index structures (key-index.ts) against the plain operations they
 * replace: interval stabbing vs testing every range, the literal automaton vs `includes` /
 * `startsWith` / `endsWith`, finite-language regexes vs RE2, and the numeric scan vs `NUMBER_RE`.
 */
import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { LiteralAutomaton } from './literal-automaton.js';
import { RangeIndex, type RangeEntry } from './range-index.js';
import { finiteRegex } from './regex-literals.js';
import { NUMBER_RE, numericValue } from './value-compare.js';

const bound = fc.option(
  fc.record({ n: fc.integer({ min: -3, max: 3 }).map((n) => n / 2), inclusive: fc.boolean() }),
  { nil: undefined },
);

describe('per-key index structures', () => {
  it('RangeIndex.stab returns exactly the ranges containing the point', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ lo: bound, hi: bound }), { maxLength: 12 }),
        fc.array(
          fc.integer({ min: -8, max: 8 }).map((n) => n / 4),
          { minLength: 1, maxLength: 10 },
        ),
        (ranges, points) => {
          const entries: RangeEntry[] = ranges.map((r, ref) => ({ ref, lo: r.lo, hi: r.hi }));
          const index = new RangeIndex(entries);
          for (const x of points) {
            const out: number[] = [];
            index.stab(x, out);
            const expected = entries
              .filter(
                ({ lo, hi }) =>
                  (lo === undefined || (lo.inclusive ? x >= lo.n : x > lo.n)) &&
                  (hi === undefined || (hi.inclusive ? x <= hi.n : x < hi.n)),
              )
              .map((e) => e.ref);
            expect([...new Set(out)].sort((a, b) => a - b)).toEqual(expected);
            expect(out.length).toBe(expected.length); // each range once
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('LiteralAutomaton finds every occurrence that includes/startsWith/endsWith would', () => {
    const str = (max: number): fc.Arbitrary<string> =>
      fc.array(fc.constantFrom('a', 'b', 'ab', 'é', '😀', '-'), { maxLength: max }).map((s) => s.join(''));
    fc.assert(
      fc.property(fc.array(str(3), { minLength: 1, maxLength: 8 }), str(8), (literals, text) => {
        const ac = new LiteralAutomaton(literals);
        const ends = literals.map(() => new Set<number>());
        ac.scan(text, (id, end) => ends[id]?.add(end));
        literals.forEach((literal, id) => {
          const found = ends[id] as Set<number>;
          const starts = [...found].map((end) => end - literal.length);
          expect(found.size > 0).toBe(text.includes(literal));
          if (literal.length > 0) {
            expect(starts.includes(0)).toBe(text.startsWith(literal));
            expect(found.has(text.length)).toBe(text.endsWith(literal));
            for (const s of starts) expect(text.slice(s, s + literal.length)).toBe(literal);
          }
        });
      }),
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
