/**
 * onboard: waits (never past the budget) for the synchronous partners, then turns provider segment
 * codes — from answers and from fresh cached answers — into that provider's onboarded traits
 * (AAM's convention: codes arrive as values of `ic` in the provider's data source, realising traits
 * like `ic == "A1"`). Records each answer in the profile delta (codes, TTL, the provider's id).
 * On failure: a partner that failed or timed out realises nothing; its outcome is recorded.
 */
import { answerState } from '../../partners/runner/answer-state.js';
import type { CompiledPartner } from '../../partners/runner/compiled-partner.js';
import type { PartnerState } from '../../profiles/profile.js';
import type { EventContext } from '../event-context.js';
import type { Stage, StageOutcome } from '../stage.js';
import { realize } from './realize-traits-stage.js';

export const onboardStage: Stage = {
  name: 'onboard',
  run(ctx) {
    onboardCached(ctx);
    if (ctx.inFlight === undefined) return 'next';
    return settle(ctx);
  },
};

async function settle(ctx: EventContext): Promise<StageOutcome> {
  const settlements = await ctx.inFlight!;
  const metrics = ctx.services.partners.metrics;
  const patches: Record<string, PartnerState> = { ...ctx.delta.partners };
  ctx.syncCalls.forEach(({ partner }, i) => {
    const s = settlements[i];
    if (s === undefined) return;
    const outcome = s.status === 'answered' ? 'answered' : s.status === 'timeout' ? 'timeout' : `${s.status}`;
    ctx.partnerOutcomes[partner.key] = {
      outcome,
      ms: Math.round(s.ms * 10) / 10,
      ...(s.status === 'invalid' || s.status === 'failed' ? { detail: s.reason } : {}),
    };
    metrics.outcome(partner.key, s.status === 'failed' ? `failed:${s.reason.split(':')[0]}` : outcome);
    const state = answerState(partner, s, ctx.now);
    if (state !== undefined) patches[partner.dataSourceId] = { ...patches[partner.dataSourceId], ...state };
    if (s.status === 'answered' && s.answer.kind === 'segments') realizeCodes(ctx, partner, s.answer.codes);
  });
  ctx.delta.partners = patches;
  return 'next';
}

function onboardCached(ctx: EventContext): void {
  const metrics = ctx.services.partners.metrics;
  for (const partner of ctx.snapshot.partners) {
    const o = ctx.partnerOutcomes[partner.key];
    if (o === undefined) continue;
    metrics.outcome(partner.key, o.outcome);
    if (o.outcome !== 'cached') continue;
    const codes = ctx.profile?.partners[String(partner.dataSourceId)]?.codes;
    if (codes !== undefined && codes.length > 0) realizeCodes(ctx, partner, codes);
  }
}

function realizeCodes(ctx: EventContext, partner: CompiledPartner, codes: readonly string[]): void {
  const signals = new Map([['ic', codes]]);
  for (const sid of ctx.snapshot.onboardMatcher.match(signals, partner.dataSourceId)) {
    const trait = ctx.snapshot.traits.get(sid);
    if (trait !== undefined) realize(ctx, trait);
  }
}
