/**
 * load-profile: the event's one profile read. A freshly minted visitor has no profile, so nothing
 * is read. On failure: error 200, the event goes on with an empty profile (the write still merges
 * atomically into whatever is stored, so nothing stored is lost).
 */
import { wireError } from '../../errors/registry.js';
import type { Stage, StageOutcome } from '../stage.js';

export const loadProfileStage: Stage = {
  name: 'load-profile',
  async run(ctx): Promise<StageOutcome> {
    if (ctx.identitySource === 'minted' || ctx.visitorId === undefined) {
      ctx.readRev = 0;
      return 'next';
    }
    try {
      ctx.profile = await ctx.services.profiles.get(ctx.visitorId);
      ctx.readRev = ctx.profile?.rev ?? 0;
    } catch {
      ctx.errors.push(wireError('PROFILE_READ_FAILED'));
      return 'next';
    }
    if (ctx.profile?.optedOut !== undefined) return ctx.stopOptedOut();
    return 'next';
  },
};
