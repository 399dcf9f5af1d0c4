import { describe, expect, it } from 'vitest';
import { DAY_MS, type TraitRealization } from '../profiles/profile.js';
import { mapTraitView, SegmentEvaluator, type SegmentInput, type TraitView } from './index.js';

/** A view over realisations written as a record keyed by sid, as these tests spell them. */
function profileTraitView(traits: Record<string, TraitRealization>) {
  return mapTraitView(new Map(Object.entries(traits).map(([sid, r]) => [Number(sid), r])));
}

const NOW = 100 * DAY_MS + 12 * 3_600_000; // day 100, noon UTC
const FOLDERS = new Map<number, number[]>([
  [50, [1, 2, 51]],
  [51, [3]],
]);

function realization(days: Array<[number, number]>, expires = 0): TraitRealization {
  const count = days.reduce((n, [, c]) => n + c, 0);
  return { first: (days[0]?.[0] ?? 0) * DAY_MS, last: NOW, count, expires, days };
}

function compile(rules: Array<string | [string, SegmentInput['status']]>): SegmentEvaluator {
  const inputs = rules.map((r, i) => {
    const [rule, status] = typeof r === 'string' ? [r, 'ACTIVE' as const] : r;
    return { sid: 1000 + i, rule, status };
  });
  const { evaluator, errors } = SegmentEvaluator.compile(inputs, FOLDERS);
  expect(errors).toEqual([]);
  return evaluator;
}

/** Full evaluation from scratch: which segments hold. */
function holds(evaluator: SegmentEvaluator, traits: Record<string, TraitRealization>): number[] {
  return evaluator.qualify(profileTraitView(traits), new Set(), new Set(), 0, NOW).members;
}

describe('segment semantics (AAM §6.2, §5.6)', () => {
  const traits = {
    1: realization([
      [90, 2],
      [98, 1],
      [100, 2],
    ]),
    2: realization([[99, 2]]),
    3: realization([[60, 1]], NOW - 1),
  };

  it('counts realisations within and before a recency window', () => {
    const e = compile([
      'frequency([1T] <= 5D) >= 3',
      'frequency([1T] <= 5D) >= 4',
      'frequency([1T] >= 5D) >= 2',
      'frequency([1T] >= 5D) >= 3',
      'frequency([1T,2T] <= 2D) == 4',
    ]);
    expect(holds(e, traits)).toEqual([1000, 1002, 1004]);
  });

  it('ignores expired realisations for references and frequencies', () => {
    const e = compile(['3T', 'frequency([3T]) >= 1', '1T AND NOT 3T']);
    expect(holds(e, traits)).toEqual([1002]);
  });

  it('treats a folder trait as the OR of its subtree and sums frequencies', () => {
    const e = compile(['50T', 'frequency([50T]) >= 7', 'frequency([50T]) >= 8', 'frequency([50T,1T]) == 7']);
    expect(holds(e, traits)).toEqual([1000, 1001, 1003]);
    expect(holds(e, { 3: realization([[100, 1]]) })).toEqual([1000]);
  });

  it('lists referenced traits as written', () => {
    const e = compile(['frequency([50T,1T]) >= 2 AND NOT 7T OR 1T']);
    expect(e.referencedTraits(1000)).toEqual([1, 7, 50]);
    expect(e.referencedTraits(4242)).toEqual([]);
  });
});

describe('SegmentEvaluator.qualify', () => {
  const e = compile(['1T', '2T AND NOT 3T', ['4T', 'INACTIVE'], 'frequency([5T] <= 2D) >= 2']);

  it('evaluates only dirty segments on the same day and keeps clean members', () => {
    const view: TraitView = () => undefined; // nothing live: a full pass would drop everything
    const r = e.qualify(view, new Set([1000, 1001]), new Set(), NOW - 60_000, NOW);
    expect(r).toEqual({ members: [1000, 1001], added: [], removed: [] });
  });

  it('adds on a changed trait and removes on a same-day expiry', () => {
    const t: Record<string, TraitRealization> = {
      2: realization([[100, 1]]),
      3: realization([[100, 1]], NOW - 1000),
    };
    const r = e.qualify(profileTraitView(t), new Set([1000]), new Set([2]), NOW - 60_000, NOW);
    expect(r).toEqual({ members: [1000, 1001], added: [1001], removed: [] });
    const gone = { 1: realization([[100, 1]], NOW - 5) };
    expect(e.qualify(profileTraitView(gone), new Set([1000]), new Set(), NOW - 60_000, NOW).removed).toEqual([
      1000,
    ]);
  });

  it('works the same with a view that cannot list its traits', () => {
    const t: Record<string, TraitRealization> = { 1: realization([[100, 1]], NOW - 5) };
    const plain: TraitView = (sid) => t[sid];
    expect(e.qualify(plain, new Set([1000]), new Set(), NOW - 60_000, NOW).removed).toEqual([1000]);
  });

  it('paused segments keep members and add none; deleted segments lose members', () => {
    const t = { 4: realization([[100, 1]]) };
    expect(e.qualify(profileTraitView(t), new Set(), new Set([4]), 0, NOW).members).toEqual([]);
    expect(e.qualify(profileTraitView({}), new Set([1002, 9999]), new Set(), 0, NOW)).toEqual({
      members: [1002],
      added: [],
      removed: [9999],
    });
  });

  it('re-evaluates recency segments when the UTC day changes', () => {
    const t = {
      5: realization([
        [99, 1],
        [100, 1],
      ]),
    };
    const today = e.qualify(profileTraitView(t), new Set(), new Set([5]), NOW - 60_000, NOW);
    expect(today.added).toEqual([1003]);
    const twoDaysLater = e.qualify(profileTraitView(t), new Set([1003]), new Set(), NOW, NOW + 2 * DAY_MS);
    expect(twoDaysLater.removed).toEqual([1003]);
  });
});
