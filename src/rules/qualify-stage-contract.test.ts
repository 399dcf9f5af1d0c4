/**
 * The evaluator's contract with its caller (docs/rules.md "When segments are re-evaluated"): the
 * view must still hold the realisations that expired since the last evaluation. The
 * qualify-segments stage merges the event's realisations with the daily sweep deferred; this
 * checks it through the stage itself, on the case the sweep would hide: a visitor's first event of
 * a day, after a realisation expired overnight.
 */
import { describe, expect, it } from 'vitest';
import type { EventContext } from '../pipeline/event-context.js';
import { qualifySegmentsStage } from '../pipeline/stages/qualify-segments-stage.js';
import { applyDelta, DAY_MS, emptyProfile, type Profile, type Realize } from '../profiles/profile.js';
import { SegmentEvaluator } from './index.js';

const DAY = 100;
const NOON = 12 * 3_600_000;

/** The slice of an EventContext the stage reads and writes. */
function context(evaluator: SegmentEvaluator, profile: Profile | undefined, now: number, realize: Realize[]) {
  const ctx = {
    profile,
    now,
    realizations: realize,
    realized: new Set(realize.map((r) => r.traitId)),
    snapshot: { segmentEvaluator: evaluator },
    delta: { realize } as EventContext['delta'],
    segments: [] as number[],
  };
  return ctx;
}

function run(ctx: ReturnType<typeof context>): void {
  expect(qualifySegmentsStage.run(ctx as unknown as EventContext)).toBe('next');
}

describe('qualify-segments stage and the evaluator contract', () => {
  const { evaluator } = SegmentEvaluator.compile([{ sid: 500, rule: '1T', status: 'ACTIVE' }], new Map());

  it('removes a member whose trait expired overnight, on the first event of the next day', () => {
    // Day 100: trait 1 (TTL 1 day: live until the end of day 101) makes the visitor a member.
    const first = context(evaluator, undefined, DAY * DAY_MS + NOON, [{ traitId: 1, ttlDays: 1 }]);
    run(first);
    expect(first.segments).toEqual([500]);
    const stored = structuredClone(first.profile) as Profile;

    // Day 102, noon: the realisation expired at midnight; the profile was last swept on day 100.
    const next = context(evaluator, stored, (DAY + 2) * DAY_MS + NOON, []);
    run(next);
    expect(next.segments).toEqual([]);
    expect(next.delta.segmentsRemove).toEqual([500]);
    // The write still drops the expired realisation (the sweep ran after qualifying).
    expect(next.profile?.traits.get(1)).toBeUndefined();
  });

  it('leaves the merged profile as applying the whole delta at once would', () => {
    const profile = emptyProfile(DAY * DAY_MS);
    applyDelta(
      profile,
      {
        realize: [
          { traitId: 1, ttlDays: 1 },
          { traitId: 2, ttlDays: 30 },
        ],
      },
      DAY * DAY_MS,
    );
    const now = (DAY + 3) * DAY_MS;
    const ctx = context(evaluator, structuredClone(profile), now, [{ traitId: 3, ttlDays: 7 }]);
    run(ctx);
    const expected = structuredClone(profile);
    applyDelta(expected, ctx.delta, now);
    expect(ctx.profile).toEqual(expected);
  });
});
