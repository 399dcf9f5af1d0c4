/**
 * Property tests: (1) segment printer/parser round-trip; (2) incremental qualification over a
 * random sequence of events (realisations, expiries, day changes, pauses, deletions) always yields
 * the membership a from-scratch reference evaluation of every segment yields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDelta, DAY_MS, emptyProfile, utcDay, type Profile, type Realize } from '../profiles/profile.js';
import { mapTraitView, mapSegmentSet, SegmentEvaluator, type SegmentInput, type TraitView } from './index.js';
import type { SegmentNode } from './segment-ast.js';
import { parseSegmentRule } from './segment-parser.js';
import { printSegmentRule } from './segment-printer.js';
import { evaluateSegmentAst } from './segment-reference-eval.js';
import { holdsForEmptyVisitor } from './segment-validate.js';

const LEAVES = [1, 2, 3, 4, 5, 6];
const FOLDERS = new Map<number, number[]>([
  [20, [1, 2, 21]],
  [21, [3, 4]],
]);
const REFS = [...LEAVES, 20, 21];

const ref = fc.constantFrom(...REFS).map((sid): SegmentNode => ({ type: 'ref', sid, pos: 0 }));
const freq = fc
  .record({
    sids: fc.uniqueArray(fc.constantFrom(...REFS), { minLength: 1, maxLength: 3 }),
    recency: fc.option(
      fc.record({ op: fc.constantFrom('<=' as const, '>=' as const), days: fc.integer({ min: 1, max: 4 }) }),
      { nil: undefined },
    ),
    op: fc.constantFrom('>=' as const, '<=' as const, '==' as const),
    count: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ sids, recency, op, count }): SegmentNode => {
    const traits = sids.map((sid) => ({ type: 'ref' as const, sid, pos: 0 }));
    return recency === undefined
      ? { type: 'freq', traits, op, count, pos: 0 }
      : { type: 'freq', traits, recency: { ...recency, pos: 0 }, op, count, pos: 0 };
  });
const segment: fc.Arbitrary<SegmentNode> = fc.letrec<{ node: SegmentNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'segment' },
    ref,
    freq,
    fc.record({
      type: fc.constantFrom('and' as const, 'or' as const),
      children: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('not' as const), child: tie('node') }),
  ),
})).node;

const step = fc.record({
  advance: fc.constantFrom(0, 60_000, 3 * 3_600_000, 7 * 3_600_000, 11 * 3_600_000, DAY_MS, 2 * DAY_MS),
  realize: fc.uniqueArray(fc.constantFrom(...LEAVES), { maxLength: 3 }),
  ttl: fc.constantFrom(0, 1, 2, 3),
});

/** Earliest `expires` later than `after` (0 = none): the `nextExpiry` hint a profile model would keep. */
function nextExpiry(profile: Profile, after: number): number {
  let next = 0;
  for (const r of [...profile.traits.values()])
    if (r.expires > after && (next === 0 || r.expires < next)) next = r.expires;
  return next;
}

function strip(node: SegmentNode): unknown {
  return JSON.parse(JSON.stringify(node, (k, v: unknown) => (k === 'pos' ? undefined : v)));
}

describe('segment properties', () => {
  it('parse(print(ast)) gives the same tree', () => {
    fc.assert(
      fc.property(segment, (ast) => {
        const reparsed = parseSegmentRule(printSegmentRule(ast));
        expect('type' in reparsed ? strip(reparsed) : reparsed).toEqual(strip(ast));
      }),
      { numRuns: 500 },
    );
  });

  it('incremental qualification equals full reference evaluation', () => {
    const valid = segment.filter((s) => !holdsForEmptyVisitor(s));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(valid, fc.constantFrom<SegmentInput['status']>('ACTIVE', 'ACTIVE', 'INACTIVE')), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(step, { minLength: 1, maxLength: 20 }),
        fc.constantFrom('plain', 'listable', 'profile', 'hinted', 'map'),
        // Catalog age: none (0), or took effect during the sequence (a catch-up full pass then).
        fc.constantFrom(undefined, 10 * DAY_MS + DAY_MS + 3_600_000),
        // Segment sids in sequence (dense: the evaluator keeps members in a bitset), or far apart.
        fc.constantFrom(1, 1_000_003),
        (segs, steps, viewKind, compiledAt, stride) => {
          const inputs = segs.map(([ast, status], i) => ({
            sid: 100 + i * stride,
            rule: printSegmentRule(ast),
            status,
          }));
          const { evaluator, errors } = SegmentEvaluator.compile(
            inputs,
            FOLDERS,
            compiledAt === undefined ? {} : { compiledAt },
          );
          expect(errors).toEqual([]);
          let now = 10 * DAY_MS;
          const profile: Profile = emptyProfile(now);
          // A paused segment the visitor was in before, and a deleted one.
          profile.segments = new Map([
            [100, now],
            [999, now],
          ]);
          let lastEvaluatedAt = 0;
          for (const { advance, realize, ttl } of steps) {
            now += advance;
            const realizations: Realize[] = realize.map((traitId) => ({ traitId, ttlDays: ttl }));
            // The evaluator sees the stored profile plus this event's realisations, before the write's sweep.
            const merged = structuredClone(profile);
            merged.sweptDay = utcDay(now);
            applyDelta(merged, { realize: realizations }, now);
            // The Map view (also with the `nextExpiry` hint the profile keeps), a view with only
            // `sids`, or a bare lookup (probing).
            const full = mapTraitView(merged.traits);
            const plain: TraitView = (sid) => merged.traits.get(sid);
            const views: Record<typeof viewKind, () => TraitView> = {
              profile: () => full,
              hinted: () => mapTraitView(merged.traits, { nextExpiry: nextExpiry(merged, lastEvaluatedAt) }),
              map: () => mapTraitView(merged.traits),
              listable: () => Object.assign(plain, { sids: full.sids }),
              plain: () => plain,
            };
            const view = views[viewKind]();
            // The stage's set over the profile record, or a plain Set.
            const current =
              viewKind === 'profile' || viewKind === 'hinted'
                ? mapSegmentSet(profile.segments)
                : new Set(keysOf(profile.segments).map(Number));
            const result = evaluator.qualify(view, current, new Set(realize), lastEvaluatedAt, now);
            const expected = segs
              .map(([ast, status], i) => ({ sid: 100 + i * stride, ast, status }))
              .filter((s) =>
                s.status === 'ACTIVE' ? evaluateSegmentAst(s.ast, view, now, FOLDERS) : current.has(s.sid),
              )
              .map((s) => s.sid);
            expect(result.members).toEqual(expected);
            expect(result.added).toEqual(expected.filter((s) => !current.has(s)));
            expect(result.removed).toEqual(
              [...current].filter((s) => !expected.includes(s)).sort((a, b) => a - b),
            );
            applyDelta(
              profile,
              { realize: realizations, segmentsAdd: result.added, segmentsRemove: result.removed },
              now,
            );
            lastEvaluatedAt = now;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A profile Map's sids as strings, in the Map's order (what tests compare). */
function keysOf(m: ReadonlyMap<number, unknown> | undefined): string[] {
  return [...(m?.keys() ?? [])].map(String);
}
