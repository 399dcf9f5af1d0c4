/**
 * What a partner's settlement changes in the visitor's stored partner state (AAM: "the provider ID
 * and segment values are stored"). One function for in-budget, late and async answers, so a late
 * answer is stored exactly like a timely one and reused from the cache on the next event.
 */
import type { PartnerState } from '../../profiles/profile.js';
import { clampTtl, type CompiledPartner } from './compiled-partner.js';
import type { Settlement } from './collector.js';

export function answerState(partner: CompiledPartner, s: Settlement, now: number): PartnerState | undefined {
  if (s.status === 'timeout') return undefined;
  if (s.status === 'answered') {
    const ttlSec = clampTtl(partner, s.answer.ttlSec);
    return {
      codes: s.answer.kind === 'segments' ? s.answer.codes : [],
      answeredAt: now,
      freshUntil: now + ttlSec * 1000,
      ...(s.answer.userId !== undefined ? { uid: s.answer.userId, syncedAt: now } : {}),
    };
  }
  // Failures are cached for a tenth of the answer TTL (PARTNER-PROTOCOL.md), keeping the last codes.
  return { freshUntil: now + Math.round((clampTtl(partner, undefined) * 1000) / 10) };
}
