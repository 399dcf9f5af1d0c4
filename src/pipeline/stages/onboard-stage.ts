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
  // This event's own patch object (plan-partners may have put ID-sync attempts in it).
  const patches: Record<string, PartnerState> = { ...ctx.delta.partners };
  const calls = ctx.syncCalls;
  for (let i = 0; i < calls.length; i++) {
    const partner = calls[i]!.partner;
    const s = settlements[i];
    if (s === undefined) continue;
    const outcome = s.status;
    const record: { outcome: string; ms: number; detail?: string } = {
      outcome,
      ms: Math.round(s.ms * 10) / 10,
    };
    if (s.status === 'invalid' || s.status === 'failed') record.detail = s.reason;
    ctx.partnerOutcomes[partner.key] = record;
    metrics.outcome(partner.key, s.status === 'failed' ? failedOutcome(s.reason) : outcome);
    const state = answerState(partner, s, ctx.now);
    if (state !== undefined) {
      const prev = patches[partner.dataSourceId];
      patches[partner.dataSourceId] = prev === undefined ? state : { ...prev, ...state };
    }
    if (s.status === 'answered' && s.answer.kind === 'segments') realizeCodes(ctx, partner, s.answer.codes);
  }
  ctx.delta.partners = patches;
  return 'next';
}

/** `failed:<cause>` (the cause without its detail), the outcome label of a failed call. */
function failedOutcome(reason: string): string {
  const colon = reason.indexOf(':');
  return `failed:${colon < 0 ? reason : reason.slice(0, colon)}`;
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

/**
 * The signals the onboarded-trait matcher sees: `ic` = the provider's codes. One map reused by
 * every call: `match` is synchronous and keeps nothing of it, and a new map per answer was a
 * measurable part of an event's allocation. Between calls `ic` holds an empty list rather than
 * being deleted: `Map#clear` allocates a new table each time (≈ 3 % of a cached-partner event's
 * samples in a CPU profile, 3 calls an event), while overwriting the one key does not.
 */
const codeSignals = new Map<string, readonly string[]>();
const NO_CODES: readonly string[] = Object.freeze([]);

function realizeCodes(ctx: EventContext, partner: CompiledPartner, codes: readonly string[]): void {
  codeSignals.set('ic', codes);
  const sids = ctx.snapshot.onboardMatcher.match(codeSignals, partner.dataSourceId);
  codeSignals.set('ic', NO_CODES);
  for (const sid of sids) {
    const trait = ctx.snapshot.traits.get(sid);
    if (trait !== undefined) realize(ctx, trait);
  }
}
