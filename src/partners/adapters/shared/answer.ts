/**
 * Small pure helpers shared by the adapters' `parseResponse`: JSON decoding without throwing,
 * TTL checks, `Cache-Control: max-age`, and assembling the final {@link PartnerAnswer}.
 */
import type { PartnerAnswer, PartnerResponse } from '../../adapter.js';
import { USER_ID_PATTERN, type CodeCollector } from './segment-codes.js';

export type JsonObject = { [key: string]: unknown };

export type Decoded = { ok: true; value: unknown } | { ok: false; answer: PartnerAnswer };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A TTL is a whole number of seconds, 0 ≤ ttl ≤ 10 years; anything else is ignored (and counted). */
export function isTtl(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 315_360_000;
}

/** `max-age` from `Cache-Control`, so a 204 (which has no body) can still say how long to cache. */
export function maxAgeFrom(headers: Readonly<Record<string, string>>): number | undefined {
  const match = /(?:^|[,\s])max-age\s*=\s*"?(\d{1,10})"?/i.exec(headers['cache-control'] ?? '');
  if (match?.[1] === undefined) return undefined;
  const ttl = Number(match[1]);
  return isTtl(ttl) ? ttl : undefined;
}

/**
 * Status handling common to every shape: 204 → empty, 200 → decode JSON, anything else → invalid.
 * Redirects are not followed by the runner, so a 3xx lands here as a failure too.
 */
export function decodeJsonAnswer(res: PartnerResponse): Decoded {
  if (res.status === 204) {
    const ttlSec = maxAgeFrom(res.headers);
    return { ok: false, answer: ttlSec === undefined ? { kind: 'empty' } : { kind: 'empty', ttlSec } };
  }
  if (res.status !== 200) return { ok: false, answer: { kind: 'invalid', reason: `status ${res.status}` } };
  try {
    return { ok: true, value: JSON.parse(res.body) as unknown };
  } catch {
    return { ok: false, answer: { kind: 'invalid', reason: 'malformed JSON' } };
  }
}

export function invalid(reason: string): PartnerAnswer {
  return { kind: 'invalid', reason };
}

/** Optional extras of a good answer; values already checked by the caller. */
export interface AnswerExtras {
  ttlSec?: number | undefined;
  userId?: string | undefined;
  segtax?: number | undefined;
}

/** Validates a provider user id value: a string that fails the pattern is dropped, not fatal. */
export function acceptUserId(value: string, codes: CodeCollector): string | undefined {
  if (USER_ID_PATTERN.test(value)) return value;
  codes.drop();
  return undefined;
}

/** Builds `segments` or `empty`, leaving out every optional field that has no value. */
export function finishAnswer(codes: CodeCollector, extras: AnswerExtras): PartnerAnswer {
  // Assigned field by field: conditional spreads allocate a throwaway object per present field.
  const answer: {
    kind: 'segments' | 'empty';
    codes?: string[];
    segtax?: number;
    ttlSec?: number;
    userId?: string;
    dropped?: number;
    perCodeTtlSec?: Record<string, number>;
  } =
    codes.codes.length === 0
      ? { kind: 'empty' }
      : // A copy of exactly its length: the codes are kept in the visitor's profile (and its cache),
        // and the collected list, grown by `push`, holds room for 17 codes when it has one.
        { kind: 'segments', codes: codes.codes.slice() };
  if (answer.kind === 'segments' && extras.segtax !== undefined) answer.segtax = extras.segtax;
  if (extras.ttlSec !== undefined) answer.ttlSec = extras.ttlSec;
  if (extras.userId !== undefined) answer.userId = extras.userId;
  if (codes.dropped > 0) answer.dropped = codes.dropped;
  if (answer.kind === 'segments' && codes.perCodeTtlSec !== undefined)
    answer.perCodeTtlSec = codes.perCodeTtlSec;
  return answer as PartnerAnswer;
}
