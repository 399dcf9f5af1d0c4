/**
 * qualify-segments: segment expressions over the merged profile (stored realisations + this
 * event's), with recency, frequency and trait TTL (AAM §6.3). Only segments touched by a changed
 * or expired trait are re-evaluated (the evaluator decides). On failure: none — pure computation.
 */
import { applyDelta, emptyProfile, utcDay } from '../../profiles/profile.js';
import { mapSegmentSet, mapTraitView } from '../../rules/index.js';
import type { Stage } from '../stage.js';

export const qualifySegmentsStage: Stage = {
  name: 'qualify-segments',
  run(ctx) {
    const profile = ctx.profile ?? emptyProfile(ctx.now);
    const lastEvaluatedAt = ctx.profile === undefined ? 0 : profile.seen;
    // The profile object is ours (deserialised for this event): apply this event's realisations in
    // place, with the daily sweep of expired realisations deferred to the second applyDelta below.
    // The evaluator must still see what expired since the last evaluation, or the segments that
    // read it would keep their members (docs/rules.md "When segments are re-evaluated").
    const sweptDay = profile.sweptDay;
    // The expiry still ahead at the last write, read before this event's realisations move it.
    const hints = profile.nextExpiry === undefined ? {} : { nextExpiry: profile.nextExpiry };
    profile.sweptDay = utcDay(ctx.now);
    applyDelta(profile, { realize: ctx.realizations }, ctx.now);
    profile.sweptDay = sweptDay;
    const result = ctx.snapshot.segmentEvaluator.qualify(
      mapTraitView(profile.traits, hints),
      mapSegmentSet(profile.segments),
      ctx.realized,
      lastEvaluatedAt,
      ctx.now,
    );
    if (result.added.length > 0) ctx.delta.segmentsAdd = result.added;
    if (result.removed.length > 0) ctx.delta.segmentsRemove = result.removed;
    applyDelta(profile, { segmentsAdd: result.added, segmentsRemove: result.removed }, ctx.now);
    ctx.profile = profile;
    ctx.segments = result.members;
    return 'next';
  },
};
