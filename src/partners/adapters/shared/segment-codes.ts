/**
 * Rules every adapter applies to provider segment codes, so the onboarding stage sees one
 * alphabet whatever the wire shape (docs/partner-protocol.md "Segment codes").
 */

/** A code is 1–64 characters from `A–Z a–z 0–9 _ . : -` (safe in trait rules, URLs and logs). */
export const SEGMENT_CODE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** At most this many codes are kept from one answer; the rest count as dropped. */
export const MAX_SEGMENT_CODES = 1000;

/** Provider user ids: 1–256 printable ASCII characters (no spaces), as they travel in URLs and cookies. */
export const USER_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

export function isSegmentCode(value: unknown): value is string {
  return typeof value === 'string' && SEGMENT_CODE_PATTERN.test(value);
}

/** Below this many codes a duplicate is looked for in the list itself, without a set. */
const SMALL_ANSWER = 16;

/** Accumulates codes in answer order: drops invalid ones, ignores duplicates, stops at the cap. */
export class CodeCollector {
  readonly codes: string[] = [];
  /** Per-code TTLs, only when the provider gave one (most answers have none: no object then). */
  perCodeTtlSec: Record<string, number> | undefined;
  dropped = 0;
  /** Built only once an answer has many codes; a typical answer has a handful. */
  #seen: Set<string> | undefined;

  /** Adds one candidate; `ttlSec` only when the provider gave a valid per-code TTL. */
  add(candidate: unknown, ttlSec?: number): void {
    if (!isSegmentCode(candidate)) {
      this.dropped++;
      return;
    }
    // A repeated code is not an error, just noise; the first occurrence (and its TTL) wins.
    if (this.#has(candidate)) return;
    if (this.codes.length >= MAX_SEGMENT_CODES) {
      this.dropped++;
      return;
    }
    this.codes.push(candidate);
    this.#seen?.add(candidate);
    if (ttlSec !== undefined) (this.perCodeTtlSec ??= {})[candidate] = ttlSec;
  }

  /** Counts something ignored for its value (a bad ttl, a bad user id, a malformed entry). */
  drop(): void {
    this.dropped++;
  }

  #has(code: string): boolean {
    if (this.#seen !== undefined) return this.#seen.has(code);
    if (this.codes.length < SMALL_ANSWER) return this.codes.includes(code);
    this.#seen = new Set(this.codes);
    return this.#seen.has(code);
  }
}
