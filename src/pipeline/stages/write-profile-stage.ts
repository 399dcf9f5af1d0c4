/**
 * write-profile: the event's one profile write — an atomic merge of this event's delta, durable
 * before the reply (group commit allowed) — plus declared-id links (most recent mapping wins).
 * On failure: error 357 in the reply; the event is not acknowledged as stored.
 */
import { wireError } from '../../errors/registry.js';
import { applyDelta } from '../../profiles/profile.js';
import type { MergeBasis } from '../../storage/ports.js';
import type { Stage, StageOutcome } from '../stage.js';

export const writeProfileStage: Stage = {
  name: 'write-profile',
  async run(ctx): Promise<StageOutcome> {
    const visitorId = ctx.visitorId;
    if (visitorId === undefined || ctx.optedOut) return 'next';
    const { profiles, identity } = ctx.services;
    // qualify-segments applied this event's realisations and segments to the profile it read; with
    // the partner patches too, it is exactly `delta` applied to that read (see MergeBasis).
    let basis: MergeBasis | undefined;
    if (ctx.profile !== undefined && ctx.readRev >= 0) {
      if (ctx.delta.partners !== undefined)
        applyDelta(ctx.profile, { partners: ctx.delta.partners }, ctx.now);
      basis =
        ctx.identitySource === 'minted'
          ? { rev: 0, merged: ctx.profile, fresh: true }
          : { rev: ctx.readRev, merged: ctx.profile };
    }
    try {
      const merged = profiles.merge(visitorId, ctx.delta, ctx.now, basis);
      // Nearly every event declares no id: then the merge alone, without `Promise.all`'s allocations.
      if (ctx.links.length === 0) await merged;
      else
        await Promise.all([merged, ...ctx.links.map((l) => identity.link(l.dpid, l.id, visitorId, ctx.now))]);
      ctx.written = true;
    } catch {
      ctx.errors.push(wireError('PROFILE_WRITE_FAILED'));
    }
    return 'next';
  },
};
