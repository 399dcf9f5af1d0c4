/**
 * Per-partner, per-node call rate limit: a token bucket refilled continuously at `perSec`, with a
 * burst of one second's worth. Per node by design (ARCHITECTURE.md: "rate-limit shares" are per
 * node): with N nodes a partner sees up to N × perSec.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string, perSec: number, nowMs: number): boolean {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = { tokens: perSec, at: nowMs };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(perSec, b.tokens + ((nowMs - b.at) / 1000) * perSec);
    b.at = nowMs;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
