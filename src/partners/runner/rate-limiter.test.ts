import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of perSec, then refills over time', () => {
    const rl = new RateLimiter();
    const taken = Array.from({ length: 7 }, () => rl.take('p', 5, 1000));
    expect(taken).toEqual([true, true, true, true, true, false, false]);
    expect(rl.take('p', 5, 1200)).toBe(true);
    expect(rl.take('p', 5, 1200)).toBe(false);
    expect(rl.take('other', 5, 1200)).toBe(true);
  });
});
