/**
 * Step 3 of the flow (PRODUCT.md): which providers to ask about this visitor, and how. Pure: every
 * input is an argument, so each decision is testable. Each partner gets exactly one decision:
 * `call` (sync or async), `cached` (a fresh stored answer is reused), `browser` (the iframe fires
 * the provider's pixel) or `skip` with a reason. Order of checks, cheapest and most final first:
 * privacy → call rule → ID sync → cache → breaker → sampling → rate limit.
 */
import type { PartnerState } from '../../profiles/profile.js';
import type { SignalMap } from '../../signals/signal-map.js';
import type { CompiledPartner } from './compiled-partner.js';

export type SkipReason =
  | 'opted-out'
  | 'call-rule'
  | 'no-id-sync'
  | 'breaker-open'
  | 'sampled-out'
  | 'rate-limited'
  | `consent:${string}`;

export type PlanDecision =
  | { readonly partner: CompiledPartner; readonly action: 'call' }
  | { readonly partner: CompiledPartner; readonly action: 'cached'; readonly codes: readonly string[] }
  | { readonly partner: CompiledPartner; readonly action: 'browser' }
  | { readonly partner: CompiledPartner; readonly action: 'skip'; readonly reason: SkipReason };

export interface PlanInput {
  readonly signals: SignalMap;
  /** Trait ids realised on this call or live in the profile (built only when a call rule needs it). */
  readonly traitIds: () => readonly string[];
  /** Stored per-provider state (keyed by data source id). */
  readonly partnerStates: Readonly<Record<string, PartnerState>>;
  readonly optedOut: boolean;
  readonly now: number;
  /** The privacy gate's answer for one partner (consent parsed once per event). */
  readonly gate: (partner: CompiledPartner) => { allowed: true } | { allowed: false; reason: string };
  readonly breakerOpen: (key: string) => boolean;
  readonly takeRate: (key: string, perSec: number) => boolean;
  /** Uniform in [0, 100). */
  readonly random: () => number;
}

export function planPartners(partners: readonly CompiledPartner[], input: PlanInput): PlanDecision[] {
  let ruleSignals: SignalMap | undefined;
  return partners.map((partner): PlanDecision => {
    if (input.optedOut) return skip(partner, 'opted-out');
    const gate = input.gate(partner);
    if (!gate.allowed) return skip(partner, `consent:${gate.reason}`);
    if (partner.callRule !== undefined) {
      const signals = partner.callRuleUsesTraits
        ? (ruleSignals ??= withTraits(input.signals, input.traitIds()))
        : input.signals;
      if (!partner.callRule(signals)) return skip(partner, 'call-rule');
    }
    const state = input.partnerStates[String(partner.dataSourceId)];
    if (partner.needsIdSync && state?.uid === undefined) return skip(partner, 'no-id-sync');
    if (state?.freshUntil !== undefined && state.freshUntil > input.now) {
      return { partner, action: 'cached', codes: state.codes ?? [] };
    }
    if (partner.mode === 'browser') return { partner, action: 'browser' };
    if (input.breakerOpen(partner.key)) return skip(partner, 'breaker-open');
    if (partner.samplingPct < 100 && input.random() >= partner.samplingPct)
      return skip(partner, 'sampled-out');
    if (partner.rateLimitPerSec !== undefined && !input.takeRate(partner.key, partner.rateLimitPerSec)) {
      return skip(partner, 'rate-limited');
    }
    return { partner, action: 'call' };
  });
}

function skip(partner: CompiledPartner, reason: SkipReason): PlanDecision {
  return { partner, action: 'skip', reason };
}

function withTraits(signals: SignalMap, traitIds: readonly string[]): SignalMap {
  const out = new Map(signals);
  out.set('trait', traitIds);
  return out;
}
