/**
 * write-profile: the event's one profile write — an atomic merge of this event's delta, durable
 * before the reply (group commit allowed) — plus declared-id links (most recent mapping wins).
 * On failure: error 357 in the reply; the event is not acknowledged as stored.
 */
import { wireError } from '../../errors/registry.js';
import type { Stage, StageOutcome } from '../stage.js';

export const writeProfileStage: Stage = {
  name: 'write-profile',
  async run(ctx): Promise<StageOutcome> {
    const visitorId = ctx.visitorId;
    if (visitorId === undefined || ctx.optedOut) return 'next';
    const { profiles, identity } = ctx.services;
    try {
      await Promise.all([
        profiles.merge(visitorId, ctx.delta, ctx.now),
        ...ctx.links.map((l) => identity.link(l.dpid, l.id, visitorId, ctx.now)),
      ]);
      ctx.written = true;
    } catch {
      ctx.errors.push(wireError('PROFILE_WRITE_FAILED'));
    }
    return 'next';
  },
};
